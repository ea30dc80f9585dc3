// Values from the fuzzer's bytes: numbers with odd corners, handle ids,
// strings of any length, serialized bytes (fresh, recycled, cut or
// flipped) and values of any type at all.
#include <cstdlib>
#include <cstring>
#include <limits>

#include "fuzz.h"

namespace mini_racer_fuzz {
namespace {

std::vector<uint8_t> PickBytes(FuzzedDataProvider& fdp, size_t max) {
  size_t n = fdp.ConsumeIntegralInRange<size_t>(0, max);
  return fdp.ConsumeBytes<uint8_t>(n);
}

const char* const kPaths[] = {
    "fz.id",   "fz.walk",    "fz.args",    "fz.pair",      "fz.mk",
    "fz.throwIt", "fz.resolve", "fz.reject", "fz.host", "fz.hostWalk",
    "fz.hostAwait", "fz.log", "fz",        "nope.x",       "fz.id.call",
};

}  // namespace

double PickNumber(FuzzedDataProvider& fdp) {
  switch (fdp.ConsumeIntegralInRange<int>(0, 7)) {
    case 0: return 0;
    case 1: return -0.0;
    case 2: return std::numeric_limits<double>::quiet_NaN();
    case 3: return std::numeric_limits<double>::infinity();
    case 4: return fdp.ConsumeIntegral<int32_t>();
    case 5: return static_cast<double>(fdp.ConsumeIntegral<uint32_t>()) + 1;
    case 6: return 4294967296.0 * fdp.ConsumeIntegralInRange<int>(-2, 2);
    default: return fdp.ConsumeFloatingPoint<double>();
  }
}

double PickHandleId(FuzzedDataProvider& fdp) {
  if (!g.live_handles.empty() && fdp.ConsumeBool()) {
    return g.live_handles[fdp.ConsumeIntegralInRange<size_t>(
        0, g.live_handles.size() - 1)];
  }
  switch (fdp.ConsumeIntegralInRange<int>(0, 4)) {
    case 0: return fdp.ConsumeIntegralInRange<uint32_t>(0, 64);
    case 1: return 1.5;
    case 2: return -1;
    case 3: return std::numeric_limits<double>::quiet_NaN();
    default: return PickNumber(fdp);
  }
}

mr_value PickValue(FuzzedDataProvider& fdp, Arena* arena) {
  mr_value v{};
  int kind = fdp.ConsumeIntegralInRange<int>(0, 17);
  switch (kind) {
    case 0: v.type = MR_VALUE_UNDEFINED; break;
    case 1: v.type = MR_VALUE_NULL; break;
    case 2:
      v.type = MR_VALUE_BOOLEAN;
      v.number = fdp.ConsumeBool() ? fdp.ConsumeBool() : PickNumber(fdp);
      break;
    case 3: v.type = MR_VALUE_NUMBER; v.number = PickNumber(fdp); break;
    case 4:
    case 5: {
      // Strings of any length, odd UTF-16 byte counts included.
      v.type = kind == 4 ? MR_VALUE_STRING_LATIN1 : MR_VALUE_STRING_UTF16;
      std::vector<uint8_t> bytes = PickBytes(fdp, 64);
      v.length = bytes.size();
      v.data = arena->Keep(std::move(bytes));
      break;
    }
    case 6:
    case 7: {
      v.type = MR_VALUE_SERIALIZED;
      std::vector<uint8_t> bytes;
      if (kind == 7 && !g.recycled.empty()) {
        bytes = g.recycled[fdp.ConsumeIntegralInRange<size_t>(
            0, g.recycled.size() - 1)];
        // Maybe cut or flip it.
        if (!bytes.empty() && fdp.ConsumeBool()) {
          size_t at = fdp.ConsumeIntegralInRange<size_t>(0, bytes.size() - 1);
          if (fdp.ConsumeBool()) {
            bytes.resize(at);
          } else {
            bytes[at] ^= fdp.ConsumeIntegral<uint8_t>();
          }
        }
      } else {
        if (fdp.ConsumeBool()) {
          bytes = {0xFF, 0x0F};  // the header of Node 20's V8
        }
        std::vector<uint8_t> body = PickBytes(fdp, 128);
        bytes.insert(bytes.end(), body.begin(), body.end());
      }
      v.length = bytes.size();
      v.data = arena->Keep(std::move(bytes));
      break;
    }
    case 8: case 9: case 10: case 11:
      v.type = MR_VALUE_FUNCTION + (kind - 8);
      v.number = PickHandleId(fdp);
      break;
    case 12:
      v.type = MR_VALUE_HOST_PROMISE;
      v.number = PickNumber(fdp);
      break;
    default: {
      // Any type at all (failures, gaps, garbage), with or without data.
      v.type = fdp.ConsumeBool()
                   ? fdp.ConsumeIntegralInRange<int32_t>(-2, 30)
                   : fdp.ConsumeIntegral<int32_t>();
      v.number = PickNumber(fdp);
      std::vector<uint8_t> bytes = PickBytes(fdp, 32);
      v.length = bytes.size();
      v.data = arena->Keep(std::move(bytes));
      break;
    }
  }
  return v;
}

mr_value Owned(const mr_value& in) {
  mr_value out = in;
  out.data = nullptr;
  if (in.length > 0) {
    auto* bytes = static_cast<uint8_t*>(std::malloc(in.length));
    std::memcpy(bytes, in.data, in.length);
    out.data = bytes;
  }
  return out;
}

std::u16string PickPath(FuzzedDataProvider& fdp) {
  if (fdp.ConsumeIntegralInRange<int>(0, 15) == 0) {
    // A path of any UTF-16 text.
    std::vector<uint8_t> bytes = PickBytes(fdp, 16);
    std::u16string path(bytes.size() / 2, u'\0');
    std::memcpy(path.data(), bytes.data(), path.size() * 2);
    return path;
  }
  return U16(kPaths[fdp.ConsumeIntegralInRange<size_t>(
      0, sizeof kPaths / sizeof kPaths[0] - 1)]);
}

}  // namespace mini_racer_fuzz
