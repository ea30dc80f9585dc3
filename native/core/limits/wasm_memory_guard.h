// WasmMemoryGuard: charges WebAssembly memory to the sandbox's MemoryBudget.
// V8 allocates wasm memory outside the ArrayBuffer allocator and outside the
// heap, so without this `new WebAssembly.Memory({initial: 2000})` would take
// 128 MB under any cap. Wasm code can grow a memory up to its maximum
// without asking anyone, so each memory is charged its maximum up front
// (a memory without one cannot grow); a module that defines its own memory
// is charged that memory's maximum at each instantiation.
#ifndef MINI_RACER_WASM_MEMORY_GUARD_H_
#define MINI_RACER_WASM_MEMORY_GUARD_H_

#include <v8.h>

#include <cstdint>
#include <vector>


namespace mini_racer {

class WasmMemoryGuard {
 public:
  // Wraps the context's WebAssembly constructors before any sandbox code
  // runs; the wrappers charge the isolate's GuardState budget, whose cap is
  // `max_bytes`, and look native through GuardBase's `base`.
  // Returns false if the bootstrap failed.
  static bool Install(v8::Isolate* isolate, v8::Local<v8::Context> context,
                      size_t max_bytes, v8::Local<v8::Object> base);
  // The callbacks' addresses, for a snapshot's external references.
  static void AddExternalReferences(std::vector<intptr_t>* references);
};

}  // namespace mini_racer

#endif  // MINI_RACER_WASM_MEMORY_GUARD_H_
