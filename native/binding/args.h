// Reading a method's arguments. Why this exists: src/ validates everything
// first, but anything can call the addon with anything, so each method
// states the argument shape it needs and misuse is a TypeError, never a
// crash. Friendlier validation stays in src/.
#ifndef MINI_RACER_BINDING_ARGS_H_
#define MINI_RACER_BINDING_ARGS_H_

#include <napi.h>

#include <initializer_list>
#include <memory>
#include <vector>

#include "mini_racer.h"
#include "values.h"

namespace mr_binding {

enum class Arg { kAny, kNumber, kString, kArray, kBoolean, kFunction };

// Whether the call has at least the arguments of `shape`, of those types;
// if not, throws a TypeError saying `usage`.
bool HasArgs(const Napi::CallbackInfo& info, std::initializer_list<Arg> shape,
             const char* usage);

// A call's limits: a number (the time limit in ms) or [timeoutMs, cpuMs];
// 0 (no limit) where absent. src/ passes a plain number unless a CPU limit
// is set, the common case staying one type check.
mr_limits LimitsArg(const Napi::CallbackInfo& info, size_t index);

// The C API's call flags (MR_EVAL_DISCARD_RESULT | MR_RESULT_HANDLES |
// MR_EVAL_CODE_CACHE, which only the evals act on);
// other bits are dropped; 0 when absent.
int FlagsArg(const Napi::CallbackInfo& info, size_t index);

// Code cache bytes: a Uint8Array at `index` (borrowed from it), else none.
struct CacheBytes {
  const uint8_t* data = nullptr;
  size_t length = 0;
};
CacheBytes CacheArg(const Napi::CallbackInfo& info, size_t index);

// An id the C API gave out (a call or promise id, 1 and up); false when
// absent or out of range.
bool IdArg(const Napi::CallbackInfo& info, size_t index, uint64_t* id);

// The limits of a new sandbox: (maxMemory, softMemory, maxResultBytes?)
// in bytes from argument `first` on, 0 meaning the default. False, with a
// TypeError or RangeError pending, when they are not non-negative numbers.
bool SandboxOptionsArg(const Napi::CallbackInfo& info, size_t first,
                       mr_sandbox_options* out);

// Call arguments for the sandbox, read from a JavaScript array or from the
// call itself: inline for the usual handful; strings get storage of their
// own, which the mr_values point into.
class ArgList {
 public:
  ArgList() = default;
  ArgList(const ArgList&) = delete;
  ArgList& operator=(const ArgList&) = delete;

  bool Read(Napi::Env env, Napi::Array array);
  // The call's own arguments from `first` on: no array in between.
  bool Read(const Napi::CallbackInfo& info, size_t first);

  const mr_value* data() const { return values_; }
  size_t size() const { return size_; }

 private:
  void Reserve(size_t count);
  bool ReadOne(Napi::Env env, Napi::Value arg, size_t i);

  static constexpr size_t kInline = 8;
  static constexpr size_t kInlineStrings = 2;
  mr_value inline_[kInline];
  std::vector<mr_value> heap_;
  mr_value* values_ = inline_;
  size_t size_ = 0;
  Utf16Arg inline_strings_[kInlineStrings];
  size_t inline_used_ = 0;
  std::vector<std::unique_ptr<Utf16Arg>> strings_;
};

}  // namespace mr_binding

#endif  // MINI_RACER_BINDING_ARGS_H_
