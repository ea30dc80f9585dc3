#include "core/limits/guard_state.h"

#include "core/limits/charged_objects.h"
#include "core/limits/wasm_memory_guard.h"

namespace mini_racer {

void AddGuardExternalReferences(std::vector<intptr_t>* references) {
  WasmMemoryGuard::AddExternalReferences(references);
  ChargedObjects::AddExternalReferences(references);
}

}  // namespace mini_racer
