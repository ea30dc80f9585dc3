/*
 * mini_racer.h: the C API of mini-racer's native core.
 *
 * A sandbox is one V8 isolate with one context, a heap cap, a budget for
 * off-heap memory (ArrayBuffers), and a wall-clock and a CPU-time limit per
 * call. Everything
 * crossing this API is an opaque handle, a number or a byte buffer: no C++ or
 * V8 types, so the binding above it stays a thin translation layer.
 *
 * Threading: synchronous calls (mr_eval, mr_call) run on the calling thread,
 * one at a time (serialized by a lock). Asynchronous calls (mr_eval_async,
 * mr_call_async) run on a thread the sandbox owns, one at a time in the order
 * they were made; a synchronous call made meanwhile runs between two of that
 * thread's steps. mr_sandbox_cancel and mr_call_cancel may be called from any
 * thread at any time while the sandbox is alive.
 */
#ifndef MINI_RACER_H_
#define MINI_RACER_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mr_sandbox mr_sandbox;
typedef struct mr_snapshot mr_snapshot;

/* What an mr_value holds. Values below MR_ERROR_FIRST are results. */
typedef enum mr_value_type {
  MR_VALUE_UNDEFINED = 0,
  MR_VALUE_NULL = 1,
  MR_VALUE_BOOLEAN = 2,        /* number: 0 or 1 */
  MR_VALUE_NUMBER = 3,         /* number */
  MR_VALUE_STRING_LATIN1 = 4,  /* data: `length` one-byte characters */
  MR_VALUE_STRING_UTF16 = 5,   /* data: `length` bytes of UTF-16 code units */
  MR_VALUE_SERIALIZED = 6,     /* data: V8 ValueSerializer bytes, with header */
  /* Handles to sandbox values: number is the handle id (see mr_handle_*). */
  MR_VALUE_FUNCTION = 7,
  MR_VALUE_OBJECT = 8,
  MR_VALUE_ARRAY = 9,
  MR_VALUE_SYMBOL = 10,
  /* Only as the result of a host function: the host will settle a promise
   * later (mr_host_promise_settle); number is its id. */
  MR_VALUE_HOST_PROMISE = 11,

  MR_ERROR_FIRST = 16,
  /* The failure kinds below carry UTF-8 text in data:
   * "name\0message\0stack" (each part may be empty). */
  MR_ERROR_EXCEPTION = 16,        /* the script threw */
  MR_ERROR_PARSE = 17,            /* the code did not compile */
  MR_ERROR_TIMEOUT = 18,          /* the call's time limit was reached */
  MR_ERROR_OUT_OF_MEMORY = 19,    /* the memory cap was reached */
  MR_ERROR_CANCELLED = 20,        /* mr_sandbox_cancel ended the call */
  MR_ERROR_VALUE = 21,            /* a value could not cross the boundary */
  MR_ERROR_INVALID_ARGUMENT = 22, /* bad input from the host */
  MR_ERROR_CLOSED = 23,           /* mr_sandbox_close or _free ended it */
  MR_ERROR_INTERNAL = 24,
  MR_ERROR_PROMISE_REJECTED = 25, /* the result was a rejected promise */
  /* The host process's V8 flags make sandboxes unsafe (today: natives
     syntax, `%` calls into V8's runtime, turned on); no call runs until
     they are off again. */
  MR_ERROR_UNSAFE_FLAGS = 26,
  MR_ERROR_CPU_TIMEOUT = 27, /* the call's CPU-time limit was reached */
  /* ES modules (mr_eval_module, import()); a module's syntax error is
     MR_ERROR_PARSE, an exception its top level throws MR_ERROR_EXCEPTION. */
  MR_ERROR_MODULE_NOT_FOUND = 28, /* the loader had no such module */
  MR_ERROR_MODULE_LOAD = 29,      /* the loader threw or rejected */
  MR_ERROR_MODULE_LINK = 30,      /* an import the module cannot satisfy */
  /* A startup snapshot could not be made: this Node line cannot, or the
     setup left what no snapshot can hold (mr_snapshot_new). */
  MR_ERROR_SNAPSHOT = 31
} mr_value_type;

/* The limits of one call. timeout_ms: wall-clock time from the call's
 * start, waits included. cpu_ms: CPU time the call's JavaScript uses on the
 * thread running it (host functions and waits for timers or promises
 * excluded). <= 0 (or NaN) means none. */
typedef struct mr_limits {
  double timeout_ms;
  double cpu_ms;
} mr_limits;

/* What one call took. cpu_ms is read from the running thread's CPU clock
 * when cpu_measured (async calls, and calls with a CPU limit); else (a
 * synchronous call without a CPU limit, where the clock's system call
 * would cost as much as the call) it is the time the call ran, waits for
 * the isolate and host functions taken out. heap_used: the heap's used
 * bytes when the call ended. gc_ms: the time the call's thread spent in
 * V8's garbage-collection pauses during the call (part of wall_ms). */
typedef struct mr_call_report {
  double wall_ms;
  double cpu_ms;
  double host_ms;
  double gc_ms;
  uint64_t heap_used;
  uint32_t host_calls;
  int32_t cpu_measured;
} mr_call_report;

/* A value or failure. Input values borrow their data; output values own it
 * until mr_value_release. */
typedef struct mr_value {
  int32_t type;
  double number;
  const uint8_t* data;
  size_t length;
} mr_value;

typedef struct mr_sandbox_options {
  /* Hard cap in bytes on the V8 heap and, together with it, on off-heap
   * buffers (ArrayBuffers, WebAssembly memory); any byte count. 0 means the
   * default, 128 MiB. An input value larger than it fails with
   * MR_ERROR_VALUE. */
  uint64_t max_memory;
  /* Soft limit in bytes: past it the sandbox is asked to collect garbage
   * after each call and mr_heap_stats reports it. 0 means none. */
  uint64_t soft_memory;
  /* Most bytes one crossing may copy out of the sandbox: a result, or all
   * the arguments of one host-function or console call together. Past it a
   * result fails with MR_ERROR_VALUE and a host call throws a RangeError in
   * the sandbox, before the host allocates the copy. 0 means max_memory. */
  uint64_t max_result_bytes;
  /* NULL, or a snapshot (mr_snapshot_new) to start from: the sandbox gets
   * the state its setup left instead of a fresh context. max_memory must
   * then be 0 or the snapshot's. The sandbox keeps what it needs of the
   * snapshot: the caller may free it at once. */
  const mr_snapshot* snapshot;
} mr_sandbox_options;

typedef struct mr_heap_stats {
  uint64_t total_heap_size;
  uint64_t used_heap_size;
  uint64_t heap_size_limit;
  uint64_t external_memory; /* off-heap buffers charged to the budget */
  uint64_t max_memory;
  int32_t soft_limit_reached;
  int32_t memory_cap_reached;
} mr_heap_stats;

/* The version of the V8 that runs sandboxes, e.g. "11.3.244.8-node.33". */
const char* mr_v8_version(void);

/* One-time setup. Must first be called on a thread where Node's isolate is
 * entered (from within an addon call). Returns 0 on success. Idempotent. */
int mr_init(void);

/* Creates a sandbox. Returns NULL with *error set (an MR_ERROR_* value the
 * caller releases) when it cannot.
 *
 * Any thread may call it once mr_init has succeeded, several at once (the
 * binding makes sandboxes on libuv's thread pool, off Node's event loop):
 * it touches no isolate but the new one, which it locks while it sets it
 * up and leaves unlocked and unentered, and Node's platform registers
 * isolates from any thread (as Node's own Workers do). Nothing of the
 * creating thread stays behind: the thread that then makes the sandbox's
 * synchronous calls and frees it is the host thread as usual. */
mr_sandbox* mr_sandbox_new(const mr_sandbox_options* options, mr_value* error);

/* Startup snapshots of a setup script. What a snapshot's setup runs with
 * (no timers, host functions or WebAssembly; a console that prints nowhere) and what
 * it may not leave behind (Intl objects): see core/snapshot/setup_snapshot.h.
 * A snapshot is made in this process and never loaded from bytes. */
typedef struct mr_snapshot_recipe {
  const char* setup; /* UTF-8 */
  size_t setup_length;
  const char* warmup; /* UTF-8, run after the setup; NULL: none */
  size_t warmup_length;
  /* The memory cap of the snapshot run and of every sandbox made from it;
   * 0 means the default, 128 MiB. */
  uint64_t max_memory;
  double timeout_ms; /* for each script; <= 0: none */
} mr_snapshot_recipe;

/* 1 if this Node line can make snapshots (Node 22 and later), else 0. */
int mr_snapshots_supported(void);

/* Runs the recipe in a new isolate on this thread (any thread, once mr_init
 * has succeeded) and serializes it. Returns NULL with *error set when it
 * cannot: the setup's exception (MR_ERROR_PARSE, MR_ERROR_EXCEPTION), a
 * limit (MR_ERROR_TIMEOUT, MR_ERROR_OUT_OF_MEMORY) or MR_ERROR_SNAPSHOT. */
mr_snapshot* mr_snapshot_new(const mr_snapshot_recipe* recipe,
                             mr_value* error);
/* Any thread; sandboxes made from it are unaffected. */
void mr_snapshot_free(mr_snapshot* snapshot);
/* The snapshot's size in bytes. */
uint64_t mr_snapshot_bytes(const mr_snapshot* snapshot);
/* The memory cap of sandboxes made from it. */
uint64_t mr_snapshot_max_memory(const mr_snapshot* snapshot);

/* Frees a sandbox. A call running on another thread is cancelled first
 * (and waited for: see mr_sandbox_stop to bound that); pending asynchronous
 * calls complete with MR_ERROR_CLOSED before it returns. */
void mr_sandbox_free(mr_sandbox* sandbox);

/* Called once, from the sandbox's own thread, when a sandbox that
 * mr_sandbox_stop could not stop in time has stopped. */
typedef void (*mr_sandbox_stopped)(void* user_data);

/* Stops a sandbox's asynchronous calls before mr_sandbox_free, waiting at
 * most grace_ms for the running one to end. Returns 1 when they have all
 * ended (mr_sandbox_free then returns at once). Returns 0 when the running
 * call is stuck in code that never checks for interrupts (a V8 builtin
 * working through a huge input): every asynchronous call has then been
 * completed with MR_ERROR_CLOSED, no completion or host wake-up comes any
 * more, and on_stopped(user_data) is called from the sandbox's thread once
 * that code returns; call mr_sandbox_free after it, and nothing else on
 * the sandbox meanwhile. Not from inside a call on the sandbox. */
int mr_sandbox_stop(mr_sandbox* sandbox, uint32_t grace_ms,
                    mr_sandbox_stopped on_stopped, void* user_data);

/* Gives up a sandbox whose thread mr_sandbox_stop could not stop, when the
 * host cannot wait any longer (Node's environment is going away): it is
 * never freed, and its thread finishes on its own. */
void mr_sandbox_abandon(mr_sandbox* sandbox);

/* How many sandboxes this process has given up. While any is left, V8
 * cannot be torn down (it checks that every isolate is gone), so a process
 * with one must end without tearing V8 down. */
size_t mr_abandoned_sandboxes(void);

/* Closes a sandbox from inside a call on it (from one of its host functions
 * or console calls, on the host thread), where mr_sandbox_free must not be
 * called yet: cancels the running call, and from now on a synchronous call
 * (mr_eval, mr_call, mr_handle_op_run, mr_sandbox_expose) that ends
 * cancelled reports MR_ERROR_CLOSED ("the MiniRacer was closed during the
 * call") instead of MR_ERROR_CANCELLED. The host makes no new calls on the
 * sandbox and calls mr_sandbox_free once the outermost call has returned;
 * asynchronous calls end as mr_sandbox_free says. */
void mr_sandbox_close(mr_sandbox* sandbox);

/* Flags of mr_eval and mr_eval_async (and, for MR_RESULT_HANDLES, of every
 * call that returns a value). */
enum {
  /* Return any object (array, function, ...) as a handle instead of a copy.
   * Without it only functions and symbols, which cannot be copied, are. */
  MR_RESULT_HANDLES = 2,
  /* Run for effects: the completion value is not copied out (undefined is
   * returned instead), so it may be anything. A synchronous eval then also
   * ignores a promise completion value; an async one still waits for it. */
  MR_EVAL_DISCARD_RESULT = 1,
  /* Only for mr_eval_cached and mr_eval_async_cached: compile from the
   * cache bytes given, if any, and when there were none or V8 rejected
   * them, make a cache of the script once it has run without throwing
   * (so that the functions it ran, compiled lazily, are in it). */
  MR_EVAL_CODE_CACHE = 4,
  /* Only for mr_eval_module and mr_eval_module_async: `code` is a
   * specifier to import (through the module loader, or a module of that
   * canonical name already loaded) instead of a module's source. */
  MR_MODULE_IMPORT = 8
};

/* Evaluates UTF-16 source code and stores the completion value (or the
 * failure) in *out, under `limits`. */
void mr_eval(mr_sandbox* sandbox, const uint16_t* code, size_t code_units,
             mr_limits limits, int flags, mr_value* out);

/* Calls the function found at a dotted path of globals ("a.b.c", UTF-16),
 * with `this` set to its holder, and stores the result in *out. flags:
 * MR_RESULT_HANDLES. */
void mr_call(mr_sandbox* sandbox, const uint16_t* path, size_t path_units,
             const mr_value* args, size_t argc, mr_limits limits, int flags,
             mr_value* out);

/* Ends the running call, if any, with MR_ERROR_CANCELLED. Thread-safe. */
void mr_sandbox_cancel(mr_sandbox* sandbox);

/* Receives the result of an asynchronous call, exactly once, on the
 * sandbox's thread (or, for a call that never ran, on the thread that
 * cancelled or freed it). The receiver owns *result: mr_value_release it.
 * *report (borrowed) is what the call took; all zero for one that never
 * ran. */
typedef void (*mr_completion)(void* user_data, uint64_t call_id,
                              mr_value* result, const mr_call_report* report);

/* Queues an evaluation on the sandbox's own thread and returns its call id
 * (never 0). The code is copied. A result that is a promise is waited for:
 * the call completes when the promise settles, running the sandbox's
 * timers meanwhile; the time limit counts from when the call starts running
 * and covers the wait. */
uint64_t mr_eval_async(mr_sandbox* sandbox, const uint16_t* code,
                       size_t code_units, mr_limits limits, int flags,
                       mr_completion completion, void* user_data);

/* Code cache (README "Code cache"). V8 checks a cache's version, flags
 * and the source's *length*, not its text: bytes made for other code of the
 * same length are accepted and run that code's functions. Hand in only
 * bytes made for this exact code (the host keys them by a strong hash of
 * it, and verifies bytes read from outside the process). */
typedef enum mr_code_cache_status {
  MR_CODE_CACHE_NONE = 0,     /* the eval did not get to compile it */
  MR_CODE_CACHE_ACCEPTED = 1, /* compiled from the bytes given */
  MR_CODE_CACHE_REJECTED = 2, /* V8 refused them: compiled from source */
  MR_CODE_CACHE_COMPILED = 3  /* no bytes given: compiled from source */
} mr_code_cache_status;

/* What came of an eval's code cache. `data` (owned until
 * mr_code_cache_release) is a new cache, made after the script ran without
 * throwing when its status is REJECTED or COMPILED; else NULL. The bytes
 * are made in the sandbox's V8 from the code alone: the script's state
 * (globals, closures' values) is not in them. */
typedef struct mr_code_cache {
  int32_t status;
  uint8_t* data;
  size_t length;
} mr_code_cache;

/* mr_eval with a code cache: `cache` (borrowed, may be NULL) holds the
 * bytes to compile from; with MR_EVAL_CODE_CACHE in flags *cache_out gets
 * what came of it (making the cache counts against the call's time
 * limit). Code short enough for the sandbox's cache of recent scripts
 * (4,096 units) that was evaluated before may run from there: status
 * NONE. */
void mr_eval_cached(mr_sandbox* sandbox, const uint16_t* code,
                    size_t code_units, const uint8_t* cache,
                    size_t cache_length, mr_limits limits, int flags,
                    mr_value* out, mr_code_cache* cache_out);

/* mr_eval_async with a code cache (copied). With MR_EVAL_CODE_CACHE, what
 * came of it is kept for mr_code_cache_take. */
uint64_t mr_eval_async_cached(mr_sandbox* sandbox, const uint16_t* code,
                              size_t code_units, const uint8_t* cache,
                              size_t cache_length, mr_limits limits,
                              int flags, mr_completion completion,
                              void* user_data);

/* After the completion of async call `call_id` made with
 * MR_EVAL_CODE_CACHE: moves what came of its cache into *out (status NONE
 * when the call never compiled, or it was taken before). Call it once per
 * such call, or its bytes stay until the sandbox is freed. Any thread. */
void mr_code_cache_take(mr_sandbox* sandbox, uint64_t call_id,
                        mr_code_cache* out);

/* Frees the bytes of an mr_code_cache. Safe on one already released. */
void mr_code_cache_release(mr_code_cache* cache);

/* mr_call, asynchronously: as mr_eval_async. Path and arguments are copied. */
uint64_t mr_call_async(mr_sandbox* sandbox, const uint16_t* path,
                       size_t path_units, const mr_value* args, size_t argc,
                       mr_limits limits, int flags, mr_completion completion,
                       void* user_data);

/* Cancels an asynchronous call: a queued one completes with
 * MR_ERROR_CANCELLED at once, a running one as soon as its script stops.
 * Unknown or finished ids are ignored. Thread-safe. */
void mr_call_cancel(mr_sandbox* sandbox, uint64_t call_id);

/* Marks queued asynchronous call `call_id` as made on behalf of running
 * asynchronous call `parent_id` (from one of its host functions, whose
 * promise may wait for it): it then runs nested in the parent, while the
 * parent waits, under the earlier of both time limits, instead of queueing
 * behind it (which would wait forever). Ignored once the call has started,
 * or when the parent is not running. Host thread. */
void mr_call_nest(mr_sandbox* sandbox, uint64_t call_id, uint64_t parent_id);

/* Operations on a handle (a sandbox value the host keeps, returned as
 * MR_VALUE_FUNCTION/OBJECT/ARRAY/SYMBOL). args, by operation:
 *   CALL:   this, then the arguments        -> the result
 *   GET:    key                              -> the property's value
 *   SET:    key, value                       -> undefined
 *   DELETE: key                              -> boolean
 *   HAS:    key (the `in` operator)          -> boolean
 *   KEYS:   none (Object.keys)               -> array of strings
 * A key is a string, a number or a symbol handle. They run sandbox code
 * (getters, proxies), so they take a time limit and fail like mr_call. */
typedef enum mr_handle_op {
  MR_HANDLE_CALL = 0,
  MR_HANDLE_GET = 1,
  MR_HANDLE_SET = 2,
  MR_HANDLE_DELETE = 3,
  MR_HANDLE_HAS = 4,
  MR_HANDLE_KEYS = 5
} mr_handle_op;

void mr_handle_op_run(mr_sandbox* sandbox, int op, uint32_t handle,
                      const mr_value* args, size_t argc, mr_limits limits,
                      int flags, mr_value* out);

/* MR_HANDLE_CALL, asynchronously (see mr_eval_async). args as for CALL. */
uint64_t mr_handle_call_async(mr_sandbox* sandbox, uint32_t handle,
                              const mr_value* args, size_t argc,
                              mr_limits limits, int flags,
                              mr_completion completion, void* user_data);

/* Lets the sandbox drop a handle's value. Thread-safe, never waits. Call
 * once per handle. */
void mr_handle_release(mr_sandbox* sandbox, uint32_t handle);

/* Handles not released. */
size_t mr_handle_count(mr_sandbox* sandbox);

/* Host functions. The sandbox calls `function` on the host thread (the
 * thread that calls mr_sandbox_set_host) with the arguments a sandbox
 * script passed (copies; functions and symbols as handles); it stores its
 * result in *result: a value, an MR_ERROR_EXCEPTION failure (thrown in the
 * sandbox as a new Error with that name and message), or
 * MR_VALUE_HOST_PROMISE. function_id 0 is the console: args are the level
 * ("log", "info", ...) and the logged values; no result is expected.
 * `call_id` names the call that was running (0 outside calls).
 *
 * During an async call the sandbox's thread asks for host calls through
 * `wakeup`, called from that thread: the host must then call
 * mr_sandbox_run_host_requests on the host thread soon. */
typedef void (*mr_host_function)(void* user_data, uint64_t call_id,
                                 uint32_t function_id, const mr_value* args,
                                 size_t argc, mr_value* result);
typedef void (*mr_host_wakeup)(void* user_data);

void mr_sandbox_set_host(mr_sandbox* sandbox, mr_host_function function,
                         mr_host_wakeup wakeup, void* user_data);

/* Answers the host calls the sandbox's thread is waiting for. Host thread. */
void mr_sandbox_run_host_requests(mr_sandbox* sandbox);

/* Defines a global function at a dotted path ("db.get", UTF-16; missing
 * objects on the way are created) that calls host function `function_id`
 * (>= 1). Returns 0, or fills *error. */
int mr_sandbox_expose(mr_sandbox* sandbox, const uint16_t* path,
                      size_t path_units, uint32_t function_id,
                      mr_value* error);

/* Settles the promise a host function returned as MR_VALUE_HOST_PROMISE:
 * fulfils it with *value, or rejects it with an Error made from an
 * MR_ERROR_EXCEPTION failure in *value. Thread-safe; ids of calls that
 * have ended are ignored. */
void mr_host_promise_settle(mr_sandbox* sandbox, uint64_t promise_id,
                            const mr_value* value);

/* Whether console.* calls in the sandbox reach the host (function 0);
 * when off (the default) they cost nothing. */
void mr_sandbox_set_console(mr_sandbox* sandbox, int enabled);

/* Reads heap statistics. */
void mr_heap_stats_get(mr_sandbox* sandbox, mr_heap_stats* out);

/* What the last synchronous call (mr_eval, mr_call, mr_handle_op_run) that
 * returned took; returns 0 (and leaves *out) when none has. Host thread;
 * heap_used is read now, so call it before the next call. */
int mr_last_call_report(mr_sandbox* sandbox, mr_call_report* out);

/* What all the calls on a sandbox that have ended took, summed (async
 * calls counted when they complete). */
typedef struct mr_usage {
  uint64_t calls;
  double wall_ms;
  double cpu_ms;
  double host_ms;
  double gc_ms;
  uint64_t host_calls;
} mr_usage;

/* Reads the sums. Host thread. */
void mr_usage_get(mr_sandbox* sandbox, mr_usage* out);

/* Changes the memory limits between calls (0 for soft_memory: none).
 * max_memory may be lowered, and raised again up to the cap the sandbox was
 * created with (V8's heap was sized for it); returns -1 above that, and
 * 0 otherwise. When the live heap and buffers are over a lowered cap, the
 * next call fails with MR_ERROR_OUT_OF_MEMORY. Host thread, not inside a
 * call on the sandbox. */
int mr_sandbox_set_memory_limits(mr_sandbox* sandbox, uint64_t max_memory,
                                 uint64_t soft_memory);

/* Writes a heap snapshot (the JSON of Chrome DevTools' .heapsnapshot) into
 * *out as an MR_VALUE_STRING_LATIN1 (V8 escapes every non-ASCII
 * character), or a failure: MR_ERROR_VALUE when it would be larger than
 * max_bytes, MR_ERROR_TIMEOUT when the sandbox stays busy with an async
 * call past timeout_ms. Host thread, not inside a call on the sandbox. */
void mr_heap_snapshot(mr_sandbox* sandbox, uint64_t max_bytes,
                      double timeout_ms, mr_value* out);

/* Asks the sandbox to collect all the garbage it can now. */
void mr_low_memory_notification(mr_sandbox* sandbox);

/* ES modules. Every import a sandbox makes, static or dynamic (from
 * modules and scripts), goes to host function `function_id` (numbered as
 * for mr_sandbox_expose; 0: none, every import fails with
 * MR_ERROR_MODULE_NOT_FOUND) with the specifier as written and the
 * importing module's name ("<eval>" for a script, "" for the host). Its
 * result is undefined (no such module), an array [canonical name, source]
 * (a module is compiled once per canonical name per sandbox), a failure,
 * or, during async calls only, MR_VALUE_HOST_PROMISE settling to one of
 * those. Host thread, between calls. */
void mr_sandbox_set_module_loader(mr_sandbox* sandbox, uint32_t function_id);

/* Evaluates UTF-16 `code` as an ES module named `name` (its import.meta.url
 * and the referrer its imports name), loading the modules it imports first,
 * and stores its namespace in *out: a plain-object copy, or the namespace
 * itself as a handle with MR_RESULT_HANDLES (and without it when an export
 * is a function or a symbol, which cannot be copied). With MR_MODULE_IMPORT
 * `code` is a specifier to import instead (`name` is ignored). A module
 * that needs an async loader or waits (top-level await) fails here: use
 * mr_eval_module_async. */
void mr_eval_module(mr_sandbox* sandbox, const uint16_t* code,
                    size_t code_units, const uint16_t* name,
                    size_t name_units, mr_limits limits, int flags,
                    mr_value* out);

/* mr_eval_module, asynchronously (see mr_eval_async): waits for async
 * loaders and top-level await. Code and name are copied. */
uint64_t mr_eval_module_async(mr_sandbox* sandbox, const uint16_t* code,
                              size_t code_units, const uint16_t* name,
                              size_t name_units, mr_limits limits, int flags,
                              mr_completion completion, void* user_data);

/* Frees what an output value owns. Safe on an already released value. */
void mr_value_release(mr_value* value);

/* Copies `value` into *out, which then owns its bytes (mr_value_release
 * frees them): how a host function's result, which the sandbox releases,
 * is made from a borrowed value. Returns 0, or -1 when memory ran out (then
 * *out has the type and number but no bytes). */
int mr_value_copy(const mr_value* value, mr_value* out);

/* Fills *out with a failure of `type` (an MR_ERROR_* kind) carrying
 * "name\0message\0" (UTF-8, `*_length` bytes each; a NUL inside either
 * becomes U+FFFD), owned by *out: for a host function's failure or
 * mr_host_promise_settle's rejection. */
void mr_failure_new(int type, const char* name, size_t name_length,
                    const char* message, size_t message_length,
                    mr_value* out);

#ifdef __cplusplus
}
#endif

#endif /* MINI_RACER_H_ */
