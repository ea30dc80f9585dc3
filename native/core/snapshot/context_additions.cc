#include "core/snapshot/context_additions.h"

#include <memory>

#include "core/runtime/foreground_task_queue.h"
#include "core/runtime/isolate_holder.h"

namespace mini_racer {
namespace {

// (mode, input): "list" returns the JSON of [path, keys] for every builtin
// object; "diff" lists again and returns what is new beside `input` (a
// "list" result) on holders that were there; "seal" resolves the holders of
// `input` (a "diff" result) now and returns the sealer. Intrinsics are
// captured before anything else runs, and loops are indexed, so that what
// a setup changed cannot steer the sealer.
constexpr const char kSurfaceScript[] = R"JS(
(function (mode, input) {
  "use strict";
  const { getOwnPropertyDescriptor, getPrototypeOf, ownKeys, deleteProperty, isExtensible } = Reflect;
  const { parse, stringify } = JSON;
  const SymbolCtor = Symbol;
  const descriptionOf = getOwnPropertyDescriptor(Symbol.prototype, "description").get;
  const startsWith = String.prototype.startsWith;
  const slice = String.prototype.slice;
  const apply = Reflect.apply;
  const call = (fn, self, arg) => apply(fn, self, [arg]);
  const roots = {
    globalThis,
    "%GeneratorFunction.prototype%": getPrototypeOf(function* () {}),
    "%AsyncFunction.prototype%": getPrototypeOf(async function () {}),
    "%AsyncGeneratorFunction.prototype%": getPrototypeOf(async function* () {}),
    "%ArrayIteratorPrototype%": getPrototypeOf([][Symbol.iterator]()),
    "%MapIteratorPrototype%": getPrototypeOf(new Map().entries()),
    "%SetIteratorPrototype%": getPrototypeOf(new Set().values()),
    "%StringIteratorPrototype%": getPrototypeOf(""[Symbol.iterator]()),
    "%RegExpStringIteratorPrototype%": getPrototypeOf(/a/g[Symbol.matchAll]("")),
  };
  const rootNames = ownKeys(roots);
  // Own keys as names: strings, and well-known symbols as "@@name".
  const nameOf = (key) => {
    if (typeof key === "string") return key;
    const description = apply(descriptionOf, key, []);
    if (typeof description !== "string" || !call(startsWith, description, "Symbol.")) return undefined;
    const name = call(slice, description, 7);
    return SymbolCtor[name] === key ? "@@" + name : undefined;
  };
  const keyOf = (name) => (call(startsWith, name, "@@") ? SymbolCtor[call(slice, name, 2)] : name);
  const list = () => {
    const out = [];
    const seen = new Set();
    const queue = [];
    for (let i = 0; i < rootNames.length; i++) queue[queue.length] = [[rootNames[i]], roots[rootNames[i]]];
    for (let at = 0; at < queue.length; at++) {
      const path = queue[at][0];
      const object = queue[at][1];
      if ((typeof object !== "object" && typeof object !== "function") || object === null || seen.has(object)) continue;
      seen.add(object);
      const names = [];
      const keys = ownKeys(object);
      for (let i = 0; i < keys.length; i++) {
        const name = nameOf(keys[i]);
        if (name === undefined) continue;
        names[names.length] = name;
        const found = getOwnPropertyDescriptor(object, keys[i]);
        if ("value" in found) queue[queue.length] = [[...path, name], found.value];
      }
      out[out.length] = [path, names];
      queue[queue.length] = [[...path, "[[Prototype]]"], getPrototypeOf(object)];
    }
    return out;
  };
  if (mode === "list") return stringify(list());
  if (mode === "diff") {
    const before = new Map();
    const old = parse(input);
    for (let i = 0; i < old.length; i++) before.set(stringify(old[i][0]), new Set(old[i][1]));
    const now = list();
    const added = [];
    for (let i = 0; i < now.length; i++) {
      const had = before.get(stringify(now[i][0]));
      if (had === undefined) continue;  // a holder V8 makes anew
      const names = [];
      for (let j = 0; j < now[i][1].length; j++) if (!had.has(now[i][1][j])) names[names.length] = now[i][1][j];
      if (names.length > 0) added[added.length] = [now[i][0], names];
    }
    return stringify(added);
  }
  // "seal"
  const wanted = parse(input);
  const holders = [];
  for (let i = 0; i < wanted.length; i++) {
    const path = wanted[i][0];
    let object = roots[path[0]];
    for (let j = 1; j < path.length && object !== undefined; j++) {
      if (path[j] === "[[Prototype]]") { object = getPrototypeOf(object); continue; }
      const found = getOwnPropertyDescriptor(object, keyOf(path[j]));
      object = found !== undefined && "value" in found ? found.value : undefined;
    }
    if ((typeof object === "object" && object !== null) || typeof object === "function") {
      holders[holders.length] = [path, object, wanted[i][1]];
    }
  }
  const shown = (path, name) => {
    let text = path[0];
    for (let j = 1; j < path.length; j++) text += path[j] === "[[Prototype]]" ? " [[Prototype]]" : "." + path[j];
    return name === undefined ? text : text + "." + name;
  };
  // Runs after the setup: indexed access only (no iterator the setup could
  // have changed).
  return () => {
    for (let i = 0; i < holders.length; i++) {
      const path = holders[i][0];
      const object = holders[i][1];
      const names = holders[i][2];
      if (!isExtensible(object)) {
        return `the setup made ${shown(path)} non-extensible; V8 adds ${names[0]} to it in every sandbox made from a snapshot`;
      }
      for (let j = 0; j < names.length; j++) {
        const key = keyOf(names[j]);
        if (getOwnPropertyDescriptor(object, key) !== undefined && !deleteProperty(object, key)) {
          return `the setup made ${shown(path, names[j])} non-configurable; V8 defines it in every sandbox made from a snapshot, so the setup must leave it undefined or deletable`;
        }
      }
    }
    return "";
  };
})
)JS";

// Runs the script's function in `context` with (mode, input).
v8::MaybeLocal<v8::Value> RunSurface(v8::Isolate* isolate,
                                     v8::Local<v8::Context> context,
                                     const char* mode,
                                     const std::string& input) {
  v8::Local<v8::Script> script;
  v8::Local<v8::Value> function;
  v8::Local<v8::String> input_string;
  if (!v8::Script::Compile(context,
                           v8::String::NewFromUtf8Literal(isolate, kSurfaceScript))
           .ToLocal(&script) ||
      !script->Run(context).ToLocal(&function) || !function->IsFunction() ||
      !v8::String::NewFromUtf8(isolate, input.data(),
                               v8::NewStringType::kNormal,
                               static_cast<int>(input.size()))
           .ToLocal(&input_string)) {
    return {};
  }
  v8::Local<v8::Value> args[] = {
      v8::String::NewFromUtf8(isolate, mode).ToLocalChecked(), input_string};
  return function.As<v8::Function>()->Call(context, context->Global(), 2,
                                           args);
}

std::string StringOf(v8::Isolate* isolate, v8::MaybeLocal<v8::Value> value) {
  v8::Local<v8::Value> local;
  if (!value.ToLocal(&local) || !local->IsString()) return {};
  v8::String::Utf8Value utf8(isolate, local);
  return *utf8 != nullptr ? std::string(*utf8, utf8.length()) : std::string();
}

// The probe: an empty context listed in a snapshotting isolate, then in a
// context made from its snapshot.
std::string Measure() {
  std::unique_ptr<v8::ArrayBuffer::Allocator> allocator(
      v8::ArrayBuffer::Allocator::NewDefaultAllocator());
  v8::Isolate::CreateParams params;
  params.array_buffer_allocator = allocator.get();
  std::string before;
  v8::StartupData blob{nullptr, 0};
  {
    std::unique_ptr<IsolateHolder> creator = IsolateHolder::CreateSnapshotting(
        params, std::make_shared<ForegroundTaskQueue>());
    if (creator == nullptr) return {};
    v8::Isolate* isolate = creator->isolate();
    {
      v8::HandleScope handle_scope(isolate);
      v8::Local<v8::Context> context = v8::Context::New(isolate);
      v8::Context::Scope context_scope(context);
      v8::TryCatch try_catch(isolate);
      before = StringOf(isolate, RunSurface(isolate, context, "list", ""));
      creator->snapshot_creator()->SetDefaultContext(context);
    }
    if (before.empty()) return {};
    blob = creator->snapshot_creator()->CreateBlob(
        v8::SnapshotCreator::FunctionCodeHandling::kClear);
  }
  std::unique_ptr<const char[]> owned(blob.data);
  if (blob.data == nullptr) return {};
  std::unique_ptr<IsolateHolder> made = IsolateHolder::Create(
      params, std::make_shared<ForegroundTaskQueue>(), &blob);
  if (made == nullptr) return {};
  v8::Isolate* isolate = made->isolate();
  std::string added;
  {
    v8::Locker locker(isolate);
    v8::Isolate::Scope isolate_scope(isolate);
    v8::HandleScope handle_scope(isolate);
    v8::Local<v8::Context> context = v8::Context::New(isolate);
    v8::Context::Scope context_scope(context);
    v8::TryCatch try_catch(isolate);
    added = StringOf(isolate, RunSurface(isolate, context, "diff", before));
  }
  made.reset();  // before the blob it came from
  return added;
}

}  // namespace

const std::string& ContextAdditions::Measured() {
  // One-time, process-wide, like V8's own setup: the same V8 and flags
  // give the same list.
  static const std::string measured = Measure();
  return measured;
}

v8::MaybeLocal<v8::Function> ContextAdditions::MakeSealer(
    v8::Isolate* isolate, v8::Local<v8::Context> context,
    const std::string& additions) {
  v8::EscapableHandleScope scope(isolate);
  v8::Local<v8::Value> sealer;
  if (!RunSurface(isolate, context, "seal", additions).ToLocal(&sealer) ||
      !sealer->IsFunction()) {
    return {};
  }
  return scope.Escape(sealer.As<v8::Function>());
}

}  // namespace mini_racer
