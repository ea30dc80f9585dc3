// The bodies of the calls a host can make: evaluate code, call a function
// by its dotted path, operate on a handle. Each runs inside a slice and
// returns false with an exception pending (and slice.failure set when the
// kind is not the script's own exception). See sandbox.h.
#include <string>
#include <vector>

#include "core/path_binder.h"
#include "core/sandbox.h"
#include "wire/source_excerpt.h"

namespace mini_racer {

bool Sandbox::RunEval(Slice& slice, const uint16_t* code, size_t units,
                      CodeCacheRun* cache) {
  v8::Local<v8::Context> context = slice.context();
  v8::Local<v8::Script> script;
  if (scripts_->Find(code, units, &script)) {
    return script->Run(context).ToLocal(&slice.result);
  }
  v8::Local<v8::String> source;
  if (!SourceString(slice, code, units, &source)) return false;
  if (cache != nullptr) {
    if (!scripts_->CompileWithCodeCache(context, source, cache, &script)) {
      slice.failure = MR_ERROR_PARSE;
      return false;
    }
    if (!script->Run(context).ToLocal(&slice.result)) return false;
    // After the run, so that the functions it called are compiled and in.
    if (cache->status != MR_CODE_CACHE_ACCEPTED) {
      ScriptCache::MakeCodeCache(script, cache);
    }
    return true;
  }
  if (!scripts_->Compile(context, code, units, source, &script)) {
    slice.failure = MR_ERROR_PARSE;
    return false;
  }
  return script->Run(context).ToLocal(&slice.result);
}

bool Sandbox::SourceString(Slice& slice, const uint16_t* code, size_t units,
                           v8::Local<v8::String>* source) {
  if (units * sizeof(uint16_t) > budget_.max_bytes()) {
    // Its string alone would not fit: refuse it before it fills the heap.
    slice.failure = MR_ERROR_OUT_OF_MEMORY;
    isolate_->ThrowException(v8::Exception::RangeError(
        v8::String::NewFromUtf8Literal(
            isolate_, "the code is larger than the sandbox's memory cap")));
    return false;
  }
  if (units > static_cast<size_t>(v8::String::kMaxLength) ||
      !v8::String::NewFromTwoByte(isolate_, code, v8::NewStringType::kNormal,
                                  static_cast<int>(units))
           .ToLocal(source)) {
    isolate_->ThrowException(v8::Exception::RangeError(
        v8::String::NewFromUtf8Literal(isolate_, "the code is too long")));
    return false;
  }
  return true;
}

bool Sandbox::RunPathCall(Slice& slice, const uint16_t* path, size_t units,
                          const mr_value* args, size_t argc) {
  v8::Local<v8::Context> context = slice.context();
  // Walk the dotted path from the global object; the last holder
  // becomes `this`, as in `a.b.f(...)`.
  v8::Local<v8::Value> holder = context->Global();
  v8::Local<v8::Value> target = holder;
  DottedPath dotted(path, units);
  bool threw = false;
  dotted.ForEach([&](DottedPath::Name name) {
    v8::Local<v8::String> key;
    if (!target->IsObject() ||
        !dotted.Text(isolate_, name.start, name.end).ToLocal(&key)) {
      target = v8::Undefined(isolate_);
      return false;
    }
    holder = target;
    threw = !target.As<v8::Object>()->Get(context, key).ToLocal(&target);
    return !threw;
  });
  if (threw) return false;
  if (!target->IsFunction()) {
    std::string message =
        ValueExcerpt(isolate_,
                     dotted.Text(isolate_, 0, units)
                         .FromMaybe(v8::Local<v8::String>()),
                     max_result_bytes_ / 9) +
        " is not a function";
    isolate_->ThrowException(v8::Exception::TypeError(
        v8::String::NewFromUtf8(isolate_, message.c_str(),
                                v8::NewStringType::kNormal,
                                static_cast<int>(message.size()))
            .ToLocalChecked()));
    return false;
  }
  std::vector<v8::Local<v8::Value>> argv(argc);
  for (size_t i = 0; i < argc; ++i) {
    if (!DecodeArg(slice, args[i]).ToLocal(&argv[i])) return false;
  }
  return target.As<v8::Function>()
      ->Call(context, holder, static_cast<int>(argc), argv.data())
      .ToLocal(&slice.result);
}

v8::MaybeLocal<v8::Value> Sandbox::DecodeArg(Slice& slice,
                                             const mr_value& arg) {
  bool clone_error = false;
  v8::MaybeLocal<v8::Value> value =
      ValueCodec::Decode(isolate_, slice.context(), handles_.get(), arg,
                         budget_.max_bytes(), &clone_error);
  if (value.IsEmpty() && clone_error) slice.failure = MR_ERROR_VALUE;
  return value;
}

bool Sandbox::RunHandleOp(Slice& slice, int op, uint32_t handle,
                          const mr_value* args, size_t argc) {
  v8::Local<v8::Context> context = slice.context();
  v8::Local<v8::Value> target;
  if (!handles_->Get(handle).ToLocal(&target)) {
    return slice.Refuse(MR_ERROR_VALUE, "the handle has been released");
  }
  size_t needed = op == MR_HANDLE_KEYS ? 0 : op == MR_HANDLE_SET ? 2 : 1;
  if (argc < needed) {
    return slice.Refuse(MR_ERROR_INVALID_ARGUMENT, "missing operands");
  }
  if (op == MR_HANDLE_CALL) {
    if (!target->IsFunction()) {
      return slice.Refuse(MR_ERROR_EXCEPTION, "the handle is not a function");
    }
    v8::Local<v8::Value> receiver;
    if (!DecodeArg(slice, args[0]).ToLocal(&receiver)) return false;
    std::vector<v8::Local<v8::Value>> argv(argc - 1);
    for (size_t i = 1; i < argc; ++i) {
      if (!DecodeArg(slice, args[i]).ToLocal(&argv[i - 1])) return false;
    }
    return target.As<v8::Function>()
        ->Call(context, receiver, static_cast<int>(argv.size()), argv.data())
        .ToLocal(&slice.result);
  }
  if (!target->IsObject()) {
    return slice.Refuse(MR_ERROR_EXCEPTION, "the handle is not an object");
  }
  v8::Local<v8::Object> object = target.As<v8::Object>();
  if (op == MR_HANDLE_KEYS) {
    // Object.keys: own, enumerable, string keys (indices as strings).
    slice.mode = ValueCodec::Mode::kCopy;
    v8::Local<v8::Array> keys;
    if (!object
             ->GetOwnPropertyNames(
                 context,
                 static_cast<v8::PropertyFilter>(v8::ONLY_ENUMERABLE |
                                                 v8::SKIP_SYMBOLS),
                 v8::KeyConversionMode::kConvertToString)
             .ToLocal(&keys)) {
      return false;
    }
    slice.result = keys;
    return true;
  }
  v8::Local<v8::Value> key;
  if (!DecodeArg(slice, args[0]).ToLocal(&key)) return false;
  switch (op) {
    case MR_HANDLE_GET:
      return object->Get(context, key).ToLocal(&slice.result);
    case MR_HANDLE_SET: {
      v8::Local<v8::Value> value;
      if (!DecodeArg(slice, args[1]).ToLocal(&value)) return false;
      if (object->Set(context, key, value).IsNothing()) return false;
      slice.result = v8::Undefined(isolate_);
      return true;
    }
    case MR_HANDLE_DELETE: {
      bool deleted;
      if (!object->Delete(context, key).To(&deleted)) return false;
      slice.result = v8::Boolean::New(isolate_, deleted);
      return true;
    }
    case MR_HANDLE_HAS: {
      bool has;
      if (!object->Has(context, key).To(&has)) return false;
      slice.result = v8::Boolean::New(isolate_, has);
      return true;
    }
    default:
      return slice.Refuse(MR_ERROR_INVALID_ARGUMENT,
                          "unknown handle operation");
  }
}

}  // namespace mini_racer
