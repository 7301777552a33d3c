// Vectorised cpu kernels for float32/float64 elementwise arithmetic (Highway, with the
// instruction set chosen at run time), split over the intra-op threads above kGrainSize
// elements; the unary math ops are in unary.cpp. Contiguous inputs of one shape, one of
// them a single element, or one a row broadcast along the other's leading dims take the
// vector loops; every other case is handed to the reference kernel. See Note [CPU elementwise kernels].
//
// Note [CPU elementwise kernels]
// Each kernel here is registered for (op, cpu, float32|float64) and covers the cases that
// dominate real use: contiguous operands, same shape or scalar. The reference kernels in
// src/ops stay the definition of the op: anything else (broadcasts, strides, mixed dtypes,
// rounding modes) is redispatched to them, and tests/backends/cpu_kernels_test.cpp checks
// each kernel against its reference on sizes that exercise the vector tails. Transcendental
// functions use Highway's contrib/math; lanes outside its accurate range (infinities,
// NaN, subnormals, overflow) are recomputed with the C library so that special values
// match PyTorch exactly.

// Highway's per-target re-inclusion needs this order.
// clang-format off
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "backends/cpu/kernels/elementwise.cpp"
#include <hwy/foreach_target.h>  // NOLINT: re-includes this file once per target
#include <hwy/highway.h>
// clang-format on

#include <cmath>
#include <limits>

HWY_BEFORE_NAMESPACE();
namespace tessera::cpu::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

enum class Binary { Add, Sub, Mul, Div };

// out[i] = a[i] op alpha*b[i]; a_step/b_step are 1, or 0 for a broadcast scalar.
template <Binary Op, typename T>
HWY_INLINE void BinaryLoop(const T* a, size_t a_step, const T* b, size_t b_step, T alpha, T* out,
                           size_t n) {
  const hn::ScalableTag<T> d;
  const size_t lanes = hn::Lanes(d);
  const auto valpha = hn::Set(d, alpha);
  auto load = [&](const T* p, size_t step, size_t i) {
    return step ? hn::LoadU(d, p + i) : hn::Set(d, p[0]);
  };
  auto apply = [&](auto x, auto y) {
    if constexpr (Op == Binary::Add) return hn::MulAdd(valpha, y, x);
    if constexpr (Op == Binary::Sub) return hn::NegMulAdd(valpha, y, x);
    if constexpr (Op == Binary::Mul) return hn::Mul(x, y);
    if constexpr (Op == Binary::Div) return hn::Div(x, y);
  };
  size_t i = 0;
  for (; i + lanes <= n; i += lanes)
    hn::StoreU(apply(load(a, a_step, i), load(b, b_step, i)), d, out + i);
  for (; i < n; ++i) {  // the tail, with the same fused arithmetic
    const T x = a[a_step * i], y = b[b_step * i];
    if constexpr (Op == Binary::Add) out[i] = std::fma(alpha, y, x);
    if constexpr (Op == Binary::Sub) out[i] = std::fma(-alpha, y, x);
    if constexpr (Op == Binary::Mul) out[i] = x * y;
    if constexpr (Op == Binary::Div) out[i] = x / y;
  }
}

#define TSR_BINARY_ENTRY(Name, Op, T)                                                  \
  void Name(const T* a, size_t as, const T* b, size_t bs, T alpha, T* out, size_t n) { \
    BinaryLoop<Binary::Op, T>(a, as, b, bs, alpha, out, n);                            \
  }
TSR_BINARY_ENTRY(AddF32, Add, float)
TSR_BINARY_ENTRY(SubF32, Sub, float)
TSR_BINARY_ENTRY(MulF32, Mul, float)
TSR_BINARY_ENTRY(DivF32, Div, float)
TSR_BINARY_ENTRY(AddF64, Add, double)
TSR_BINARY_ENTRY(SubF64, Sub, double)
TSR_BINARY_ENTRY(MulF64, Mul, double)
TSR_BINARY_ENTRY(DivF64, Div, double)
#undef TSR_BINARY_ENTRY

}  // namespace tessera::cpu::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE

#include "api/functions.h"
#include "core/parallel.h"
#include "ops/elementwise.h"
#include "ops/handles.h"

namespace tessera::cpu {

template <typename T>
using BinaryFn = void (*)(const T*, size_t, const T*, size_t, T, T*, size_t);

// One exported entry and one dispatching wrapper per (op, type): the wrapper calls the
// best target this machine supports.
#define TSR_EXPORT_BINARY(Name, T)                                                          \
  HWY_EXPORT(Name);                                                                         \
  void Name##_best(const T* a, size_t as, const T* b, size_t bs, T alpha, T* o, size_t n) { \
    HWY_DYNAMIC_DISPATCH(Name)(a, as, b, bs, alpha, o, n);                                  \
  }
TSR_EXPORT_BINARY(AddF32, float)
TSR_EXPORT_BINARY(SubF32, float)
TSR_EXPORT_BINARY(MulF32, float)
TSR_EXPORT_BINARY(DivF32, float)
TSR_EXPORT_BINARY(AddF64, double)
TSR_EXPORT_BINARY(SubF64, double)
TSR_EXPORT_BINARY(MulF64, double)
TSR_EXPORT_BINARY(DivF64, double)

namespace {

// The vector entry points of an element type.
template <typename T>
struct Vec;
template <>
struct Vec<float> {
  static constexpr BinaryFn<float> add = &AddF32_best, sub = &SubF32_best, mul = &MulF32_best,
                                   div = &DivF32_best;
};
template <>
struct Vec<double> {
  static constexpr BinaryFn<double> add = &AddF64_best, sub = &SubF64_best, mul = &MulF64_best,
                                    div = &DivF64_best;
};
using VecDTypes = DTypeList<DType::Float32, DType::Float64>;

// The elements of small when its shape is the trailing dims of big's (small having no more
// dims than big): big is then rows of that many elements, each combined with small, as a
// bias added to [batch, seq, hidden]. 0 otherwise.
int64_t row_broadcast(const Tensor& big, const Tensor& small) {
  if (small.dim() > big.dim() || small.numel() <= 1) return 0;
  int64_t lead = 0;  // small's leading 1s broadcast like the rows
  while (small.size(lead) == 1) ++lead;
  for (int64_t i = 1; i <= small.dim() - lead; ++i) {
    if (small.size(-i) != big.size(-i)) return 0;
  }
  return small.numel();
}

// The vector loop for contiguous operands of dtype T: same shape, one a single element (a
// scalar or a wrapped number) whose shape broadcasts into the other's, or one a row
// broadcast along the other's leading dims. Returns an undefined tensor when the case is
// not covered.
// A few elements are done inline: the vector call would cost more than the work.
constexpr int64_t kInlineElements = 8;

template <typename T, typename Scalar>
Tensor try_binary(const Tensor& a, const Tensor& b, T alpha, BinaryFn<T> fn, Scalar scalar) {
  if (a.dtype() != dtype_of<T> || b.dtype() != dtype_of<T> || !a.is_contiguous() ||
      !b.is_contiguous())
    return {};
  const bool same = a.sizes().equals(b.sizes());
  const bool a_scalar = !same && a.numel() == 1 && a.dim() <= b.dim();
  const bool b_scalar = !same && b.numel() == 1 && b.dim() <= a.dim();
  const int64_t a_row = same || a_scalar || b_scalar ? 0 : row_broadcast(b, a);
  const int64_t b_row = same || a_scalar || b_scalar || a_row ? 0 : row_broadcast(a, b);
  if (!same && !a_scalar && !b_scalar && !a_row && !b_row) return {};
  const Tensor& big = a_scalar || a_row ? b : a;
  Tensor out = empty(big.sizes(), TensorOptions(dtype_of<T>, output_device({&a, &b})));
  const T* pa = static_cast<const T*>(a.data_ptr());
  const T* pb = static_cast<const T*>(b.data_ptr());
  T* po = static_cast<T*>(out.data_ptr());
  const int64_t n = out.numel();
  if (a_row || b_row) {
    // Rows of the big operand, each with the whole small one.
    const int64_t w = a_row + b_row;
    parallel_for(0, n / w, std::max<int64_t>(1, kGrainSize / w), [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        fn(pa + (a_row ? 0 : r * w), 1, pb + (b_row ? 0 : r * w), 1, alpha, po + r * w,
           static_cast<size_t>(w));
      }
    });
    return out;
  }
  if (n <= kInlineElements) {
    for (int64_t i = 0; i < n; ++i)
      po[i] = scalar(pa[a_scalar ? 0 : i], pb[b_scalar ? 0 : i], alpha);
    return out;
  }
  parallel_for(0, n, kGrainSize, [&](int64_t begin, int64_t end) {
    fn(pa + (a_scalar ? 0 : begin), a_scalar ? 0 : 1, pb + (b_scalar ? 0 : begin), b_scalar ? 0 : 1,
       alpha, po + begin, static_cast<size_t>(end - begin));
  });
  return out;
}

using AlphaSig = Tensor(const Tensor&, const Tensor&, const Scalar&);
using PlainSig = Tensor(const Tensor&, const Tensor&);
using DivSig = Tensor(const Tensor&, const Tensor&, std::optional<std::string_view>);

// add and sub: a complex or bool alpha is left to the reference kernel, which reports it.
template <typename T, BinaryFn<T> Fn, typename S>
Tensor alpha_kernel(const Tensor& a, const Tensor& b, const Scalar& alpha,
                    const TypedOperatorHandle<AlphaSig>& op, S scalar) {
  if (alpha.is_integral() || alpha.is_floating()) {
    if (Tensor out = try_binary<T>(a, b, alpha.to<T>(), Fn, scalar); out.defined()) return out;
  }
  return op.redispatch(kBackendReference, a, b, alpha);
}

template <typename T>
Tensor add_kernel(const Tensor& a, const Tensor& b, const Scalar& alpha) {
  static const auto op = ops::add_op().typed<AlphaSig>();
  return alpha_kernel<T, Vec<T>::add>(a, b, alpha, op,
                                      [](T x, T y, T al) { return std::fma(al, y, x); });
}

template <typename T>
Tensor sub_kernel(const Tensor& a, const Tensor& b, const Scalar& alpha) {
  static const auto op = ops::sub_op().typed<AlphaSig>();
  return alpha_kernel<T, Vec<T>::sub>(a, b, alpha, op,
                                      [](T x, T y, T al) { return std::fma(-al, y, x); });
}

template <typename T>
Tensor mul_kernel(const Tensor& a, const Tensor& b) {
  static const auto op = ops::mul_op().typed<PlainSig>();
  if (Tensor out = try_binary<T>(a, b, T(1), Vec<T>::mul, [](T x, T y, T) { return x * y; });
      out.defined())
    return out;
  return op.redispatch(kBackendReference, a, b);
}

template <typename T>
Tensor div_kernel(const Tensor& a, const Tensor& b, std::optional<std::string_view> mode) {
  static const auto op = ops::div_op().typed<DivSig>();
  if (!mode) {
    if (Tensor out = try_binary<T>(a, b, T(1), Vec<T>::div, [](T x, T y, T) { return x / y; });
        out.defined())
      return out;
  }
  return op.redispatch(kBackendReference, a, b, mode);
}

}  // namespace

TSR_REGISTER {
  impl_for(ops::add_op(), kBackendCPU, VecDTypes{}, []<typename T>() { return &add_kernel<T>; });
  impl_for(ops::sub_op(), kBackendCPU, VecDTypes{}, []<typename T>() { return &sub_kernel<T>; });
  impl_for(ops::mul_op(), kBackendCPU, VecDTypes{}, []<typename T>() { return &mul_kernel<T>; });
  impl_for(ops::div_op(), kBackendCPU, VecDTypes{}, []<typename T>() { return &div_kernel<T>; });
}

}  // namespace tessera::cpu
#endif  // HWY_ONCE
