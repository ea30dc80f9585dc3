// QueuedWork: what a call leaves queued in its isolate (microtasks, and the
// V8 tasks that queue more of them) must never outlive the call. A call
// that ends normally runs that work before it returns, under its own time
// limit; a call that was stopped (time limit, cancel, abort, memory cap,
// close) drops it, so that nothing of it runs at the start of the next call.
#ifndef MINI_RACER_QUEUED_WORK_H_
#define MINI_RACER_QUEUED_WORK_H_

#include <v8.h>

#include "core/runtime/foreground_task_queue.h"

namespace mini_racer {

class QueuedWork {
 public:
  // Runs the microtasks, then V8's due tasks, then the microtasks those
  // queued (an Atomics.waitAsync timeout, a FinalizationRegistry callback,
  // an async WebAssembly compile resolve promises from tasks). `after`
  // sees each task with the call it belongs to (see
  // ForegroundTaskQueue::AfterTask): it runs or drops what the task queued.
  // Isolate locked and entered; stops early when execution is terminating.
  static void Run(v8::Isolate* isolate, ForegroundTaskQueue* tasks,
                  ForegroundTaskQueue::AfterTask after, void* context);

  // Drops every queued microtask without running any: V8 empties the queue
  // when a checkpoint is terminated. Call after the stopped call's
  // termination was cancelled; the isolate is usable afterwards.
  static void DropMicrotasks(v8::Isolate* isolate);
};

}  // namespace mini_racer

#endif  // MINI_RACER_QUEUED_WORK_H_
