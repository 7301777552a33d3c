// Vectorised cpu kernels for the row-wise normalisations of contiguous float32/float64
// tensors: softmax and log_softmax over the last dim, layer_norm and rms_norm over trailing
// dims, group_norm and instance_norm, and batch_norm (inference) as a per-channel scale and
// shift. Rows are split over the intra-op threads. Everything else (other dims, strides, dtype
// arguments, errors) is the reference kernel's. See Note [CPU elementwise kernels] in
// elementwise.cpp.

// Highway's per-target re-inclusion needs this order.
// clang-format off
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "backends/cpu/kernels/normalize.cpp"
#include <hwy/foreach_target.h>  // NOLINT: re-includes this file once per target
#include <hwy/highway.h>
#include <hwy/contrib/math/math-inl.h>
#include "backends/cpu/kernels/exp-inl.h"
// clang-format on

#include <cmath>
#include <limits>

HWY_BEFORE_NAMESPACE();
namespace tessera::cpu::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// The largest element of a row, NaN if there is one.
template <typename T>
HWY_INLINE T RowMax(const T* p, size_t n) {
  const hn::ScalableTag<T> d;
  const size_t lanes = hn::Lanes(d);
  auto m0 = hn::Set(d, -std::numeric_limits<T>::infinity()), m1 = m0;
  auto nan = hn::Zero(d);
  size_t i = 0;
  for (; i + 2 * lanes <= n; i += 2 * lanes) {
    const auto x0 = hn::LoadU(d, p + i), x1 = hn::LoadU(d, p + i + lanes);
    nan = hn::Or(nan, hn::VecFromMask(d, hn::Or(hn::IsNaN(x0), hn::IsNaN(x1))));
    m0 = hn::Max(m0, x0);
    m1 = hn::Max(m1, x1);
  }
  for (; i + lanes <= n; i += lanes) {
    const auto x = hn::LoadU(d, p + i);
    nan = hn::Or(nan, hn::VecFromMask(d, hn::IsNaN(x)));
    m0 = hn::Max(m0, x);
  }
  if (!hn::AllTrue(d, hn::Eq(nan, hn::Zero(d)))) return std::numeric_limits<T>::quiet_NaN();
  T m = hn::GetLane(hn::MaxOfLanes(d, hn::Max(m0, m1)));
  for (; i < n; ++i) {
    if (p[i] != p[i]) return p[i];
    m = std::max(m, p[i]);
  }
  return m;
}

// One row of softmax (out = exp(x - m) / sum) or log_softmax (out = x - m - log(sum)),
// whose max m is finite.
template <typename T>
HWY_INLINE void SoftmaxRow(const T* in, T* out, size_t n, T m, bool log) {
  const hn::ScalableTag<T> d;
  const size_t lanes = hn::Lanes(d);
  const auto vm = hn::Set(d, m);
  auto s0 = hn::Zero(d), s1 = hn::Zero(d);
  size_t i = 0;
  for (; i + 2 * lanes <= n; i += 2 * lanes) {
    const auto e0 = ExpNonPositive(d, hn::Sub(hn::LoadU(d, in + i), vm));
    const auto e1 = ExpNonPositive(d, hn::Sub(hn::LoadU(d, in + i + lanes), vm));
    s0 = hn::Add(s0, e0);
    s1 = hn::Add(s1, e1);
    if (!log) {
      hn::StoreU(e0, d, out + i);
      hn::StoreU(e1, d, out + i + lanes);
    }
  }
  for (; i + lanes <= n; i += lanes) {
    const auto e = ExpNonPositive(d, hn::Sub(hn::LoadU(d, in + i), vm));
    s0 = hn::Add(s0, e);
    if (!log) hn::StoreU(e, d, out + i);
  }
  T s = hn::GetLane(hn::SumOfLanes(d, hn::Add(s0, s1)));
  for (; i < n; ++i) {
    const T e = std::exp(in[i] - m);
    s += e;
    if (!log) out[i] = e;
  }
  i = 0;
  if (log) {
    // (x - m) - log(sum): x - m is exact near the max, so large inputs keep their digits.
    const T ls = std::log(s);
    const auto vls = hn::Set(d, ls);
    for (; i + lanes <= n; i += lanes)
      hn::StoreU(hn::Sub(hn::Sub(hn::LoadU(d, in + i), vm), vls), d, out + i);
    for (; i < n; ++i) out[i] = (in[i] - m) - ls;
  } else {
    const auto inv = hn::Set(d, T(1) / s);
    for (; i + lanes <= n; i += lanes) hn::StoreU(hn::Mul(hn::LoadU(d, out + i), inv), d, out + i);
    for (; i < n; ++i) out[i] *= T(1) / s;
  }
}

template <typename T>
HWY_INLINE T RowSum(const T* p, size_t n, T shift, bool square) {
  const hn::ScalableTag<T> d;
  const size_t lanes = hn::Lanes(d);
  const auto vs = hn::Set(d, shift);
  auto s0 = hn::Zero(d), s1 = hn::Zero(d);
  size_t i = 0;
  for (; i + 2 * lanes <= n; i += 2 * lanes) {
    const auto x0 = hn::Sub(hn::LoadU(d, p + i), vs), x1 = hn::Sub(hn::LoadU(d, p + i + lanes), vs);
    s0 = square ? hn::MulAdd(x0, x0, s0) : hn::Add(s0, x0);
    s1 = square ? hn::MulAdd(x1, x1, s1) : hn::Add(s1, x1);
  }
  for (; i + lanes <= n; i += lanes) {
    const auto x = hn::Sub(hn::LoadU(d, p + i), vs);
    s0 = square ? hn::MulAdd(x, x, s0) : hn::Add(s0, x);
  }
  T s = hn::GetLane(hn::SumOfLanes(d, hn::Add(s0, s1)));
  for (; i < n; ++i) s += square ? (p[i] - shift) * (p[i] - shift) : p[i] - shift;
  return s;
}

// out = (x - mean) * rstd * w + b over a row (layer_norm), or x * rstd * w (rms_norm, mean
// 0 and no b); w and b may be null.
template <typename T>
HWY_INLINE void NormRow(const T* in, T* out, size_t n, const T* w, const T* b, double eps,
                        bool rms) {
  const T mean = rms ? T(0) : RowSum(in, n, T(0), false) / T(n);
  const T var = RowSum(in, n, mean, true) / T(n);
  const T rstd = T(1 / std::sqrt(double(var) + eps));
  const hn::ScalableTag<T> d;
  const size_t lanes = hn::Lanes(d);
  const auto vm = hn::Set(d, mean), vr = hn::Set(d, rstd);
  size_t i = 0;
  for (; i + lanes <= n; i += lanes) {
    auto y = hn::Mul(hn::Sub(hn::LoadU(d, in + i), vm), vr);
    if (w) y = hn::Mul(y, hn::LoadU(d, w + i));
    if (b) y = hn::Add(y, hn::LoadU(d, b + i));
    hn::StoreU(y, d, out + i);
  }
  for (; i < n; ++i) {
    T y = (in[i] - mean) * rstd;
    if (w) y *= w[i];
    if (b) y += b[i];
    out[i] = y;
  }
}

// out = (x - mean) * scale + shift over a plane (the mean subtracted first, as the
// reference: folding it into shift would cancel badly when scale is large).
template <typename T>
HWY_INLINE void AffinePlane(const T* in, T* out, size_t n, T mean, T scale, T shift) {
  const hn::ScalableTag<T> d;
  const size_t lanes = hn::Lanes(d);
  const auto vm = hn::Set(d, mean), vs = hn::Set(d, scale), vb = hn::Set(d, shift);
  size_t i = 0;
  for (; i + lanes <= n; i += lanes)
    hn::StoreU(hn::MulAdd(hn::Sub(hn::LoadU(d, in + i), vm), vs, vb), d, out + i);
  for (; i < n; ++i) out[i] = std::fma(in[i] - mean, scale, shift);
}

// group_norm over rows of per_group channels of spatial elements: each row's mean and
// variance, then per channel x * scale + shift with the channel's weight and bias folded
// in. Row r is group r % groups.
template <typename T>
HWY_INLINE void GroupNormRow(const T* in, T* out, size_t per_group, size_t spatial,
                             size_t first_channel, const T* w, const T* b, double eps) {
  const size_t n = per_group * spatial;
  const T mean = RowSum(in, n, T(0), false) / T(n);
  const T var = RowSum(in, n, mean, true) / T(n);
  const double rstd = 1 / std::sqrt(double(var) + eps);
  for (size_t c = 0; c < per_group; ++c) {
    const size_t ch = first_channel + c;
    const double scale = rstd * (w ? double(w[ch]) : 1.0);
    AffinePlane(in + c * spatial, out + c * spatial, spatial, mean, T(scale), b ? b[ch] : T(0));
  }
}

#define TSR_NORMALIZE_ENTRIES(T, F)                                                                \
  void SoftmaxRows##F(const T* in, T* out, size_t rows, size_t n, bool log) {                      \
    for (size_t r = 0; r < rows; ++r) {                                                            \
      const T* x = in + r * n;                                                                     \
      T* y = out + r * n;                                                                          \
      const T m = RowMax(x, n);                                                                    \
      if (std::isfinite(m)) {                                                                      \
        SoftmaxRow(x, y, n, m, log);                                                               \
      } else { /* a NaN or infinite max makes the reference's sum NaN */                           \
        for (size_t j = 0; j < n; ++j) y[j] = std::numeric_limits<T>::quiet_NaN();                 \
      }                                                                                            \
    }                                                                                              \
  }                                                                                                \
  void NormRows##F(const T* in, T* out, size_t rows, size_t n, const T* w, const T* b, double eps, \
                   bool rms) {                                                                     \
    for (size_t r = 0; r < rows; ++r) NormRow(in + r * n, out + r * n, n, w, b, eps, rms);         \
  }                                                                                                \
  void GroupNormRows##F(const T* in, T* out, size_t rows, size_t first_row, size_t groups,         \
                        size_t per_group, size_t spatial, const T* w, const T* b, double eps) {    \
    const size_t n = per_group * spatial;                                                          \
    for (size_t r = 0; r < rows; ++r) {                                                            \
      const size_t g = (first_row + r) % groups;                                                   \
      GroupNormRow(in + r * n, out + r * n, per_group, spatial, g * per_group, w, b, eps);         \
    }                                                                                              \
  }                                                                                                \
  void AffinePlanes##F(const T* in, T* out, size_t planes, size_t n, size_t channels,              \
                       size_t first, const T* mean, const T* scale, const T* shift) {              \
    for (size_t p = 0; p < planes; ++p) {                                                          \
      const size_t c = (first + p) % channels;                                                     \
      AffinePlane(in + p * n, out + p * n, n, mean[c], scale[c], shift[c]);                        \
    }                                                                                              \
  }
TSR_NORMALIZE_ENTRIES(float, F32)
TSR_NORMALIZE_ENTRIES(double, F64)
#undef TSR_NORMALIZE_ENTRIES

}  // namespace tessera::cpu::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE

#include <vector>

#include "core/parallel.h"
#include "ops/elementwise.h"
#include "ops/handles.h"

namespace tessera::cpu {

HWY_EXPORT(SoftmaxRowsF32);
HWY_EXPORT(SoftmaxRowsF64);
HWY_EXPORT(NormRowsF32);
HWY_EXPORT(NormRowsF64);
HWY_EXPORT(GroupNormRowsF32);
HWY_EXPORT(GroupNormRowsF64);
HWY_EXPORT(AffinePlanesF32);
HWY_EXPORT(AffinePlanesF64);

namespace {

template <typename T>
constexpr bool kF32 = std::is_same_v<T, float>;

int64_t rows_grain(int64_t n) {
  return std::max<int64_t>(1, kGrainSize / std::max<int64_t>(n, 1));
}

// The data of an optional parameter when it is a contiguous 1-D tensor of n elements of
// dtype T (null when absent); false when the vector kernel does not take it.
template <typename T>
bool param_data(const std::optional<Tensor>& t, int64_t n, const T*& data) {
  data = nullptr;
  if (!t || !t->defined()) return true;
  if (t->dtype() != dtype_of<T> || t->dim() != 1 || t->numel() != n || !t->is_contiguous())
    return false;
  data = static_cast<const T*>(t->data_ptr());
  return true;
}

using SoftmaxSig = Tensor(const Tensor&, int64_t, std::optional<DType>);

template <typename T>
Tensor softmax_kernel(const Tensor& self, int64_t dim, std::optional<DType> dtype, bool log) {
  const int64_t nd = self.dim();
  const bool last = nd > 0 && (dim == -1 || dim == nd - 1);
  if ((dtype && *dtype != dtype_of<T>) || !last || !self.is_contiguous() || self.numel() == 0) {
    return (log ? ops::log_softmax_op() : ops::softmax_op())
        .typed<SoftmaxSig>()
        .redispatch(kBackendReference, self, dim, dtype);
  }
  Tensor out = empty(self.sizes(), TensorOptions(dtype_of<T>, self.device()));
  const int64_t n = self.size(-1), rows = self.numel() / n;
  const T* in = static_cast<const T*>(self.data_ptr());
  T* o = static_cast<T*>(out.data_ptr());
  parallel_for(0, rows, rows_grain(3 * n), [&](int64_t r0, int64_t r1) {
    const size_t count = static_cast<size_t>(r1 - r0), k = static_cast<size_t>(n);
    if constexpr (kF32<T>) {
      HWY_DYNAMIC_DISPATCH(SoftmaxRowsF32)(in + r0 * n, o + r0 * n, count, k, log);
    } else {
      HWY_DYNAMIC_DISPATCH(SoftmaxRowsF64)(in + r0 * n, o + r0 * n, count, k, log);
    }
  });
  return out;
}

template <typename T>
void norm_rows(const T* in, T* out, int64_t rows, int64_t n, const T* w, const T* b, double eps,
               bool rms) {
  parallel_for(0, rows, rows_grain(3 * n), [&](int64_t r0, int64_t r1) {
    const size_t count = static_cast<size_t>(r1 - r0), k = static_cast<size_t>(n);
    if constexpr (kF32<T>) {
      HWY_DYNAMIC_DISPATCH(NormRowsF32)(in + r0 * n, out + r0 * n, count, k, w, b, eps, rms);
    } else {
      HWY_DYNAMIC_DISPATCH(NormRowsF64)(in + r0 * n, out + r0 * n, count, k, w, b, eps, rms);
    }
  });
}

// The row length of normalising the trailing normalized_shape of input, or 0 when the
// vector kernel does not cover the call.
template <typename T>
int64_t trailing_rows(const Tensor& input, IntArrayRef normalized_shape) {
  const auto k = static_cast<int64_t>(normalized_shape.size());
  if (input.dtype() != dtype_of<T> || !input.is_contiguous() || k == 0 || k > input.dim() ||
      input.numel() == 0)
    return 0;
  int64_t n = 1;
  for (int64_t i = 0; i < k; ++i) {
    if (input.size(input.dim() - k + i) != normalized_shape[static_cast<size_t>(i)]) return 0;
    n *= normalized_shape[static_cast<size_t>(i)];
  }
  return n;
}

template <typename T>
Tensor layer_norm_kernel(const Tensor& input, IntArrayRef normalized_shape,
                         const std::optional<Tensor>& weight, const std::optional<Tensor>& bias,
                         double eps) {
  const int64_t n = trailing_rows<T>(input, normalized_shape);
  const T *w, *b;
  if (n == 0 || !param_data(weight, n, w) || !param_data(bias, n, b)) {
    return ops::layer_norm_op()
        .typed<Tensor(const Tensor&, IntArrayRef, const std::optional<Tensor>&,
                      const std::optional<Tensor>&, double)>()
        .redispatch(kBackendReference, input, normalized_shape, weight, bias, eps);
  }
  Tensor out = empty(input.sizes(), TensorOptions(dtype_of<T>, input.device()));
  norm_rows<T>(static_cast<const T*>(input.data_ptr()), static_cast<T*>(out.data_ptr()),
               input.numel() / n, n, w, b, eps, false);
  return out;
}

template <typename T>
Tensor rms_norm_kernel(const Tensor& input, IntArrayRef normalized_shape,
                       const std::optional<Tensor>& weight, std::optional<double> eps) {
  const int64_t n = trailing_rows<T>(input, normalized_shape);
  const T* w;
  if (n == 0 || !param_data(weight, n, w)) {
    return ops::rms_norm_op()
        .typed<Tensor(const Tensor&, IntArrayRef, const std::optional<Tensor>&,
                      std::optional<double>)>()
        .redispatch(kBackendReference, input, normalized_shape, weight, eps);
  }
  Tensor out = empty(input.sizes(), TensorOptions(dtype_of<T>, input.device()));
  // The default eps is the dtype's machine epsilon, as torch.nn.functional.rms_norm.
  norm_rows<T>(static_cast<const T*>(input.data_ptr()), static_cast<T*>(out.data_ptr()),
               input.numel() / n, n, w, nullptr, eps ? *eps : epsilon(dtype_of<T>), true);
  return out;
}

template <typename T>
Tensor group_norm_impl(const Tensor& input, int64_t groups, const std::optional<Tensor>& weight,
                       const std::optional<Tensor>& bias, double eps, bool instance) {
  const int64_t c = input.dim() >= 2 ? input.size(1) : 0;
  const T *w, *b;
  const bool covered = c > 0 && groups > 0 && c % groups == 0 && input.dtype() == dtype_of<T> &&
                       input.is_contiguous() && input.numel() > 0 && param_data(weight, c, w) &&
                       param_data(bias, c, b);
  if (!covered) {
    if (instance) {
      return ops::instance_norm_op()
          .typed<Tensor(const Tensor&, const std::optional<Tensor>&, const std::optional<Tensor>&,
                        double)>()
          .redispatch(kBackendReference, input, weight, bias, eps);
    }
    return ops::group_norm_op()
        .typed<Tensor(const Tensor&, int64_t, const std::optional<Tensor>&,
                      const std::optional<Tensor>&, double)>()
        .redispatch(kBackendReference, input, groups, weight, bias, eps);
  }
  const int64_t spatial = input.numel() / (input.size(0) * c), per_group = c / groups;
  const int64_t rows = input.size(0) * groups, n = per_group * spatial;
  Tensor out = empty(input.sizes(), TensorOptions(dtype_of<T>, input.device()));
  const T* in = static_cast<const T*>(input.data_ptr());
  T* o = static_cast<T*>(out.data_ptr());
  parallel_for(0, rows, rows_grain(3 * n), [&](int64_t r0, int64_t r1) {
    const auto args =
        std::make_tuple(in + r0 * n, o + r0 * n, static_cast<size_t>(r1 - r0),
                        static_cast<size_t>(r0), static_cast<size_t>(groups),
                        static_cast<size_t>(per_group), static_cast<size_t>(spatial), w, b, eps);
    if constexpr (kF32<T>) {
      std::apply(HWY_DYNAMIC_DISPATCH(GroupNormRowsF32), args);
    } else {
      std::apply(HWY_DYNAMIC_DISPATCH(GroupNormRowsF64), args);
    }
  });
  return out;
}

template <typename T>
Tensor batch_norm_kernel(const Tensor& input, const std::optional<Tensor>& weight,
                         const std::optional<Tensor>& bias,
                         const std::optional<Tensor>& running_mean,
                         const std::optional<Tensor>& running_var, bool training, double momentum,
                         double eps) {
  const int64_t c = input.dim() >= 2 ? input.size(1) : 0;
  const T *w, *b, *mean, *var;
  const bool covered = !training && c > 0 && input.dtype() == dtype_of<T> &&
                       input.is_contiguous() && input.numel() > 0 && param_data(weight, c, w) &&
                       param_data(bias, c, b) && running_mean && running_mean->defined() &&
                       running_var && running_var->defined() && param_data(running_mean, c, mean) &&
                       param_data(running_var, c, var);
  if (!covered) {
    return ops::batch_norm_op()
        .typed<Tensor(const Tensor&, const std::optional<Tensor>&, const std::optional<Tensor>&,
                      const std::optional<Tensor>&, const std::optional<Tensor>&, bool, double,
                      double)>()
        .redispatch(kBackendReference, input, weight, bias, running_mean, running_var, training,
                    momentum, eps);
  }
  // y = (x - mean) * scale + b with scale = w / sqrt(var + eps) per channel, in double.
  std::vector<T> scale(static_cast<size_t>(c)), shift(static_cast<size_t>(c));
  for (int64_t ch = 0; ch < c; ++ch) {
    scale[static_cast<size_t>(ch)] =
        T((w ? double(w[ch]) : 1.0) / std::sqrt(double(var[ch]) + eps));
    shift[static_cast<size_t>(ch)] = b ? b[ch] : T(0);
  }
  Tensor out = empty(input.sizes(), TensorOptions(dtype_of<T>, input.device()));
  const int64_t spatial = input.numel() / (input.size(0) * c), planes = input.size(0) * c;
  const T* in = static_cast<const T*>(input.data_ptr());
  T* o = static_cast<T*>(out.data_ptr());
  parallel_for(0, planes, rows_grain(spatial), [&](int64_t p0, int64_t p1) {
    const auto args =
        std::make_tuple(in + p0 * spatial, o + p0 * spatial, static_cast<size_t>(p1 - p0),
                        static_cast<size_t>(spatial), static_cast<size_t>(c),
                        static_cast<size_t>(p0), mean, scale.data(), shift.data());
    if constexpr (kF32<T>) {
      std::apply(HWY_DYNAMIC_DISPATCH(AffinePlanesF32), args);
    } else {
      std::apply(HWY_DYNAMIC_DISPATCH(AffinePlanesF64), args);
    }
  });
  return out;
}

}  // namespace

TSR_REGISTER {
  using F = DTypeList<DType::Float32, DType::Float64>;
  impl_for(ops::softmax_op(), kBackendCPU, F{}, []<typename T>() {
    return +[](const Tensor& s, int64_t d, std::optional<DType> t) {
      return softmax_kernel<T>(s, d, t, false);
    };
  });
  impl_for(ops::log_softmax_op(), kBackendCPU, F{}, []<typename T>() {
    return +[](const Tensor& s, int64_t d, std::optional<DType> t) {
      return softmax_kernel<T>(s, d, t, true);
    };
  });
  impl_for(ops::layer_norm_op(), kBackendCPU, F{},
           []<typename T>() { return &layer_norm_kernel<T>; });
  impl_for(ops::rms_norm_op(), kBackendCPU, F{}, []<typename T>() { return &rms_norm_kernel<T>; });
  impl_for(ops::batch_norm_op(), kBackendCPU, F{},
           []<typename T>() { return &batch_norm_kernel<T>; });
  impl_for(ops::group_norm_op(), kBackendCPU, F{}, []<typename T>() {
    return +[](const Tensor& x, int64_t g, const std::optional<Tensor>& w,
               const std::optional<Tensor>& b,
               double eps) { return group_norm_impl<T>(x, g, w, b, eps, false); };
  });
  impl_for(ops::instance_norm_op(), kBackendCPU, F{}, []<typename T>() {
    return +[](const Tensor& x, const std::optional<Tensor>& w, const std::optional<Tensor>& b,
               double eps) {
      return group_norm_impl<T>(x, x.dim() >= 2 ? x.size(1) : 0, w, b, eps, true);
    };
  });
}

}  // namespace tessera::cpu
#endif  // HWY_ONCE
