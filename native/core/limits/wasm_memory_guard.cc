#include "core/limits/wasm_memory_guard.h"

#include "core/limits/context_bootstrap.h"
#include "core/limits/guard_state.h"
#include "core/limits/memory_budget.h"

namespace mini_racer {
namespace {

// Runs once per context, before any sandbox code, so every intrinsic it
// captures is pristine. It receives charge(bytes) -> bool and
// release(bytes) and keeps them in its closure: sandbox code never sees them.
const char kBootstrap[] = R"JS(
(function (charge, release, maxBytes, base) {
  "use strict";
  const { looksNative } = base;
  const PAGE = 65536;
  const MAX_PAGES = 65536;
  const WA = WebAssembly;
  const NativeMemory = WA.Memory;
  const NativeModule = WA.Module;
  const NativeInstance = WA.Instance;
  const nativeCompile = WA.compile;
  const { apply, construct, defineProperty } = Reflect;
  const NativeUint8Array = Uint8Array;
  const isView = ArrayBuffer.isView;
  const u8Slice = Uint8Array.prototype.slice;
  const weakGet = WeakMap.prototype.get;
  const weakSet = WeakMap.prototype.set;
  const weakHas = WeakMap.prototype.has;
  const NativePromise = Promise;
  const promiseThen = Promise.prototype.then;
  const registerForRelease = FinalizationRegistry.prototype.register;
  const registry = new FinalizationRegistry(release);
  const modulePages = new WeakMap();
  const TypeErr = TypeError;
  const RangeErr = RangeError;
  const toNumber = Number;

  function chargePages(pages, what) {
    if (pages > 0 && !charge(pages * PAGE)) {
      throw new RangeErr(`WebAssembly.${what}: ${pages} pages of memory do not fit the sandbox's memory cap`);
    }
  }

  function copyBytes(source) {
    if (isView(source)) {
      return apply(u8Slice, new NativeUint8Array(source.buffer, source.byteOffset, source.byteLength), []);
    }
    try {
      return apply(u8Slice, new NativeUint8Array(source), []);
    } catch {
      return undefined;
    }
  }

  // Pages a module's own memories can reach. Imported memories are
  // WebAssembly.Memory objects, charged when they were made.
  function ownMemoryPages(bytes) {
    let at = 8;
    const end = bytes.length;
    function leb() {
      let result = 0, shift = 0, byte;
      do {
        if (at >= end || shift > 63) throw new TypeErr("WebAssembly.Module: truncated module");
        byte = bytes[at++];
        result += (byte & 0x7f) * 2 ** shift;
        shift += 7;
      } while (byte & 0x80);
      return result;
    }
    let pages = 0;
    while (at < end) {
      const id = bytes[at++];
      const size = leb();
      const next = at + size;
      if (id === 5) {
        for (let count = leb(); count > 0; count--) {
          const flags = bytes[at++];
          const initial = leb();
          if (!(flags & 1)) {
            if (initial === 0) continue;
            throw new RangeErr("WebAssembly.Module: a module that defines its own memory must give it a maximum under a memory cap");
          }
          pages += leb();
        }
      }
      at = next;
    }
    return pages;
  }

  function prepare(source) {
    const bytes = copyBytes(source);
    if (bytes === undefined || bytes.length < 8) return { bytes: source, pages: 0 };
    return { bytes, pages: ownMemoryPages(bytes) };
  }

  function remember(module, pages) {
    apply(weakSet, modulePages, [module, pages]);
    return module;
  }

  function instantiateModule(module, imports, newTarget) {
    if (!apply(weakHas, modulePages, [module])) {
      throw new TypeErr("WebAssembly.Instance(): Argument 0 must be a WebAssembly.Module");
    }
    const pages = apply(weakGet, modulePages, [module]);
    chargePages(pages, "Instance");
    let instance;
    try {
      instance = construct(NativeInstance, [module, imports], newTarget);
    } catch (error) {
      if (pages > 0) release(pages * PAGE);
      throw error;
    }
    if (pages > 0) apply(registerForRelease, registry, [instance, pages * PAGE]);
    return instance;
  }

  function Memory(descriptor) {
    if (new.target === undefined) throw new TypeErr("WebAssembly.Memory must be invoked with 'new'");
    if (descriptor === null || typeof descriptor !== "object") {
      return construct(NativeMemory, [descriptor], new.target);
    }
    const initialValue = descriptor.initial;
    const maximumValue = descriptor.maximum;
    const shared = descriptor.shared;
    const initial = toNumber(initialValue);
    const maximum = maximumValue === undefined ? initial : toNumber(maximumValue);
    if (!(initial >= 0 && initial <= MAX_PAGES && maximum >= initial && maximum <= MAX_PAGES)) {
      // Let V8 report the invalid descriptor in its own words.
      return construct(NativeMemory, [{ initial: initialValue, maximum: maximumValue, shared }], new.target);
    }
    const pages = Math.floor(maximum);
    chargePages(pages, "Memory");
    let memory;
    try {
      memory = construct(NativeMemory, [{ initial, maximum: pages, shared }], new.target);
    } catch (error) {
      release(pages * PAGE);
      throw error;
    }
    apply(registerForRelease, registry, [memory, pages * PAGE]);
    return memory;
  }

  function Module(source) {
    if (new.target === undefined) throw new TypeErr("WebAssembly.Module must be invoked with 'new'");
    const { bytes, pages } = prepare(source);
    return remember(construct(NativeModule, [bytes], new.target), pages);
  }

  function Instance(module, imports) {
    if (new.target === undefined) throw new TypeErr("WebAssembly.Instance must be invoked with 'new'");
    return instantiateModule(module, imports, new.target);
  }

  const { compile } = { compile(source) {
    let prepared;
    try {
      prepared = prepare(source);
    } catch (error) {
      return apply(NativePromise.reject, NativePromise, [error]);
    }
    return apply(promiseThen, nativeCompile(prepared.bytes), [(module) => remember(module, prepared.pages)]);
  } };

  const { instantiate } = { instantiate(source, imports) {
    if (apply(weakHas, modulePages, [source])) {
      return new NativePromise((resolve) => resolve(instantiateModule(source, imports, NativeInstance)));
    }
    return apply(promiseThen, compile(source), [
      (module) => ({ module, instance: instantiateModule(module, imports, NativeInstance) }),
    ]);
  } };

  const wrappers = [
    ["Memory", Memory, NativeMemory],
    ["Module", Module, NativeModule],
    ["Instance", Instance, NativeInstance],
  ];
  for (const [name, wrapper, original] of wrappers) {
    // Module's statics, and what V8 gives these API functions (`arguments`
    // and `caller`), as they are on the original.
    for (const key of Reflect.ownKeys(original)) {
      if (key !== "prototype") defineProperty(wrapper, key, Reflect.getOwnPropertyDescriptor(original, key));
    }
    looksNative(wrapper, original);
    defineProperty(wrapper, "prototype", { value: original.prototype, writable: false });
    // The prototype's constructor must not lead back to the unwrapped one.
    defineProperty(original.prototype, "constructor", { value: wrapper, writable: true, configurable: true });
    defineProperty(WA, name, { value: wrapper, writable: true, configurable: true });
  }
  for (const [name, fn] of [["compile", compile], ["instantiate", instantiate]]) {
    looksNative(fn, WA[name]);
    // A method has no prototype, as the builtin has none.
    defineProperty(WA, name, { value: fn, writable: true, configurable: true });
  }
  for (const name of ["compileStreaming", "instantiateStreaming"]) {
    if (name in WA) delete WA[name];
  }

  // Resizable ArrayBuffers and growable SharedArrayBuffers: V8 reserves
  // their maximum itself and commits pages as they grow, never asking the
  // ArrayBuffer allocator, so their maximum is charged when they are made.
  function budgetedBuffer(Native, name) {
    function Buffer(length, options) {
      if (new.target === undefined) throw new TypeErr(`Constructor ${name} requires 'new'`);
      if (options === null || typeof options !== "object") return construct(Native, [length], new.target);
      const maxValue = options.maxByteLength;
      if (maxValue === undefined) return construct(Native, [length], new.target);
      const max = toNumber(maxValue);
      if (!(max >= 0 && max <= 2 ** 53)) {
        // Let V8 report the invalid option in its own words.
        return construct(Native, [length, { maxByteLength: maxValue }], new.target);
      }
      const bytes = Math.floor(max);
      if (bytes > 0 && !charge(bytes)) {
        throw new RangeErr(`${name}: a maxByteLength of ${bytes} bytes does not fit the sandbox's memory cap`);
      }
      let buffer;
      try {
        buffer = construct(Native, [length, { maxByteLength: bytes }], new.target);
      } catch (error) {
        if (bytes > 0) release(bytes);
        throw error;
      }
      if (bytes > 0) apply(registerForRelease, registry, [buffer, bytes]);
      return buffer;
    }
    looksNative(Buffer, Native);
    // Statics (isView, Symbol.species) as they are on the original.
    for (const key of Reflect.ownKeys(Native)) {
      if (key === "prototype" || key === "name" || key === "length") continue;
      defineProperty(Buffer, key, Reflect.getOwnPropertyDescriptor(Native, key));
    }
    defineProperty(Buffer, "prototype", { value: Native.prototype, writable: false });
    defineProperty(Native.prototype, "constructor", { value: Buffer, writable: true, configurable: true });
    defineProperty(globalThis, name, { value: Buffer, writable: true, configurable: true });
  }
  budgetedBuffer(ArrayBuffer, "ArrayBuffer");
  if (typeof SharedArrayBuffer === "function") budgetedBuffer(SharedArrayBuffer, "SharedArrayBuffer");

  // Globals that process-wide V8 flags of the host (--expose-gc and the
  // like) install in every context: sandboxed code gets none of them.
  for (const name of ["gc", "externalizeString", "createExternalizableString", "isOneByteString",
                      "getV8Statistics", "triggerCheckFalse", "triggerAssertFalse",
                      "triggerSlowAssertFalse"]) {
    const found = Reflect.getOwnPropertyDescriptor(globalThis, name);
    if (found === undefined) continue;
    // V8 installs some as non-configurable but writable.
    if (!Reflect.deleteProperty(globalThis, name)) globalThis[name] = undefined;
  }
})
)JS";

MemoryBudget* BudgetOf(const v8::FunctionCallbackInfo<v8::Value>& info) {
  return GuardStateOf(info.GetIsolate()).budget;
}

double BytesArg(const v8::FunctionCallbackInfo<v8::Value>& info) {
  if (info.Length() < 1 || !info[0]->IsNumber()) return -1;
  return info[0].As<v8::Number>()->Value();
}

void Charge(const v8::FunctionCallbackInfo<v8::Value>& info) {
  double bytes = BytesArg(info);
  bool ok = bytes >= 0 && bytes <= 9.0e15 &&
            ChargeOrCollect(info.GetIsolate(), BudgetOf(info),
                            static_cast<size_t>(bytes));
  info.GetReturnValue().Set(ok);
}

void Release(const v8::FunctionCallbackInfo<v8::Value>& info) {
  double bytes = BytesArg(info);
  if (bytes > 0 && bytes <= 9.0e15) {
    BudgetOf(info)->Release(static_cast<size_t>(bytes));
  }
}

}  // namespace

bool WasmMemoryGuard::Install(v8::Isolate* isolate,
                              v8::Local<v8::Context> context,
                              size_t max_bytes,
                              v8::Local<v8::Object> base) {
  v8::HandleScope handle_scope(isolate);
  v8::Local<v8::Function> charge, release;
  if (!v8::Function::New(context, Charge, {}, 1).ToLocal(&charge) ||
      !v8::Function::New(context, Release, {}, 1).ToLocal(&release)) {
    return false;
  }
  v8::Local<v8::Value> args[] = {
      charge, release,
      v8::Number::New(isolate, static_cast<double>(max_bytes)), base};
  static BootstrapScript script(kBootstrap);
  return RunContextBootstrap(isolate, context, script, 4, args);
}

void WasmMemoryGuard::AddExternalReferences(
    std::vector<intptr_t>* references) {
  references->push_back(reinterpret_cast<intptr_t>(&Charge));
  references->push_back(reinterpret_cast<intptr_t>(&Release));
}

}  // namespace mini_racer
