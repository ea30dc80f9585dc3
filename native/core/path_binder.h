// PathBinder: defines a host function at a dotted path of the sandbox's
// globals for mr_sandbox_expose, with one rule for every shape of binding
// already there:
//  - the first name is looked up as sandbox code sees it; if a top-level
//    let, const or class declaration holds it (which a property of the
//    global object cannot replace: code would keep seeing the declaration),
//    the expose fails with a TypeError naming the conflict;
//  - a name on the way that is undefined (missing, or `var a;`) becomes a
//    new plain object; an object or function is walked into; any other
//    value fails with a TypeError naming it;
//  - the last name replaces what is there: a missing or configurable
//    property (data or accessor) is redefined as a writable data property;
//    a non-configurable but writable one (`var`, a top-level `function`)
//    gets the function as its value, keeping its attributes; a read-only
//    non-configurable one, a non-configurable accessor, or a missing name
//    on a non-extensible (frozen, sealed) object fails with a TypeError
//    naming the conflict; a Proxy decides through its traps (a trap that
//    throws fails the expose with the sandbox's error).
// Failures leave an exception pending; *failure says whether it is the
// host's (MR_ERROR_INVALID_ARGUMENT) or the sandbox's (MR_ERROR_EXCEPTION).
#ifndef MINI_RACER_PATH_BINDER_H_
#define MINI_RACER_PATH_BINDER_H_

#include <v8.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "capi/mini_racer.h"

namespace mini_racer {

// The names of a dotted path ("a.b.f"), in order. Call-by-path and expose
// both walk paths with it, so that they split them alike.
class DottedPath {
 public:
  DottedPath(const uint16_t* path, size_t units) : path_(path), units_(units) {}

  struct Name {
    size_t start;  // its first unit
    size_t end;    // one past its last unit (a '.' or the end)
    bool last;
  };
  // Calls visit(Name) for each name until it returns false; returns
  // whether every call returned true.
  template <typename Visit>
  bool ForEach(Visit&& visit) const {
    size_t start = 0;
    for (size_t i = 0; i <= units_; ++i) {
      if (i < units_ && path_[i] != u'.') continue;
      if (!visit(Name{start, i, i == units_})) return false;
      start = i + 1;
    }
    return true;
  }
  // The units [start, end) as a string; empty when V8 cannot make it.
  v8::MaybeLocal<v8::String> Text(v8::Isolate* isolate, size_t start,
                                  size_t end) const {
    return v8::String::NewFromTwoByte(isolate, path_ + start,
                                      v8::NewStringType::kNormal,
                                      static_cast<int>(end - start));
  }

 private:
  const uint16_t* path_;
  size_t units_;
};

class PathBinder {
 public:
  PathBinder(v8::Isolate* isolate, v8::Local<v8::Context> context,
             const uint16_t* path, size_t units);

  bool Bind(v8::Local<v8::Value> value, mr_value_type* failure);

 private:
  // Defines holder[key] = value by the rule above.
  bool Define(v8::Local<v8::Object> holder, v8::Local<v8::String> key,
              v8::Local<v8::Value> value, const std::string& where,
              mr_value_type* failure);
  // Whether the global name is held by a let/const/class declaration.
  bool DeclaredLexically(v8::Local<v8::String> key, bool* declared);
  // After the first name was defined on the global object, when the name
  // did not resolve before: whether sandbox code now sees `value` there.
  bool SeenAsDefined(v8::Local<v8::String> key, v8::Local<v8::Value> value,
                     const std::string& where, mr_value_type* failure);
  bool Refuse(const std::string& message, mr_value_type* failure);
  std::string Utf8(v8::Local<v8::Value> value);

  v8::Isolate* isolate_;
  v8::Local<v8::Context> context_;
  const uint16_t* path_;
  size_t units_;
  // The first name did not resolve when looked up (see SeenAsDefined).
  bool unresolved_ = false;
};

}  // namespace mini_racer

#endif  // MINI_RACER_PATH_BINDER_H_
