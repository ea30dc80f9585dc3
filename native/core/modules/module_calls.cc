// ES module calls: evalModule / importModule, sync and async, as slices
// like every other call (see sandbox.h); the loading itself is
// ModuleLoader's.
#include <string>

#include "core/sandbox.h"

namespace mini_racer {

void Sandbox::SetModuleLoader(uint32_t function_id) {
  modules_->set_loader_id(function_id);
}

void Sandbox::EvalModule(const uint16_t* code, size_t units,
                         const uint16_t* name, size_t name_units,
                         mr_limits limits, int flags, mr_value* out) {
  RunSyncCall(limits, flags, out, [&](Slice& slice) {
    if (!RunModule(slice, code, units, name, name_units, flags)) {
      return Step::kFailed;
    }
    return FinishModuleStep(slice, Settle(slice), /*sync=*/true);
  });
}

uint64_t Sandbox::EvalModuleAsync(const uint16_t* code, size_t units,
                                  const uint16_t* name, size_t name_units,
                                  mr_limits limits, int flags,
                                  mr_completion completion, void* user_data) {
  auto call = NewAsyncCall(AsyncCall::Kind::kModule, limits, flags,
                           completion, user_data);
  call->SetText(code, units);
  // The name travels as the call's one argument.
  mr_value name_value{};
  name_value.type = MR_VALUE_STRING_UTF16;
  name_value.data = reinterpret_cast<const uint8_t*>(name);
  name_value.length = name_units * sizeof(uint16_t);
  call->CopyArgs(&name_value, 1);
  return PostAsync(std::move(call));
}

bool Sandbox::RunModule(Slice& slice, const uint16_t* code, size_t units,
                        const uint16_t* name, size_t name_units, int flags) {
  v8::Local<v8::Context> context = slice.context();
  v8::Local<v8::String> source;
  if (!SourceString(slice, code, units, &source)) return false;
  std::string module_name;
  {
    v8::Local<v8::String> text;
    if (!v8::String::NewFromTwoByte(isolate_, name, v8::NewStringType::kNormal,
                                    static_cast<int>(name_units))
             .ToLocal(&text)) {
      return false;
    }
    v8::String::Utf8Value utf8(isolate_, text);
    module_name.assign(*utf8, utf8.length());
  }
  v8::MaybeLocal<v8::Promise> promise =
      (flags & MR_MODULE_IMPORT)
          ? modules_->Import(context, source, "", /*json=*/false,
                             current_call_id_)
          : modules_->EvalSource(context, source, module_name,
                                 current_call_id_);
  v8::Local<v8::Promise> made;
  if (!promise.ToLocal(&made) || isolate_->IsExecutionTerminating()) {
    return false;
  }
  slice.result = made;
  return true;
}

Step Sandbox::FinishModuleStep(Slice& slice, Step step, bool sync) {
  if (step == Step::kFailed) {
    // A rejection is the module's own failure: its tag's kind, else the
    // exception its top level threw.
    if (slice.failure == MR_ERROR_PROMISE_REJECTED) {
      slice.failure = MR_ERROR_EXCEPTION;
    }
    return step;
  }
  if (step == Step::kPending) {
    if (!sync) return step;
    isolate_->ThrowException(v8::Exception::TypeError(
        v8::String::NewFromUtf8Literal(
            isolate_,
            "the module has not finished loading or evaluating (an async "
            "loadModule or top-level await); a synchronous call cannot wait "
            "for it (use evalModuleAsync or importModuleAsync)")));
    return Step::kFailed;
  }
  if (slice.mode == ValueCodec::Mode::kCopy && slice.result->IsObject()) {
    v8::Local<v8::Object> copy;
    bool copyable = true;
    if (!ModuleLoader::CopyNamespace(slice.context(),
                                     slice.result.As<v8::Object>(), &copyable)
             .ToLocal(&copy)) {
      return Step::kFailed;
    }
    if (copyable) {
      slice.result = copy;
    } else {
      // An exported function or symbol cannot be copied: the namespace
      // goes as a handle, and the host copies the rest of it.
      slice.mode = ValueCodec::Mode::kHandles;
    }
  }
  return Step::kValue;
}

}  // namespace mini_racer
