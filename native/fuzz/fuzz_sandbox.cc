// The one sandbox the fuzzer drives: its creation (the prelude, host.fn),
// the host function's answers, and waiting for async calls on the host
// thread.
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "fuzz.h"

namespace mini_racer_fuzz {
namespace {

const char kPrelude[] =
#include "prelude.inc"
    ;

void Wakeup(void*) {
  g.wake.store(true);
  g.changed.notify_all();
}

}  // namespace

State g;

std::u16string U16(const char* ascii) {
  std::u16string out;
  for (const char* p = ascii; *p; ++p) out.push_back(static_cast<char16_t>(*p));
  return out;
}

void ReleaseAllHandles() {
  for (uint32_t id : g.live_handles) mr_handle_release(g.sandbox, id);
  g.live_handles.clear();
}

bool CreateSandbox() {
  mr_value error{};
  mr_sandbox_options options{};
  options.max_memory = 64u << 20;
  g.sandbox = mr_sandbox_new(&options, &error);
  if (g.sandbox == nullptr) {
    std::fprintf(stderr, "mini_racer_fuzz: mr_sandbox_new failed: %.*s\n",
                 static_cast<int>(error.length),
                 reinterpret_cast<const char*>(error.data));
    mr_value_release(&error);
    return false;
  }
  mr_sandbox_set_host(g.sandbox, HostFunction, Wakeup, nullptr);
  std::u16string path = U16("host.fn");
  if (mr_sandbox_expose(g.sandbox, reinterpret_cast<const uint16_t*>(path.data()),
                        path.size(), 1, &error) != 0) {
    std::fprintf(stderr, "mini_racer_fuzz: expose failed\n");
    mr_value_release(&error);
    return false;
  }
  std::u16string code = U16(kPrelude);
  mr_value out{};
  mr_eval(g.sandbox, reinterpret_cast<const uint16_t*>(code.data()),
          code.size(), mr_limits{10000, 0}, MR_EVAL_DISCARD_RESULT, &out);
  if (out.type >= MR_ERROR_FIRST) {
    std::fprintf(stderr, "mini_racer_fuzz: prelude failed: %.*s\n",
                 static_cast<int>(out.length),
                 reinterpret_cast<const char*>(out.data));
    mr_value_release(&out);
    return false;
  }
  mr_value_release(&out);
  return true;
}

void RecreateSandbox() {
  ReleaseAllHandles();
  mr_sandbox_free(g.sandbox);
  g.sandbox = nullptr;
  g.answers.clear();
  if (!CreateSandbox()) std::abort();
  g.recreate = false;
}

void HostFunction(void*, uint64_t call_id, uint32_t function_id,
                  const mr_value* args, size_t argc, mr_value* result) {
  for (size_t i = 0; i < argc; ++i) {
    Inspect(args[i], 0x4057 + function_id);
    if (args[i].type >= MR_ERROR_FIRST) Violation("failure as host arg", args[i]);
  }
  if (function_id == 0) {
    if (argc == 0 || (args[0].type != MR_VALUE_STRING_LATIN1 &&
                      args[0].type != MR_VALUE_STRING_UTF16)) {
      Violation("console call without a level", argc ? args[0] : mr_value{});
    }
    return;
  }
  if (function_id != 1) {
    Violation("unknown host function id", mr_value{});
  }
  if (g.answers.empty()) {
    *result = argc > 0 ? Owned(args[0]) : mr_value{};
    return;
  }
  HostAnswer answer = std::move(g.answers.front());
  g.answers.pop_front();
  if (answer.reenter && g.host_depth < 2) {
    // Back into the same sandbox from inside the host function.
    ++g.host_depth;
    std::u16string path = U16("fz.pair");
    mr_call(g.sandbox, reinterpret_cast<const uint16_t*>(path.data()),
            path.size(), &answer.value, 1, kCallLimits, 0, result);
    --g.host_depth;
    Inspect(*result, 0x4e57);  // the sandbox takes it back and frees it
    return;
  }
  *result = Owned(answer.value);
  if (answer.value.type == MR_VALUE_HOST_PROMISE && answer.settle_now) {
    mr_host_promise_settle(g.sandbox,
                           static_cast<uint64_t>(answer.value.number),
                           &answer.settle);
  }
}

void OnComplete(void* user_data, uint64_t, mr_value* result,
                const mr_call_report*) {
  auto* c = static_cast<Completion*>(user_data);
  {
    std::lock_guard<std::mutex> lock(g.mutex);
    c->result = *result;  // ours now
    c->done = true;
  }
  g.changed.notify_all();
}

void Await(Completion* c, uint64_t site) {
  std::unique_lock<std::mutex> lock(g.mutex);
  while (!c->done) {
    lock.unlock();
    mr_sandbox_run_host_requests(g.sandbox);
    lock.lock();
    if (c->done) break;
    g.changed.wait_for(lock, std::chrono::milliseconds(1),
                       [&] { return c->done || g.wake.load(); });
    g.wake.store(false);
  }
  lock.unlock();
  Finish(&c->result, site);
}

}  // namespace mini_racer_fuzz
