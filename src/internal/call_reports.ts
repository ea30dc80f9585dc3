/**
 * What a MiniRacer says of the calls that have ended (lastCall, usage).
 * The addon keeps the report of the last synchronous call, read only when
 * asked for, so that sync calls pay nothing for it; an async call's report
 * comes with its completion and is the last one until a sync call ends.
 * @internal
 */
import type { CallReport, Usage } from "../options";
import type { NativeSandbox } from "./addon";

export class CallReports {
  /** The report of the last async call to settle; cleared when a sync call ends. */
  lastAsync: CallReport | undefined;
  // The sums when the sandbox was closed.
  #final: Usage | undefined;

  last(sandbox: NativeSandbox): CallReport | undefined {
    if (this.lastAsync !== undefined) return { ...this.lastAsync };
    return sandbox.lastCall();
  }

  /** The sums, from the sandbox, or as it left them once closed (sandbox null). */
  usage(sandbox: NativeSandbox | null): Usage {
    if (sandbox === null) return { ...(this.#final ?? { calls: 0, wallMs: 0, cpuMs: 0, hostCalls: 0, hostMs: 0, gcMs: 0 }) };
    return sandbox.usage();
  }

  /** Before the sandbox is closed. */
  closing(sandbox: NativeSandbox): void {
    this.#final = sandbox.usage();
  }
}
