// Vectorised cpu kernel for sum over the last dimension (or all of them) of a contiguous
// float32/float64 tensor, the reduction transformers and classifiers spend their time in.
// Other reductions go to the reference kernel. See Note [CPU elementwise kernels].

// Highway's per-target re-inclusion needs this order.
// clang-format off
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "backends/cpu/kernels/reduce.cpp"
#include <hwy/foreach_target.h>  // NOLINT: re-includes this file once per target
#include <hwy/highway.h>
// clang-format on

HWY_BEFORE_NAMESPACE();
namespace tessera::cpu::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Four vector accumulators, so a row of n elements is summed as 4 x lanes interleaved
// partial sums (close to a pairwise sum in accuracy), then the lanes, then the tail.
template <typename T>
HWY_INLINE T RowSum(const T* p, size_t n) {
  const hn::ScalableTag<T> d;
  const size_t lanes = hn::Lanes(d);
  auto s0 = hn::Zero(d), s1 = hn::Zero(d), s2 = hn::Zero(d), s3 = hn::Zero(d);
  size_t i = 0;
  for (; i + 4 * lanes <= n; i += 4 * lanes) {
    s0 = hn::Add(s0, hn::LoadU(d, p + i));
    s1 = hn::Add(s1, hn::LoadU(d, p + i + lanes));
    s2 = hn::Add(s2, hn::LoadU(d, p + i + 2 * lanes));
    s3 = hn::Add(s3, hn::LoadU(d, p + i + 3 * lanes));
  }
  for (; i + lanes <= n; i += lanes) s0 = hn::Add(s0, hn::LoadU(d, p + i));
  T r = hn::GetLane(hn::SumOfLanes(d, hn::Add(hn::Add(s0, s1), hn::Add(s2, s3))));
  for (; i < n; ++i) r += p[i];
  return r;
}

void SumRowsF32(const float* in, float* out, size_t rows, size_t cols) {
  for (size_t r = 0; r < rows; ++r) out[r] = RowSum(in + r * cols, cols);
}
void SumRowsF64(const double* in, double* out, size_t rows, size_t cols) {
  for (size_t r = 0; r < rows; ++r) out[r] = RowSum(in + r * cols, cols);
}

}  // namespace tessera::cpu::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE

#include "core/parallel.h"
#include "ops/elementwise.h"
#include "ops/handles.h"

namespace tessera::cpu {

HWY_EXPORT(SumRowsF32);
HWY_EXPORT(SumRowsF64);

namespace {

template <typename T>
void sum_rows(const T* in, T* out, size_t rows, size_t cols) {
  if constexpr (std::is_same_v<T, float>) {
    HWY_DYNAMIC_DISPATCH(SumRowsF32)(in, out, rows, cols);
  } else {
    HWY_DYNAMIC_DISPATCH(SumRowsF64)(in, out, rows, cols);
  }
}

using SumSig = Tensor(const Tensor&, OptionalIntArrayRef, bool, std::optional<DType>);

// Covers a contiguous tensor of dtype T summed over its last dim or over all dims, with no
// dtype conversion asked for; everything else (and every error) is the reference's.
template <typename T>
Tensor sum_kernel(const Tensor& self, OptionalIntArrayRef dim, bool keepdim,
                  std::optional<DType> dtype) {
  const int64_t nd = self.dim();
  const bool all = !dim || dim->empty();
  const bool last = !all && dim->size() == 1 && nd > 0 && ((*dim)[0] == -1 || (*dim)[0] == nd - 1);
  if ((dtype && *dtype != dtype_of<T>) || !self.is_contiguous() || !(all || last)) {
    return ops::sum_op().typed<SumSig>().redispatch(kBackendReference, self, dim, keepdim, dtype);
  }
  Shape out_shape;
  for (int64_t d = 0; d < nd; ++d) {
    const bool reduced = all || d == nd - 1;
    if (!reduced) {
      out_shape.push_back(self.sizes()[d]);
    } else if (keepdim) {
      out_shape.push_back(1);
    }
  }
  const int64_t cols = all ? self.numel() : self.sizes()[nd - 1];
  const int64_t rows =
      all ? 1 : (cols == 0 ? checked_numel(out_shape, "sum") : self.numel() / cols);
  Tensor out = empty(out_shape, TensorOptions(dtype_of<T>, self.device()));
  const T* in = static_cast<const T*>(self.data_ptr());
  T* o = static_cast<T*>(out.data_ptr());
  // Rows split across threads (a row's sum stays on one thread, so the result does not
  // depend on the thread count); the grain counts elements, not rows.
  parallel_for(0, rows, std::max<int64_t>(1, kGrainSize / std::max<int64_t>(cols, 1)),
               [&](int64_t b, int64_t e) {
                 sum_rows<T>(in + b * cols, o + b, static_cast<size_t>(e - b),
                             static_cast<size_t>(cols));
               });
  return out;
}

}  // namespace

TSR_REGISTER {
  impl_for(ops::sum_op(), kBackendCPU, DTypeList<DType::Float32, DType::Float64>{},
           []<typename T>() { return &sum_kernel<T>; });
}

}  // namespace tessera::cpu
#endif  // HWY_ONCE
