// Fault injection for the tests of what happens when sandbox code cannot be
// stopped (test/limits/stuck-builtins.test.ts). Some V8 builtins never look
// at a termination request (README, "Findings"); the one that ran for hours,
// String.prototype.lastIndexOf with a long pattern, now runs in
// interruptible windows (the builtin guard), and those left return within
// seconds. The machinery for them (the watchdog's overdue report, close()'s
// grace, teardown giving the thread up) is tested through a stand-in that
// never returns: with
// MINI_RACER_FAULT_INJECTION=uninterruptible-sleep in the environment when
// a sandbox is made, its global `__uninterruptibleSleep(ms)` blocks the
// thread for `ms` (Infinity: for good) without an interrupt check. It can
// only stop its own sandbox, as such a builtin could.
#ifndef MINI_RACER_FAULT_INJECTION_H_
#define MINI_RACER_FAULT_INJECTION_H_

#include <v8.h>

namespace mini_racer {

// Installs the stand-in when the environment asks for it; false only when
// installing failed.
bool InstallFaultInjection(v8::Isolate* isolate, v8::Local<v8::Context> context);

}  // namespace mini_racer

#endif  // MINI_RACER_FAULT_INJECTION_H_
