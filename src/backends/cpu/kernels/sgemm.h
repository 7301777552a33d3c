// The cpu backend's float32 GEMM (oneDNN's sgemm), shared by matmul, linear and convolution.
#pragma once

#include <cstdint>

namespace tessera::cpu {

/// A matrix as sgemm sees it: row-major data with a leading dimension, maybe transposed.
struct Operand {
  const float* data;
  char trans;
  int64_t ld;
};

/// C[m, n] (row-major, leading dimension ldc, n when 0) = alpha A[m, k] B[k, n] + beta C (C
/// is not read when beta is 0). Products under 4M multiply-adds run on the calling thread.
void sgemm(int64_t m, int64_t n, int64_t k, const Operand& a, const Operand& b, float* c,
           float alpha = 1.0f, float beta = 0.0f, int64_t ldc = 0);

}  // namespace tessera::cpu
