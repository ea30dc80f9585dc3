#include "core/limits/charged_objects.h"

#include "core/limits/guard_state.h"

namespace mini_racer {
namespace {

// Runs once per context before any sandbox code. It receives
// charge(object, bytes) -> bool and keeps it in its closure, and GuardBase's
// base (looksNative for the functions it installs; Temporal is charged by a
// hook in contexts made from a snapshot, where V8 installs it only then).
// Bytes per object: host RSS growth per retained object, measured on Node
// 20 (V8 11.3) with 2,000 of each (300,000 waiters), rounded up.
const char kBootstrap[] = R"JS(
(function (charge, base) {
  "use strict";
  const { apply, construct, defineProperty, getOwnPropertyDescriptor, ownKeys, getPrototypeOf } = Reflect;
  const { looksNative, withGlobal } = base;
  const RangeErr = RangeError;
  const I = Intl;
  function refuse(what) {
    throw new RangeErr(`${what}: the object does not fit the sandbox's memory cap`);
  }
  function charged(object, bytes, what) {
    if (!charge(object, bytes)) refuse(what);
    return object;
  }
  const NativeSegmenter = I.Segmenter;
  const costs = [
    ["Collator", 4096], ["DateTimeFormat", 32768], ["DisplayNames", 5120],
    ["DurationFormat", 8192], ["ListFormat", 4096], ["Locale", 2048],
    ["NumberFormat", 5120], ["PluralRules", 4096], ["RelativeTimeFormat", 12288],
    ["Segmenter", 8192],
  ];
  for (const [name, bytes] of costs) {
    const Native = I[name];
    if (typeof Native !== "function") continue;
    const what = `Intl.${name}`;
    // Some are callable without new (legacy formatters): kept as they are.
    const Wrapper = function (...args) {
      const object = new.target === undefined ? apply(Native, this, args) : construct(Native, args, new.target);
      return charged(object, bytes, what);
    };
    for (const key of ownKeys(Native)) {
      if (key === "prototype") continue;
      defineProperty(Wrapper, key, getOwnPropertyDescriptor(Native, key));
    }
    looksNative(Wrapper, Native);
    defineProperty(Wrapper, "prototype", { value: Native.prototype, writable: false, enumerable: false, configurable: false });
    defineProperty(Native.prototype, "constructor", { value: Wrapper, writable: true, configurable: true, enumerable: false });
    defineProperty(I, name, { value: Wrapper, writable: true, configurable: true, enumerable: false });
  }
  // segment() copies its string into ICU (2 bytes a character) beside a
  // break iterator; each iterator over it clones the break iterator.
  const Segmenter = I.Segmenter;
  if (typeof Segmenter === "function") {
    const nativeSegment = Segmenter.prototype.segment;
    const segment = {
      segment(input) {
        const text = `${input}`;
        const segments = apply(nativeSegment, this, [text]);
        return charged(segments, 4096 + 2 * text.length, "Intl.Segmenter.prototype.segment");
      },
    }.segment;
    looksNative(segment, nativeSegment);
    defineProperty(Segmenter.prototype, "segment", { value: segment, writable: true, configurable: true, enumerable: false });
    // (The unwrapped constructor: the setup itself is charged nothing.)
    const SegmentsPrototype = getPrototypeOf(apply(nativeSegment, new NativeSegmenter(), [""]));
    const nativeIterator = SegmentsPrototype[Symbol.iterator];
    const iterator = {
      [Symbol.iterator]() {
        return charged(apply(nativeIterator, this, []), 4096, "Intl segments iterator");
      },
    }[Symbol.iterator];
    looksNative(iterator, nativeIterator);
    defineProperty(SegmentsPrototype, Symbol.iterator, { value: iterator, writable: true, configurable: true, enumerable: false });
  }
  // Temporal (Node 26): a ZonedDateTime, PlainDateTime or Duration keeps
  // ~370, ~220 and ~280 bytes in the host's malloc heap beside its 64 on
  // V8's (200,000 of each on Node 26; the other kinds keep none): 32 MB of
  // ZonedDateTimes took 172 MB of host memory. Every function of Temporal
  // (constructors, statics, methods, Temporal.Now) is wrapped: a result of
  // those kinds is charged. Accessors return primitives. (It runs after a
  // setup's code in contexts from a snapshot: index loops and intrinsics
  // captured here, never what a setup can replace, such as iterators.)
  const NativeMap = Map, mapGet = Map.prototype.get, mapSet = Map.prototype.set;
  const temporalCosts = ["ZonedDateTime", 512, "PlainDateTime", 256, "Duration", 320];
  withGlobal("Temporal", (T) => {
    const costs = new NativeMap();
    for (let i = 0; i < temporalCosts.length; i += 2) {
      const found = getOwnPropertyDescriptor(T, temporalCosts[i]);
      const C = found === undefined ? undefined : found.value;
      if (typeof C === "function") apply(mapSet, costs, [C.prototype, temporalCosts[i + 1]]);
    }
    function chargedResult(result) {
      if (typeof result === "object" && result !== null) {
        const bytes = apply(mapGet, costs, [getPrototypeOf(result)]);
        if (bytes !== undefined) charged(result, bytes, "Temporal");
      }
      return result;
    }
    function wrapMethods(holder) {
      const keys = ownKeys(holder);
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i];
        const descriptor = getOwnPropertyDescriptor(holder, key);
        const original = descriptor.value;
        if (key === "constructor" || typeof original !== "function") continue;
        const wrapper = ({ [key](...args) {
          return chargedResult(apply(original, this, args));
        } })[key];
        looksNative(wrapper, original);
        defineProperty(holder, key, { value: wrapper, writable: descriptor.writable, enumerable: descriptor.enumerable, configurable: descriptor.configurable });
      }
    }
    const names = ownKeys(T);
    for (let i = 0; i < names.length; i++) {
      const name = names[i];
      const descriptor = getOwnPropertyDescriptor(T, name);
      const Native = descriptor.value;
      if (typeof Native !== "function" || typeof Native.prototype !== "object" || Native.prototype === null) {
        if (typeof Native === "object" && Native !== null) wrapMethods(Native); // Temporal.Now
        continue;
      }
      wrapMethods(Native);
      wrapMethods(Native.prototype);
      const bytes = apply(mapGet, costs, [Native.prototype]);
      if (bytes === undefined) continue;
      const what = `Temporal.${name}`;
      // Subclass instances (new.target) are charged here too.
      const Wrapper = function (...args) {
        const object = new.target === undefined ? apply(Native, this, args) : construct(Native, args, new.target);
        return charged(object, bytes, what);
      };
      const statics = ownKeys(Native);
      for (let k = 0; k < statics.length; k++) {
        if (statics[k] !== "prototype") defineProperty(Wrapper, statics[k], getOwnPropertyDescriptor(Native, statics[k]));
      }
      looksNative(Wrapper, Native);
      defineProperty(Wrapper, "prototype", { value: Native.prototype, writable: false, enumerable: false, configurable: false });
      defineProperty(Native.prototype, "constructor", { value: Wrapper, writable: true, configurable: true, enumerable: false });
      defineProperty(T, name, { value: Wrapper, writable: descriptor.writable, configurable: descriptor.configurable, enumerable: descriptor.enumerable });
    }
  });

  // A waiter holds its promise until the wait ends: the charge lasts as
  // long. A refused charge comes after the wait was made, so the sandbox
  // gets at most one waiter past the cap.
  const nativeWaitAsync = Atomics.waitAsync;
  if (typeof nativeWaitAsync === "function") {
    const A = Atomics;
    const waitAsync = {
      waitAsync(typedArray, index, value, timeout) {
        const result = apply(nativeWaitAsync, A, [typedArray, index, value, timeout]);
        if (result.async) charged(result.value, 512, "Atomics.waitAsync");
        return result;
      },
    }.waitAsync;
    looksNative(waitAsync, nativeWaitAsync);
    defineProperty(A, "waitAsync", { value: waitAsync, writable: true, configurable: true, enumerable: false });
  }
})
)JS";

}  // namespace

ChargedObjects::~ChargedObjects() {
  for (Charge* charge : charges_) {
    charge->object.Reset();
    delete charge;
  }
}

bool ChargedObjects::ChargeFor(v8::Local<v8::Object> object, size_t bytes) {
  if (!ChargeOrCollect(isolate_, budget_, bytes)) return false;
  auto* charge = new Charge{this, bytes, v8::Global<v8::Object>(isolate_, object)};
  charge->object.SetWeak(charge, &ChargedObjects::Collected,
                         v8::WeakCallbackType::kParameter);
  charges_.insert(charge);
  charged_ += bytes;
  return true;
}

void ChargedObjects::Collected(const v8::WeakCallbackInfo<Charge>& info) {
  Charge* charge = info.GetParameter();
  ChargedObjects* guard = charge->guard;
  charge->object.Reset();
  guard->budget_->Release(charge->bytes);
  guard->charged_ -= charge->bytes;
  guard->charges_.erase(charge);
  delete charge;
}

void ChargedObjects::ChargeCallback(
    const v8::FunctionCallbackInfo<v8::Value>& info) {
  ChargedObjects* guard = GuardStateOf(info.GetIsolate()).charged_objects;
  bool ok = info.Length() >= 2 && info[0]->IsObject() && info[1]->IsNumber();
  if (ok) {
    double bytes = info[1].As<v8::Number>()->Value();
    ok = bytes >= 0 && bytes <= 9.0e15 &&
         guard->ChargeFor(info[0].As<v8::Object>(),
                          static_cast<size_t>(bytes));
  }
  info.GetReturnValue().Set(ok);
}

bool ChargedObjects::Install(v8::Local<v8::Context> context,
                             v8::Local<v8::Object> base) {
  v8::HandleScope handle_scope(isolate_);
  v8::Context::Scope context_scope(context);
  v8::TryCatch try_catch(isolate_);
  v8::Local<v8::Function> charge;
  v8::Local<v8::Script> script;
  v8::Local<v8::Value> installer;
  if (!v8::Function::New(context, &ChargedObjects::ChargeCallback, {}, 2)
           .ToLocal(&charge) ||
      !v8::Script::Compile(context,
                           v8::String::NewFromUtf8Literal(isolate_, kBootstrap))
           .ToLocal(&script) ||
      !script->Run(context).ToLocal(&installer) || !installer->IsFunction()) {
    return false;
  }
  v8::Local<v8::Value> args[] = {charge, base};
  return !installer.As<v8::Function>()
              ->Call(context, context->Global(), 2, args)
              .IsEmpty();
}

void ChargedObjects::AddExternalReferences(
    std::vector<intptr_t>* references) {
  references->push_back(
      reinterpret_cast<intptr_t>(&ChargedObjects::ChargeCallback));
}

}  // namespace mini_racer
