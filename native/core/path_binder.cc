#include "core/path_binder.h"

namespace mini_racer {
namespace {

bool IsIdentifier(const uint16_t* text, size_t units) {
  if (units == 0) return false;
  for (size_t i = 0; i < units; ++i) {
    uint16_t c = text[i];
    bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                  c == '_' || c == '$';
    if (!letter && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

const char* TypeName(v8::Local<v8::Value> value) {
  if (value->IsNull()) return "null";
  if (value->IsNumber()) return "a number";
  if (value->IsString()) return "a string";
  if (value->IsBoolean()) return "a boolean";
  if (value->IsBigInt()) return "a bigint";
  if (value->IsSymbol()) return "a symbol";
  return "not an object";
}

}  // namespace

PathBinder::PathBinder(v8::Isolate* isolate, v8::Local<v8::Context> context,
                       const uint16_t* path, size_t units)
    : isolate_(isolate), context_(context), path_(path), units_(units) {}

std::string PathBinder::Utf8(v8::Local<v8::Value> value) {
  v8::String::Utf8Value utf8(isolate_, value);
  return *utf8 ? std::string(*utf8, utf8.length()) : std::string();
}

bool PathBinder::Refuse(const std::string& message, mr_value_type* failure) {
  *failure = MR_ERROR_INVALID_ARGUMENT;
  std::string text = "cannot expose '" +
                     Utf8(v8::String::NewFromTwoByte(
                              isolate_, path_, v8::NewStringType::kNormal,
                              static_cast<int>(units_))
                              .FromMaybe(v8::String::Empty(isolate_))) +
                     "': " + message;
  isolate_->ThrowException(v8::Exception::TypeError(
      v8::String::NewFromUtf8(isolate_, text.c_str(),
                              v8::NewStringType::kNormal,
                              static_cast<int>(text.size()))
          .FromMaybe(v8::String::Empty(isolate_))));
  return false;
}

bool PathBinder::DeclaredLexically(v8::Local<v8::String> key,
                                   bool* declared) {
  *declared = false;
  std::string name = Utf8(key);
  // Keywords that evaluate to a value name no binding.
  if (name == "this" || name == "null" || name == "true" || name == "false") {
    return true;
  }
  v8::Local<v8::Object> global = context_->Global();
  v8::Local<v8::Value> own;
  if (!global->GetOwnPropertyDescriptor(context_, key).ToLocal(&own)) {
    return false;
  }
  v8::Local<v8::Value> property;
  if (!own->IsUndefined()) {
    v8::Local<v8::Object> descriptor = own.As<v8::Object>();
    v8::Local<v8::Value> getter;
    if (!descriptor
             ->Get(context_, v8::String::NewFromUtf8Literal(isolate_, "get"))
             .ToLocal(&getter)) {
      return false;
    }
    // An accessor cannot stand beside a declaration worth telling apart.
    if (!getter->IsUndefined()) return true;
    if (!descriptor
             ->Get(context_,
                   v8::String::NewFromUtf8Literal(isolate_, "value"))
             .ToLocal(&property)) {
      return false;
    }
  }
  // What sandbox code sees under that name: evaluated, not guessed.
  v8::Local<v8::Script> script;
  {
    v8::TryCatch compile(isolate_);
    if (!v8::Script::Compile(context_, key).ToLocal(&script)) {
      return !compile.HasTerminated();  // a reserved word: no binding
    }
  }
  v8::TryCatch run(isolate_);
  v8::Local<v8::Value> seen;
  if (!script->Run(context_).ToLocal(&seen)) {
    if (run.HasTerminated()) {
      run.ReThrow();
      return false;
    }
    // Nothing by that name, or a declaration whose initializer never ran
    // (V8 says "not defined" for both): Bind looks again once the global
    // is defined.
    bool has;
    if (!global->Has(context_, key).To(&has)) return false;
    // The global has it, yet code cannot see it: a declaration hides it.
    *declared = has;
    unresolved_ = !has;
    return true;
  }
  if (own->IsUndefined()) {
    bool has;
    if (!global->Has(context_, key).To(&has)) return false;
    if (!has) {
      *declared = true;
      return true;
    }
    if (!global->Get(context_, key).ToLocal(&property)) return false;
  }
  *declared = !seen->StrictEquals(property);
  return true;
}

bool PathBinder::SeenAsDefined(v8::Local<v8::String> key,
                               v8::Local<v8::Value> value,
                               const std::string& where,
                               mr_value_type* failure) {
  if (!unresolved_) return true;
  unresolved_ = false;
  v8::Local<v8::Script> script;
  v8::Local<v8::Value> seen;
  {
    v8::TryCatch run(isolate_);
    if (v8::Script::Compile(context_, key).ToLocal(&script) &&
        script->Run(context_).ToLocal(&seen) && seen->StrictEquals(value)) {
      return true;
    }
    if (run.HasTerminated()) {
      run.ReThrow();
      return false;
    }
  }
  // Still not what code sees: a declaration stuck before initialization
  // hides it. The property goes again.
  context_->Global()->Delete(context_, key).FromMaybe(false);
  return Refuse(where + " is declared in the sandbox with let, const or "
                        "class, which a global cannot replace",
                failure);
}

bool PathBinder::Define(v8::Local<v8::Object> holder,
                        v8::Local<v8::String> key, v8::Local<v8::Value> value,
                        const std::string& where, mr_value_type* failure) {
  if (holder->IsProxy()) {
    // Its traps decide; one that throws fails the expose with its error.
    bool defined;
    if (!holder->CreateDataProperty(context_, key, value).To(&defined)) {
      return false;
    }
    if (!defined) {
      return Refuse(where + " cannot be defined: its object is a Proxy "
                            "that refused it",
                    failure);
    }
    return true;
  }
  v8::Local<v8::Value> own;
  if (!holder->GetOwnPropertyDescriptor(context_, key).ToLocal(&own)) {
    return false;
  }
  if (!own->IsUndefined()) {
    v8::Local<v8::Object> descriptor = own.As<v8::Object>();
    auto flag = [&](const char* name) {
      v8::Local<v8::Value> field;
      return descriptor
                 ->Get(context_, v8::String::NewFromUtf8(isolate_, name)
                                     .ToLocalChecked())
                 .ToLocal(&field) &&
             field->BooleanValue(isolate_);
    };
    if (!flag("configurable")) {
      bool accessor =
          descriptor
              ->Has(context_, v8::String::NewFromUtf8Literal(isolate_, "get"))
              .FromMaybe(false);
      if (accessor || !flag("writable")) {
        return Refuse(where + " is a read-only, non-configurable property "
                              "of the sandbox",
                      failure);
      }
      // `var x` or a top-level `function x`: its value changes, its
      // attributes stay.
      v8::PropertyDescriptor replacement(value);
      bool replaced;
      if (!holder->DefineProperty(context_, key, replacement).To(&replaced)) {
        return false;
      }
      return replaced || Refuse(where + " cannot be replaced", failure);
    }
  }
  bool defined;
  if (!holder->CreateDataProperty(context_, key, value).To(&defined)) {
    return false;
  }
  // For an ordinary object, refusing a new property means it cannot grow.
  return defined ||
         Refuse(own->IsUndefined()
                    ? where + " cannot be added: its object is frozen, "
                              "sealed or not extensible"
                    : where + " cannot be defined",
                failure);
}

bool PathBinder::Bind(v8::Local<v8::Value> value, mr_value_type* failure) {
  *failure = MR_ERROR_EXCEPTION;
  v8::Local<v8::Object> holder = context_->Global();
  DottedPath path(path_, units_);
  bool bound = false;
  path.ForEach([&](DottedPath::Name name) {
    if (name.end == name.start) {
      Refuse("a name in the path is empty", failure);
      return false;
    }
    std::string where =
        "'" +
        Utf8(path.Text(isolate_, 0, name.end)
                 .FromMaybe(v8::String::Empty(isolate_))) +
        "'";
    v8::Local<v8::String> key;
    if (!path.Text(isolate_, name.start, name.end).ToLocal(&key)) return false;
    bool first = name.start == 0;
    if (first && IsIdentifier(path_, name.end)) {
      bool declared;
      if (!DeclaredLexically(key, &declared)) return false;
      if (declared) {
        Refuse(where + " is declared in the sandbox with let, const or "
                       "class, which a global cannot replace",
               failure);
        return false;
      }
    }
    if (name.last) {
      bound = Define(holder, key, value, where, failure) &&
              (!first || SeenAsDefined(key, value, where, failure));
      return false;
    }
    v8::Local<v8::Value> next;
    if (!holder->Get(context_, key).ToLocal(&next)) return false;
    if (next->IsUndefined()) {
      v8::Local<v8::Object> created = v8::Object::New(isolate_);
      if (!Define(holder, key, created, where, failure) ||
          (first && !SeenAsDefined(key, created, where, failure))) {
        return false;
      }
      next = created;
    } else if (!next->IsObject()) {
      Refuse(where + " is " + TypeName(next) + ", not an object", failure);
      return false;
    }
    holder = next.As<v8::Object>();
    return true;
  });
  return bound;
}

}  // namespace mini_racer
