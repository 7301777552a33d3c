// Vector conversions between float32 and the 16-bit floats, for kernels that compute
// float16 and bfloat16 in float32 (load, convert, compute, round once, store).
#pragma once

#include <cstddef>

#include "core/half.h"

namespace tessera::cpu {

void convert_to_float(const Half* in, float* out, size_t n);
void convert_to_float(const BFloat16* in, float* out, size_t n);
/// Rounds to nearest even, as the scalar conversion.
void convert_from_float(const float* in, Half* out, size_t n);
void convert_from_float(const float* in, BFloat16* out, size_t n);

}  // namespace tessera::cpu
