/**
 * The limits a MiniRacer applies to its calls, and how setLimits changes
 * them: the default time and CPU-time limits (kept in the addon's form, so
 * that a call without options passes them as they are) and the memory
 * limits the sandbox has now. @internal
 */
import { checkLimitChanges, limitsOf, type CallLimits, type LimitChanges, type SandboxSettings } from "../options";
import type { NativeSandbox } from "./addon";

export class LimitSettings {
  /** The default limits of a call, in the addon's form. */
  calls: CallLimits;
  #timeout: number;
  #cpuTime: number;
  #maxMemory: number;
  #softMemory: number;
  // The cap at creation, what maxMemory can be raised back to: read at the
  // first change, before which it is the only cap there has been.
  #createdCap = 0;

  constructor(settings: SandboxSettings) {
    this.#timeout = settings.timeout;
    this.#cpuTime = settings.cpuTime;
    this.calls = limitsOf(settings.timeout, settings.cpuTime);
    this.#maxMemory = settings.maxMemory;
    this.#softMemory = settings.softMemory;
  }

  /** A call's limits with its own timeout (a checked number) and the default CPU-time limit. */
  withTimeout(timeout: number): CallLimits {
    return limitsOf(timeout, this.#cpuTime);
  }

  /** setLimits: checks the changes, then makes them (memory in the sandbox, time here). */
  change(sandbox: NativeSandbox, limits: LimitChanges): void {
    const changes = checkLimitChanges(limits);
    if (this.#createdCap === 0) this.#createdCap = sandbox.heapStats().maxMemory;
    if (changes.maxMemory !== undefined || changes.softMemory !== undefined) {
      const maxMemory = changes.maxMemory ?? (this.#maxMemory || this.#createdCap);
      const softMemory = changes.softMemory ?? this.#softMemory;
      if (!sandbox.setMemoryLimits(maxMemory, softMemory)) {
        throw new RangeError(
          `maxMemory must be at most ${this.#createdCap}, the cap this MiniRacer was created with, got ${maxMemory}`,
        );
      }
      this.#maxMemory = maxMemory;
      this.#softMemory = softMemory;
    }
    if (changes.timeout !== undefined) this.#timeout = changes.timeout;
    if (changes.cpuTime !== undefined) this.#cpuTime = changes.cpuTime;
    this.calls = limitsOf(this.#timeout, this.#cpuTime);
  }
}
