// The float32 vector loops of the elementwise kernels, for kernels that run several ops over
// a block of elements in cache (fused_elementwise).
#pragma once

#include <cstddef>
#include <string_view>

namespace tessera::cpu {

/// out[i] = op(in[i]) for a float32 unary op without parameters that unary.cpp vectorises
/// (exp, relu, sigmoid, ...); null for other ops. in may be out.
using UnaryLoop = void (*)(const float* in, float* out, size_t n);
UnaryLoop unary_loop(std::string_view op);

/// out[i] = a[i * a_step] op b[i * b_step], steps 0 (one element) or 1, for add, sub (alpha
/// 1), mul, div, maximum and minimum; null for other ops. a or b may be out.
using BinaryLoop = void (*)(const float* a, size_t a_step, const float* b, size_t b_step,
                            float* out, size_t n);
BinaryLoop binary_loop(std::string_view op);

}  // namespace tessera::cpu
