// SetupSnapshot: a V8 startup snapshot of a guarded context after a setup
// script (and an optional warm-up script) ran in it, made in this process
// from Node's own snapshot, so that a sandbox can start with the setup's
// state instead of running it: a Babel-ready sandbox in ~20 ms instead of
// ~75 ms with a warm code cache (Node 24, bench section 21).
//
// What is in the snapshot: the context with the guards that every sandbox
// gets before its code runs (ChargedObjects, BuiltinGuard; their callbacks
// carry no per-sandbox data, see guard_state.h) and what the setup left.
// What is not: what V8 leaves out of every context it serializes and adds
// to each it makes (`WebAssembly`, flagged features: see
// context_additions.h), so the WebAssembly guard, with the removal of
// globals that host flags add, comes after; and the console, timers, host
// functions and the other per-sandbox natives, which a sandbox installs
// after it deserializes the context, as it does for a fresh one.
// So the setup runs without WebAssembly and timers (its console is V8's own,
// which prints nowhere), and under the snapshot's memory cap and time limit.
//
// Bytes are only ever made here, never loaded from outside: a snapshot is
// trusted code to V8, and a crafted one could do anything.
//
// Immutable once made: any thread may create isolates from it at once.
#ifndef MINI_RACER_SETUP_SNAPSHOT_H_
#define MINI_RACER_SETUP_SNAPSHOT_H_

#include <v8.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "capi/mini_racer.h"

namespace mini_racer {

class SetupSnapshot {
 public:
  struct Recipe {
    std::string setup;
    std::string warmup;  // empty: none
    size_t max_memory = 0;
    double timeout_ms = 0;  // <= 0: none
  };

  // Whether this Node line can make snapshots (not Node 20: V8 11.3 brings
  // some state back wrong).
  static bool Supported();

  // Runs the recipe in a new snapshotting isolate on this thread and
  // serializes it. Null with *error set when the setup or the warm-up
  // failed (their exception, the time limit, the memory cap) or left what
  // no snapshot can hold (MR_ERROR_SNAPSHOT).
  static std::shared_ptr<const SetupSnapshot> Make(const Recipe& recipe,
                                                   mr_value* error);

  ~SetupSnapshot() { delete[] blob_.data; }
  SetupSnapshot(const SetupSnapshot&) = delete;
  SetupSnapshot& operator=(const SetupSnapshot&) = delete;

  const v8::StartupData* blob() const { return &blob_; }
  size_t bytes() const { return static_cast<size_t>(blob_.raw_size); }
  // The memory cap the guards in the snapshot were made for: sandboxes
  // made from it have this cap.
  size_t max_memory() const { return max_memory_; }
  // Where the context keeps its GuardBase: for
  // Context::GetDataFromSnapshotOnce, once per context made from it.
  size_t guard_base_index() const { return guard_base_index_; }

 private:
  SetupSnapshot(v8::StartupData blob, size_t max_memory,
                size_t guard_base_index)
      : blob_(blob),
        max_memory_(max_memory),
        guard_base_index_(guard_base_index) {}

  v8::StartupData blob_;
  size_t max_memory_;
  size_t guard_base_index_;
};

}  // namespace mini_racer

#endif  // MINI_RACER_SETUP_SNAPSHOT_H_
