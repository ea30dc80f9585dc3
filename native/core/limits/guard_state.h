// GuardState: where the guards' native callbacks (WasmMemoryGuard's charge
// and release, ChargedObjects' charge) find the sandbox they charge.
//
// Why a slot and not per-function data: a startup snapshot of a guarded
// context (SetupSnapshot) keeps these functions, and a v8::External holding
// a raw pointer cannot go into a snapshot. So the callbacks carry no data:
// they read the isolate's kGuardStateSlot, which whoever owns the isolate
// sets before its first context, and V8 finds the callbacks themselves by
// their addresses in the external references (AddGuardExternalReferences).
#ifndef MINI_RACER_GUARD_STATE_H_
#define MINI_RACER_GUARD_STATE_H_

#include <v8.h>

#include <cstdint>
#include <vector>

namespace mini_racer {

class ChargedObjects;
class MemoryBudget;

struct GuardState {
  MemoryBudget* budget = nullptr;
  ChargedObjects* charged_objects = nullptr;
  // The isolate is being set up for a snapshot, where V8 refuses to make
  // code caches (it aborts the process): RunContextBootstrap offers none.
  bool serializing = false;
};

// Slot 0 is the Sandbox (Sandbox::kSandboxSlot).
constexpr uint32_t kGuardStateSlot = 1;

inline void SetGuardState(v8::Isolate* isolate, GuardState* state) {
  isolate->SetData(kGuardStateSlot, state);
}

inline GuardState& GuardStateOf(v8::Isolate* isolate) {
  return *static_cast<GuardState*>(isolate->GetData(kGuardStateSlot));
}

// Appends the address of every guard callback, for
// CreateParams::external_references (without the terminating null).
void AddGuardExternalReferences(std::vector<intptr_t>* references);

}  // namespace mini_racer

#endif  // MINI_RACER_GUARD_STATE_H_
