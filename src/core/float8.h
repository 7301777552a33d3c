// The two OCP 8-bit floating-point formats: float8_e4m3fn and float8_e5m2.
//
// Note [Float8 semantics]
// Both follow the OCP 8-bit Floating Point Specification (OFP8, rev 1.0):
// - e4m3fn: 1 sign, 4 exponent (bias 7), 3 mantissa bits; no infinities; the only NaN
//   patterns are S.1111.111 (0x7f, 0xff); largest finite value 448.
// - e5m2: 1 sign, 5 exponent (bias 15), 2 mantissa bits; IEEE-like, with infinities
//   (S.11111.00) and NaNs; largest finite value 57344.
// Conversion from float rounds to nearest, ties to even, and is non-saturating, as
// PyTorch's float8 types are: a value that rounds past the largest finite one becomes NaN
// (e4m3fn, which has no infinity) or infinity (e5m2); NaN maps to 0x7f / 0xff in both.
// Wider types convert through float32. Arithmetic is done in float32 (the dtype table's
// compute type) and rounded back. Promotion is documented in docs/adding-a-dtype.md.
#pragma once

#include <bit>
#include <cstdint>

#include "core/storage_float.h"

namespace tessera {
namespace detail {

/// |f| (finite, bits without sign) rounded to nearest even into a minifloat with
/// `man_bits` mantissa bits and exponent bias `bias`; returns the magnitude code with the
/// exponent range unbounded above (callers map codes past their maximum).
inline uint32_t minifloat_round(uint32_t abs_bits, int man_bits, int bias) {
  if (abs_bits < 0x00800000u) return 0;  // zero or float subnormal: far below any fp8 step
  const int e = static_cast<int>(abs_bits >> 23) - 127;
  const uint32_t m = (abs_bits & 0x7fffffu) | 0x800000u;  // 24-bit significand
  const int emin = 1 - bias;
  const int shift = 23 - man_bits + (e < emin ? emin - e : 0);
  if (shift >= 25) return 0;  // below half the smallest subnormal
  const uint32_t half = 1u << (shift - 1);
  const uint32_t r = (m + half - 1 + ((m >> shift) & 1u)) >> shift;
  if (e < emin) return r;  // subnormal; r == 1 << man_bits is the smallest normal, encoded alike
  // Normal: r counts in [2^man_bits, 2^(man_bits+1)]; the top value carries into the exponent.
  return (static_cast<uint32_t>(e + bias) << man_bits) + (r - (1u << man_bits));
}

inline uint8_t fp8e4m3fn_from_fp32(float f) {
  const uint32_t x = std::bit_cast<uint32_t>(f);
  const uint8_t sign = static_cast<uint8_t>((x >> 24) & 0x80u);
  const uint32_t ax = x & 0x7fffffffu;
  if (ax >= 0x7f800000u) return sign | 0x7f;  // inf and NaN -> NaN (no infinity in e4m3fn)
  const uint32_t code = minifloat_round(ax, 3, 7);
  return sign | static_cast<uint8_t>(code > 0x7e ? 0x7f : code);
}

inline float fp32_from_fp8e4m3fn(uint8_t b) {
  const uint32_t exp = (b >> 3) & 0xfu, mant = b & 0x7u;
  float v;
  if (exp == 0xf && mant == 0x7) {
    v = std::bit_cast<float>(0x7fc00000u);
  } else if (exp == 0) {
    v = static_cast<float>(mant) * 0x1p-9f;
  } else {
    v = std::bit_cast<float>(((exp + 120) << 23) | (mant << 20));
  }
  return (b & 0x80) ? -v : v;
}

inline uint8_t fp8e5m2_from_fp32(float f) {
  const uint32_t x = std::bit_cast<uint32_t>(f);
  const uint8_t sign = static_cast<uint8_t>((x >> 24) & 0x80u);
  const uint32_t ax = x & 0x7fffffffu;
  if (ax > 0x7f800000u) return sign | 0x7f;   // NaN
  if (ax == 0x7f800000u) return sign | 0x7c;  // inf
  const uint32_t code = minifloat_round(ax, 2, 15);
  return sign | static_cast<uint8_t>(code >= 0x7c ? 0x7c : code);
}

inline float fp32_from_fp8e5m2(uint8_t b) {
  const uint32_t exp = (b >> 2) & 0x1fu, mant = b & 0x3u;
  float v;
  if (exp == 0x1f) {
    v = std::bit_cast<float>(0x7f800000u | (mant << 21));
  } else if (exp == 0) {
    v = static_cast<float>(mant) * 0x1p-16f;
  } else {
    v = std::bit_cast<float>(((exp + 112) << 23) | (mant << 21));
  }
  return (b & 0x80) ? -v : v;
}

}  // namespace detail

/// OCP float8 E4M3FN. See Note [Float8 semantics].
using Float8E4M3FN =
    StorageFloat<uint8_t, detail::fp8e4m3fn_from_fp32, detail::fp32_from_fp8e4m3fn>;
/// OCP float8 E5M2. See Note [Float8 semantics].
using Float8E5M2 = StorageFloat<uint8_t, detail::fp8e5m2_from_fp32, detail::fp32_from_fp8e5m2>;

}  // namespace tessera
