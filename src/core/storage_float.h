// StorageFloat: a floating-point type stored in fewer bits than float and computed in float.
#pragma once

#include <cstdint>

namespace tessera {

/// Bits of type B converted from float by FromF (rounding) and back by ToF (exactly).
/// Arithmetic happens in float through the implicit conversions, as with c10::Half.
/// Each instantiation is its own type: Half, BFloat16, the float8 formats.
template <typename B, B (*FromF)(float), float (*ToF)(B)>
struct StorageFloat {
  B bits = 0;
  StorageFloat() = default;
  StorageFloat(float f) : bits(FromF(f)) {}  // NOLINT: implicit, like c10::Half
  operator float() const { return ToF(bits); }
  static StorageFloat from_bits(B b) {
    StorageFloat v;
    v.bits = b;
    return v;
  }
};

}  // namespace tessera
