// 16-bit floating-point storage types: IEEE float16 (Half) and bfloat16, computed in float.
#pragma once

#include <bit>
#include <cstdint>

#include "core/storage_float.h"

namespace tessera {

namespace detail {

/// float -> IEEE binary16 bits, round to nearest even; overflow gives inf, NaN stays NaN.
inline uint16_t fp16_from_fp32(float f) {
  const uint32_t x = std::bit_cast<uint32_t>(f);
  const uint32_t sign = (x >> 16) & 0x8000u;
  uint32_t ax = x & 0x7fffffffu;
  if (ax >= 0x7f800000u) {  // inf or NaN (keep a quiet payload)
    return static_cast<uint16_t>(sign | 0x7c00u |
                                 (ax > 0x7f800000u ? 0x200u | ((ax >> 13) & 0x3ffu) : 0u));
  }
  if (ax >= 0x477ff000u) return static_cast<uint16_t>(sign | 0x7c00u);  // >= 65520 rounds to inf
  if (ax < 0x38800000u) {
    // Below 2^-14: adding 0.5f lines the float's ulp up with half's subnormal step 2^-24,
    // so the FPU's own round-to-nearest-even does the rounding.
    const float shifted = std::bit_cast<float>(ax) + 0.5f;
    return static_cast<uint16_t>(sign | (std::bit_cast<uint32_t>(shifted) - 0x3f000000u));
  }
  const uint32_t odd = (ax >> 13) & 1u;
  ax += 0xc8000fffu + odd;  // rebias the exponent by -112 and round to nearest even
  return static_cast<uint16_t>(sign | (ax >> 13));
}

/// IEEE binary16 bits -> float (exact).
inline float fp32_from_fp16(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1fu;
  const uint32_t mant = h & 0x3ffu;
  if (exp == 0x1f) return std::bit_cast<float>(sign | 0x7f800000u | (mant << 13));
  if (exp == 0) {
    const float v = static_cast<float>(mant) * 0x1p-24f;
    return sign ? -v : v;
  }
  return std::bit_cast<float>(sign | ((exp + 112) << 23) | (mant << 13));
}

/// float -> bfloat16 bits, round to nearest even; NaN stays a quiet NaN.
inline uint16_t bf16_from_fp32(float f) {
  const uint32_t x = std::bit_cast<uint32_t>(f);
  if ((x & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((x >> 16) | 0x40u);
  return static_cast<uint16_t>((x + 0x7fffu + ((x >> 16) & 1u)) >> 16);
}

inline float fp32_from_bf16(uint16_t b) {
  return std::bit_cast<float>(static_cast<uint32_t>(b) << 16);
}

}  // namespace detail

/// IEEE 754 binary16.
using Half = StorageFloat<uint16_t, detail::fp16_from_fp32, detail::fp32_from_fp16>;
/// bfloat16: the top half of a float32.
using BFloat16 = StorageFloat<uint16_t, detail::bf16_from_fp32, detail::fp32_from_bf16>;

}  // namespace tessera
