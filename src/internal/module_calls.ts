/**
 * The ES module calls of a MiniRacer (evalModule, importModule and their
 * async variants), kept here so that mini_racer.ts holds one short method
 * per entry point. They run through the MiniRacer's own call machinery
 * (its console wiring for sync calls, its tracking of async ones), handed
 * in as a {@link ModuleCallSite}.
 * @internal
 */
import type { NativeSandbox, WireValue } from "./addon";
import type { HostDispatcher } from "./host_dispatch";
import { moduleLoaderFunction, namespaceResult } from "./modules";
import { CallFlag } from "./wire_constants";
import {
  callLimits,
  checkCode,
  checkName,
  moduleName,
  resultFlags,
  type AsyncCallOptions,
  type CallLimits,
  type CallOptions,
  type ModuleAsyncCallOptions,
  type ModuleCallOptions,
  type ModuleLoader,
} from "../options";

/** What the module calls need of their MiniRacer. */
export interface ModuleCallSite {
  /** The open sandbox, or ContextClosedError. */
  open(): NativeSandbox;
  /** The MiniRacer's default limits of a call, in the addon's form. */
  limits(): CallLimits;
  /** A synchronous call with its console handler in place; returns the decoded result. */
  sync(options: CallOptions | undefined, run: () => WireValue): unknown;
  /** Starts and tracks an async call; resolves to its decoded result. */
  track(sandbox: NativeSandbox, options: AsyncCallOptions | undefined, start: () => number): Promise<unknown>;
}

export class ModuleCalls {
  readonly #site: ModuleCallSite;

  constructor(site: ModuleCallSite) {
    this.#site = site;
  }

  /** Installs `loadModule` (if any) as the sandbox's module loader, a host function. */
  install(sandbox: NativeSandbox, host: HostDispatcher, loadModule: ModuleLoader | undefined): void {
    if (loadModule === undefined) return;
    host.install(sandbox);
    sandbox.setModuleLoader(host.add(moduleLoaderFunction(loadModule)));
  }

  evalModule(code: string, options: ModuleCallOptions | undefined): unknown {
    checkCode(code);
    return this.#sync(code, moduleName(options), CallFlag.None, options);
  }

  importModule(specifier: string, options: CallOptions | undefined): unknown {
    checkName(specifier);
    return this.#sync(specifier, "", CallFlag.ModuleImport, options);
  }

  evalModuleAsync(code: string, options: ModuleAsyncCallOptions | undefined): Promise<unknown> {
    try {
      checkCode(code);
      return this.#async(code, moduleName(options), CallFlag.None, options);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  importModuleAsync(specifier: string, options: AsyncCallOptions | undefined): Promise<unknown> {
    try {
      checkName(specifier);
      return this.#async(specifier, "", CallFlag.ModuleImport, options);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  // Without { handle: true } the addon gives a copy, or the namespace as a handle when an export
  // is a function or a symbol; namespaceResult then copies it, functions as handles.
  #sync(code: string, name: string, flags: CallFlag, options: CallOptions | undefined): unknown {
    const site = this.#site;
    const sandbox = site.open();
    const limits = callLimits(options, site.limits());
    const ns = site.sync(options, () => sandbox.evalModule(code, name, limits, flags | resultFlags(options)));
    return namespaceResult(ns, options?.handle === true);
  }

  #async(code: string, name: string, flags: CallFlag, options: AsyncCallOptions | undefined): Promise<unknown> {
    const site = this.#site;
    const sandbox = site.open();
    const limits = callLimits(options, site.limits());
    const asHandle = options?.handle === true;
    return site
      .track(sandbox, options, () => sandbox.evalModuleAsync(code, name, limits, flags | resultFlags(options)))
      .then((ns) => namespaceResult(ns, asHandle));
  }
}
