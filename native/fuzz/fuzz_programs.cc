// The two kinds of input: V8 serialization bytes (a value sent through
// identity, walk, handle and host paths and checked for a stable round
// trip), and programs of C API calls.
#include <cstdio>
#include <cstring>

#include "fuzz.h"

namespace mini_racer_fuzz {
namespace {

void CallPath(const char* path_ascii, const mr_value* args, size_t argc,
              int flags, mr_value* out) {
  std::u16string path = U16(path_ascii);
  mr_call(g.sandbox, reinterpret_cast<const uint16_t*>(path.data()),
          path.size(), args, argc, kCallLimits, flags, out);
}

void PokeHandle(uint32_t id) {
  mr_value out{};
  mr_handle_op_run(g.sandbox, MR_HANDLE_KEYS, id, nullptr, 0, kCallLimits,
                   0, &out);
  Finish(&out, 0x6b);
  const char* key_text[] = {"0", "length", "size", "constructor", "x"};
  for (const char* k : key_text) {
    mr_value key{};
    key.type = MR_VALUE_STRING_LATIN1;
    key.data = reinterpret_cast<const uint8_t*>(k);
    key.length = std::strlen(k);
    for (int op : {MR_HANDLE_GET, MR_HANDLE_HAS}) {
      mr_value r{};
      mr_handle_op_run(g.sandbox, op, id, &key, 1, kCallLimits,
                       MR_RESULT_HANDLES, &r);
      Finish(&r, 0x70 + op);
    }
  }
}

std::string TagsOf(const mr_value& v) {
  if (v.type != MR_VALUE_STRING_LATIN1 || v.data == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(v.data), v.length);
}

}  // namespace

void RunSerialized(const uint8_t* data, size_t size) {
  // Exact-size copy: reads past the end are ASan reports.
  std::vector<uint8_t> bytes(data, data + size);
  mr_value arg{MR_VALUE_SERIALIZED, 0, bytes.data(), bytes.size()};

  mr_value walked{};
  CallPath("fz.walk", &arg, 1, 0, &walked);
  Inspect(walked, 1);
  FeedTags(walked);
  std::string tags = TagsOf(walked);
  mr_value_release(&walked);

  mr_value copy{};
  CallPath("fz.id", &arg, 1, 0, &copy);
  Inspect(copy, 2);
  if (copy.type == MR_VALUE_SERIALIZED) {
    // Round trip: what came out goes back in and must look the same.
    mr_value again{};
    CallPath("fz.walk", &copy, 1, 0, &again);
    Inspect(again, 3);
    std::string tags2 = TagsOf(again);
    if (tags != tags2 && !tags.empty() && !tags2.empty() &&
        g.roundtrip_reports < 5) {
      ++g.roundtrip_reports;
      std::fprintf(stderr,
                   "mini_racer_fuzz: note: round trip changed the value's "
                   "shape:\n  before: %.300s\n  after:  %.300s\n",
                   tags.c_str(), tags2.c_str());
    }
    mr_value_release(&again);
  }
  mr_value_release(&copy);

  mr_value pair{};
  CallPath("fz.pair", &arg, 1, 0, &pair);
  Finish(&pair, 4);

  mr_value handle{};
  CallPath("fz.id", &arg, 1, MR_RESULT_HANDLES, &handle);
  Inspect(handle, 5);
  bool is_handle = handle.type >= MR_VALUE_FUNCTION &&
                   handle.type <= MR_VALUE_SYMBOL;
  uint32_t id = is_handle ? static_cast<uint32_t>(handle.number) : 0;
  mr_value_release(&handle);
  if (is_handle) PokeHandle(id);

  // Through a host function and back: as its argument, and as its result.
  HostAnswer answer;
  answer.bytes = bytes;
  answer.value = {MR_VALUE_SERIALIZED, 0, answer.bytes.data(),
                  answer.bytes.size()};
  g.answers.push_back(std::move(answer));
  mr_value hosted{};
  CallPath("fz.hostWalk", &arg, 1, 0, &hosted);
  Finish(&hosted, 6);
}

void RunProgram(const uint8_t* data, size_t size) {
  FuzzedDataProvider fdp(data, size);
  Arena arena;
  for (size_t step = 0; step < kMaxOps && fdp.remaining_bytes() > 0; ++step) {
    int op = fdp.ConsumeIntegralInRange<int>(0, 11);
    uint64_t site = 0x1000 + op * 64;
    switch (op) {
      case 0:
      case 1: {  // call a function by path
        std::u16string path = PickPath(fdp);
        size_t argc = fdp.ConsumeIntegralInRange<size_t>(0, kMaxArgs);
        std::vector<mr_value> args;
        for (size_t i = 0; i < argc; ++i) args.push_back(PickValue(fdp, &arena));
        int flags = fdp.ConsumeBool() ? MR_RESULT_HANDLES : 0;
        mr_value out{};
        mr_call(g.sandbox, reinterpret_cast<const uint16_t*>(path.data()),
                path.size(), args.data(), args.size(), kCallLimits, flags,
                &out);
        if (path == U16("fz.walk") || path == U16("fz.hostWalk")) FeedTags(out);
        Finish(&out, site + (path.size() & 31));
        break;
      }
      case 2:
      case 3: {  // a handle operation
        int hop = fdp.ConsumeIntegralInRange<int>(-1, 6);
        uint32_t handle = static_cast<uint32_t>(PickHandleId(fdp));
        size_t argc = fdp.ConsumeIntegralInRange<size_t>(0, kMaxArgs);
        std::vector<mr_value> args;
        for (size_t i = 0; i < argc; ++i) args.push_back(PickValue(fdp, &arena));
        int flags = fdp.ConsumeBool() ? MR_RESULT_HANDLES : 0;
        mr_value out{};
        mr_handle_op_run(g.sandbox, hop, handle, args.data(), args.size(),
                         kCallLimits, flags, &out);
        Finish(&out, site + hop + 1);
        break;
      }
      case 4: {  // let one of ours go
        if (g.live_handles.empty()) break;
        size_t i = fdp.ConsumeIntegralInRange<size_t>(0, g.live_handles.size() - 1);
        mr_handle_release(g.sandbox, g.live_handles[i]);
        g.live_handles.erase(g.live_handles.begin() + i);
        break;
      }
      case 5: {  // what host function 1 answers next
        HostAnswer answer;
        Arena local;
        mr_value v = PickValue(fdp, &local);
        if (v.length > 0) answer.bytes = local.blocks.back();
        answer.value = v;
        answer.value.data = answer.bytes.empty() ? nullptr : answer.bytes.data();
        answer.value.length = answer.bytes.size();
        answer.reenter = fdp.ConsumeIntegralInRange<int>(0, 7) == 0;
        if (fdp.ConsumeBool()) {
          answer.value.type = MR_VALUE_HOST_PROMISE;
          answer.value.number = fdp.ConsumeIntegralInRange<int>(0, 4);
          answer.settle_now = fdp.ConsumeBool();
          Arena local2;
          mr_value s = PickValue(fdp, &local2);
          if (s.length > 0) answer.settle_bytes = local2.blocks.back();
          answer.settle = s;
          answer.settle.data =
              answer.settle_bytes.empty() ? nullptr : answer.settle_bytes.data();
          answer.settle.length = answer.settle_bytes.size();
        }
        if (g.answers.size() < 8) g.answers.push_back(std::move(answer));
        break;
      }
      case 6:
      case 7: {  // async call (by path, or of a handle)
        size_t argc = fdp.ConsumeIntegralInRange<size_t>(0, kMaxArgs);
        std::vector<mr_value> args;
        for (size_t i = 0; i < argc; ++i) args.push_back(PickValue(fdp, &arena));
        int flags = fdp.ConsumeBool() ? MR_RESULT_HANDLES : 0;
        Completion c;
        if (op == 6) {
          std::u16string path = PickPath(fdp);
          mr_call_async(g.sandbox,
                        reinterpret_cast<const uint16_t*>(path.data()),
                        path.size(), args.data(), args.size(), kAsyncLimits,
                        flags, OnComplete, &c);
        } else {
          uint32_t handle = static_cast<uint32_t>(PickHandleId(fdp));
          mr_handle_call_async(g.sandbox, handle, args.data(), args.size(),
                               kAsyncLimits, flags, OnComplete, &c);
        }
        // The arguments were copied: scribble over ours.
        for (auto& block : arena.blocks) std::memset(block.data(), 0xA5, block.size());
        Await(&c, site);
        break;
      }
      case 8: {  // settle a host promise, known or not
        uint64_t id = fdp.ConsumeIntegralInRange<uint64_t>(0, 6);
        mr_value v = PickValue(fdp, &arena);
        mr_host_promise_settle(g.sandbox, id, &v);
        break;
      }
      case 9: {  // a value with odd corners, as a handle or a copy
        mr_value n{MR_VALUE_NUMBER, static_cast<double>(fdp.ConsumeIntegral<uint8_t>()),
                   nullptr, 0};
        mr_value out{};
        CallPath("fz.mk", &n, 1, fdp.ConsumeBool() ? MR_RESULT_HANDLES : 0,
                 &out);
        Finish(&out, site + static_cast<int>(n.number) % 64);
        break;
      }
      case 10:
        mr_sandbox_set_console(g.sandbox, fdp.ConsumeBool());
        break;
      case 11: {
        mr_heap_stats stats{};
        mr_heap_stats_get(g.sandbox, &stats);
        if (fdp.ConsumeIntegralInRange<int>(0, 15) == 0) {
          mr_low_memory_notification(g.sandbox);
        }
        break;
      }
    }
  }
}

}  // namespace mini_racer_fuzz
