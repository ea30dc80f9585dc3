#include "core/runtime/queued_work.h"

namespace mini_racer {

void QueuedWork::Run(v8::Isolate* isolate, ForegroundTaskQueue* tasks,
                     ForegroundTaskQueue::AfterTask after, void* context) {
  isolate->PerformMicrotaskCheckpoint();
  if (isolate->IsExecutionTerminating()) return;
  // Tasks do not run microtasks themselves (the policy is explicit): the
  // promise a task settled would otherwise wait for the next call.
  if (tasks->RunDueTasks(after, context) > 0 &&
      !isolate->IsExecutionTerminating()) {
    isolate->PerformMicrotaskCheckpoint();
  }
}

void QueuedWork::DropMicrotasks(v8::Isolate* isolate) {
  // The first microtask that enters JavaScript is terminated, and V8 then
  // clears the whole queue (MicrotaskQueue::RunMicrotasks). Jobs that run
  // only builtins may complete first; they cannot reach the host. An empty
  // queue leaves the request pending: the cancel clears it.
  isolate->TerminateExecution();
  isolate->PerformMicrotaskCheckpoint();
  isolate->CancelTerminateExecution();
}

}  // namespace mini_racer
