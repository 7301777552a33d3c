// float32 scaled_dot_product_attention on the cpu backend, in float32 throughout as
// PyTorch's cpu kernel: softmax(q k^T * scale [+ mask]) v with q k^T and the product with v
// through the cpu matmul (sgemm on the transposed view of k, no copy) and the vector
// softmax. The reference kernel (float64) keeps the errors and the cases not covered here.
#include <cmath>

#include "api/functions.h"
#include "ops/elementwise.h"
#include "ops/handles.h"

namespace tessera::cpu {
namespace {

using SdpaSig = Tensor(const Tensor&, const Tensor&, const Tensor&, const std::optional<Tensor>&,
                       double, bool, std::optional<double>);

Tensor sdpa_kernel(const Tensor& q, const Tensor& k, const Tensor& v,
                   const std::optional<Tensor>& mask, double dropout_p, bool is_causal,
                   std::optional<double> scale) {
  const bool has_mask = mask && mask->defined();
  const bool covered =
      q.dtype() == DType::Float32 && k.dtype() == DType::Float32 && v.dtype() == DType::Float32 &&
      dropout_p == 0 && q.dim() >= 2 && k.dim() >= 2 && v.dim() >= 2 && q.size(-1) == k.size(-1) &&
      k.size(-2) == v.size(-2) && !(is_causal && has_mask) &&
      (!has_mask || mask->dtype() == DType::Float32) && q.numel() > 0 && k.numel() > 0;
  if (!covered) {
    return ops::scaled_dot_product_attention_op().typed<SdpaSig>().redispatch(
        kBackendReference, q, k, v, mask, dropout_p, is_causal, scale);
  }
  const double s = scale ? *scale : 1.0 / std::sqrt(static_cast<double>(q.size(-1)));
  Tensor scores = matmul(q, k.transpose(-2, -1)).contiguous();
  // Scaled in place, the causal mask (-inf above the diagonal of each [L, S] matrix) with it.
  const int64_t l = scores.size(-2), n = scores.size(-1);
  float* p = scores.data<float>();
  const auto fs = static_cast<float>(s);
  const int64_t rows = scores.numel() / n;
  parallel_for(0, rows, std::max<int64_t>(1, kGrainSize / n), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      float* row = p + r * n;
      const int64_t keep = is_causal ? std::min(n, r % l + 1) : n;
      for (int64_t j = 0; j < keep; ++j) row[j] *= fs;
      for (int64_t j = keep; j < n; ++j) row[j] = -INFINITY;
    }
  });
  if (has_mask) scores = add(scores, *mask);
  return matmul(softmax(scores, -1), v);
}

}  // namespace

TSR_REGISTER {
  Dispatcher::get().impl(ops::scaled_dot_product_attention_op(), kBackendCPU, DType::Float32,
                         KernelFunction::from_unboxed(&sdpa_kernel));
}

}  // namespace tessera::cpu
