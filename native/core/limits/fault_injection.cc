#include "core/limits/fault_injection.h"

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <thread>

namespace mini_racer {
namespace {

constexpr char kVariable[] = "MINI_RACER_FAULT_INJECTION";
constexpr char kUninterruptibleSleep[] = "uninterruptible-sleep";

void UninterruptibleSleep(const v8::FunctionCallbackInfo<v8::Value>& info) {
  double ms = info.Length() > 0 && info[0]->IsNumber()
                  ? info[0].As<v8::Number>()->Value()
                  : 0;
  if (!(ms > 0)) return;
  auto start = std::chrono::steady_clock::now();
  while (std::isinf(ms) ||
         std::chrono::steady_clock::now() - start <
             std::chrono::duration<double, std::milli>(ms)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace

bool InstallFaultInjection(v8::Isolate* isolate,
                           v8::Local<v8::Context> context) {
  const char* wanted = std::getenv(kVariable);
  if (wanted == nullptr || std::strcmp(wanted, kUninterruptibleSleep) != 0) {
    return true;
  }
  v8::HandleScope scope(isolate);
  v8::Local<v8::Function> function;
  return v8::Function::New(context, UninterruptibleSleep)
             .ToLocal(&function) &&
         context->Global()
             ->Set(context,
                   v8::String::NewFromUtf8Literal(isolate,
                                                  "__uninterruptibleSleep"),
                   function)
             .FromMaybe(false);
}

}  // namespace mini_racer
