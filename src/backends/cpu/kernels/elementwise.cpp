// Vectorised cpu kernels for float32/float64 elementwise arithmetic, math and activations
// (Highway, with the instruction set chosen at run time), split over the intra-op threads
// above kGrainSize elements. Contiguous inputs of one shape, or one of
// them a single element, take the vector loops; every other case is handed to the
// reference kernel. See Note [CPU elementwise kernels].
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
#include <hwy/contrib/math/math-inl.h>
// clang-format on

#include <cmath>
#include <limits>

HWY_BEFORE_NAMESPACE();
namespace tessera::cpu::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

enum class Binary { Add, Sub, Mul, Div };
enum class Unary { Exp, Log, Sqrt, Neg, Abs, Sigmoid, Tanh, Relu, Silu };

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

template <Unary Op, typename T>
HWY_INLINE T ScalarUnary(T x) {
  if constexpr (Op == Unary::Exp) return std::exp(x);
  if constexpr (Op == Unary::Log) return std::log(x);
  if constexpr (Op == Unary::Sqrt) return std::sqrt(x);
  if constexpr (Op == Unary::Neg) return -x;
  if constexpr (Op == Unary::Abs) return std::fabs(x);
  // The formulas of the reference kernels (ops/unary.cpp).
  if constexpr (Op == Unary::Sigmoid) return T(1) / (T(1) + std::exp(-x));
  if constexpr (Op == Unary::Tanh) return std::tanh(x);
  if constexpr (Op == Unary::Relu) return x > T(0) || x != x ? x : T(0);
  if constexpr (Op == Unary::Silu) return x / (T(1) + std::exp(-x));
}

template <Unary Op, typename T>
HWY_INLINE void UnaryLoop(const T* in, T* out, size_t n) {
  const hn::ScalableTag<T> d;
  const size_t lanes = hn::Lanes(d);
  // The range where Highway's Exp and Log are accurate; other lanes go to the C library.
  // (exp-based ones: |x| <= 80; log: the positive normal numbers).
  constexpr bool kLog = Op == Unary::Log;
  const auto lo = hn::Set(d, kLog ? std::numeric_limits<T>::min() : T(-80));
  const auto hi = hn::Set(d, kLog ? std::numeric_limits<T>::max() : T(80));
  const auto one = hn::Set(d, T(1));
  const auto zero = hn::Zero(d);
  auto apply = [&](auto x) {
    if constexpr (Op == Unary::Exp) return hn::Exp(d, x);
    if constexpr (Op == Unary::Log) return hn::Log(d, x);
    if constexpr (Op == Unary::Sqrt) return hn::Sqrt(x);
    if constexpr (Op == Unary::Neg) return hn::Neg(x);
    if constexpr (Op == Unary::Abs) return hn::Abs(x);
    if constexpr (Op == Unary::Sigmoid) return hn::Div(one, hn::Add(one, hn::Exp(d, hn::Neg(x))));
    if constexpr (Op == Unary::Tanh) return hn::Tanh(d, x);
    if constexpr (Op == Unary::Relu) return hn::IfThenElse(hn::Lt(x, zero), zero, x);
    if constexpr (Op == Unary::Silu) return hn::Div(x, hn::Add(one, hn::Exp(d, hn::Neg(x))));
  };
  constexpr bool kRanged = Op == Unary::Exp || Op == Unary::Log || Op == Unary::Sigmoid ||
                           Op == Unary::Tanh || Op == Unary::Silu;
  size_t i = 0;
  for (; i + lanes <= n; i += lanes) {
    const auto x = hn::LoadU(d, in + i);
    hn::StoreU(apply(x), d, out + i);
    if constexpr (kRanged) {
      // Not (lo <= x <= hi), NaN included.
      const auto inside = hn::And(hn::Ge(x, lo), hn::Le(x, hi));
      if (!hn::AllTrue(d, inside)) {
        for (size_t j = i; j < i + lanes; ++j) out[j] = ScalarUnary<Op>(in[j]);
      }
    }
  }
  for (; i < n; ++i) out[i] = ScalarUnary<Op>(in[i]);
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

#define TSR_UNARY_ENTRY(Name, Op, T)         \
  void Name(const T* in, T* out, size_t n) { \
    UnaryLoop<Unary::Op, T>(in, out, n);     \
  }
TSR_UNARY_ENTRY(ExpF32, Exp, float)
TSR_UNARY_ENTRY(LogF32, Log, float)
TSR_UNARY_ENTRY(SqrtF32, Sqrt, float)
TSR_UNARY_ENTRY(NegF32, Neg, float)
TSR_UNARY_ENTRY(AbsF32, Abs, float)
TSR_UNARY_ENTRY(SigmoidF32, Sigmoid, float)
TSR_UNARY_ENTRY(TanhF32, Tanh, float)
TSR_UNARY_ENTRY(ReluF32, Relu, float)
TSR_UNARY_ENTRY(SiluF32, Silu, float)
TSR_UNARY_ENTRY(ExpF64, Exp, double)
TSR_UNARY_ENTRY(LogF64, Log, double)
TSR_UNARY_ENTRY(SqrtF64, Sqrt, double)
TSR_UNARY_ENTRY(NegF64, Neg, double)
TSR_UNARY_ENTRY(AbsF64, Abs, double)
TSR_UNARY_ENTRY(SigmoidF64, Sigmoid, double)
TSR_UNARY_ENTRY(TanhF64, Tanh, double)
TSR_UNARY_ENTRY(ReluF64, Relu, double)
TSR_UNARY_ENTRY(SiluF64, Silu, double)
#undef TSR_UNARY_ENTRY

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
template <typename T>
using UnaryFn = void (*)(const T*, T*, size_t);

// One exported entry and one dispatching wrapper per (op, type): the wrapper calls the
// best target this machine supports.
#define TSR_EXPORT_BINARY(Name, T)                                                          \
  HWY_EXPORT(Name);                                                                         \
  void Name##_best(const T* a, size_t as, const T* b, size_t bs, T alpha, T* o, size_t n) { \
    HWY_DYNAMIC_DISPATCH(Name)(a, as, b, bs, alpha, o, n);                                  \
  }
#define TSR_EXPORT_UNARY(Name, T)                   \
  HWY_EXPORT(Name);                                 \
  void Name##_best(const T* in, T* out, size_t n) { \
    HWY_DYNAMIC_DISPATCH(Name)(in, out, n);         \
  }
TSR_EXPORT_BINARY(AddF32, float)
TSR_EXPORT_BINARY(SubF32, float)
TSR_EXPORT_BINARY(MulF32, float)
TSR_EXPORT_BINARY(DivF32, float)
TSR_EXPORT_BINARY(AddF64, double)
TSR_EXPORT_BINARY(SubF64, double)
TSR_EXPORT_BINARY(MulF64, double)
TSR_EXPORT_BINARY(DivF64, double)
TSR_EXPORT_UNARY(ExpF32, float)
TSR_EXPORT_UNARY(LogF32, float)
TSR_EXPORT_UNARY(SqrtF32, float)
TSR_EXPORT_UNARY(NegF32, float)
TSR_EXPORT_UNARY(AbsF32, float)
TSR_EXPORT_UNARY(SigmoidF32, float)
TSR_EXPORT_UNARY(TanhF32, float)
TSR_EXPORT_UNARY(ReluF32, float)
TSR_EXPORT_UNARY(SiluF32, float)
TSR_EXPORT_UNARY(ExpF64, double)
TSR_EXPORT_UNARY(LogF64, double)
TSR_EXPORT_UNARY(SqrtF64, double)
TSR_EXPORT_UNARY(NegF64, double)
TSR_EXPORT_UNARY(AbsF64, double)
TSR_EXPORT_UNARY(SigmoidF64, double)
TSR_EXPORT_UNARY(TanhF64, double)
TSR_EXPORT_UNARY(ReluF64, double)
TSR_EXPORT_UNARY(SiluF64, double)
#undef TSR_EXPORT_BINARY
#undef TSR_EXPORT_UNARY

namespace {

// The vector entry points of an element type.
template <typename T>
struct Vec;
template <>
struct Vec<float> {
  static constexpr BinaryFn<float> add = &AddF32_best, sub = &SubF32_best, mul = &MulF32_best,
                                   div = &DivF32_best;
  static constexpr UnaryFn<float> exp = &ExpF32_best, log = &LogF32_best, sqrt = &SqrtF32_best,
                                  neg = &NegF32_best, abs = &AbsF32_best,
                                  sigmoid = &SigmoidF32_best, tanh = &TanhF32_best,
                                  relu = &ReluF32_best, silu = &SiluF32_best;
};
template <>
struct Vec<double> {
  static constexpr BinaryFn<double> add = &AddF64_best, sub = &SubF64_best, mul = &MulF64_best,
                                    div = &DivF64_best;
  static constexpr UnaryFn<double> exp = &ExpF64_best, log = &LogF64_best, sqrt = &SqrtF64_best,
                                   neg = &NegF64_best, abs = &AbsF64_best,
                                   sigmoid = &SigmoidF64_best, tanh = &TanhF64_best,
                                   relu = &ReluF64_best, silu = &SiluF64_best;
};
using VecDTypes = DTypeList<DType::Float32, DType::Float64>;

// The vector loop for contiguous operands of dtype T: same shape, or one a single element
// (a scalar or a wrapped number) whose shape broadcasts into the other's. Returns an
// undefined tensor when the case is not covered.
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
  if (!same && !a_scalar && !b_scalar) return {};
  const Tensor& big = a_scalar ? b : a;
  Tensor out = empty(big.sizes(), TensorOptions(dtype_of<T>, output_device({&a, &b})));
  const T* pa = static_cast<const T*>(a.data_ptr());
  const T* pb = static_cast<const T*>(b.data_ptr());
  T* po = static_cast<T*>(out.data_ptr());
  const int64_t n = out.numel();
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
using UnarySig = Tensor(const Tensor&);

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

// Unary ops named by their op; contiguous float inputs only.
template <typename T, UnaryFn<T> Fn>
Tensor unary_kernel(const Tensor& a, OperatorHandle handle) {
  if (a.dtype() != dtype_of<T> || !a.is_contiguous()) {
    return handle.typed<UnarySig>().redispatch(kBackendReference, a);
  }
  Tensor out = empty(a.sizes(), TensorOptions(dtype_of<T>, a.device()));
  const T* in = static_cast<const T*>(a.data_ptr());
  T* o = static_cast<T*>(out.data_ptr());
  parallel_for(0, a.numel(), kGrainSize, [&](int64_t begin, int64_t end) {
    Fn(in + begin, o + begin, static_cast<size_t>(end - begin));
  });
  return out;
}

}  // namespace

TSR_REGISTER {
  impl_for(ops::add_op(), kBackendCPU, VecDTypes{}, []<typename T>() { return &add_kernel<T>; });
  impl_for(ops::sub_op(), kBackendCPU, VecDTypes{}, []<typename T>() { return &sub_kernel<T>; });
  impl_for(ops::mul_op(), kBackendCPU, VecDTypes{}, []<typename T>() { return &mul_kernel<T>; });
  impl_for(ops::div_op(), kBackendCPU, VecDTypes{}, []<typename T>() { return &div_kernel<T>; });
  impl_for(ops::exp_op(), kBackendCPU, VecDTypes{}, []<typename T>() {
    return +[](const Tensor& a) { return unary_kernel<T, Vec<T>::exp>(a, ops::exp_op()); };
  });
  impl_for(ops::log_op(), kBackendCPU, VecDTypes{}, []<typename T>() {
    return +[](const Tensor& a) { return unary_kernel<T, Vec<T>::log>(a, ops::log_op()); };
  });
  impl_for(ops::sqrt_op(), kBackendCPU, VecDTypes{}, []<typename T>() {
    return +[](const Tensor& a) { return unary_kernel<T, Vec<T>::sqrt>(a, ops::sqrt_op()); };
  });
  impl_for(ops::neg_op(), kBackendCPU, VecDTypes{}, []<typename T>() {
    return +[](const Tensor& a) { return unary_kernel<T, Vec<T>::neg>(a, ops::neg_op()); };
  });
  impl_for(ops::abs_op(), kBackendCPU, VecDTypes{}, []<typename T>() {
    return +[](const Tensor& a) { return unary_kernel<T, Vec<T>::abs>(a, ops::abs_op()); };
  });
  impl_for(ops::sigmoid_op(), kBackendCPU, VecDTypes{}, []<typename T>() {
    return +[](const Tensor& a) { return unary_kernel<T, Vec<T>::sigmoid>(a, ops::sigmoid_op()); };
  });
  impl_for(ops::tanh_op(), kBackendCPU, VecDTypes{}, []<typename T>() {
    return +[](const Tensor& a) { return unary_kernel<T, Vec<T>::tanh>(a, ops::tanh_op()); };
  });
  impl_for(ops::relu_op(), kBackendCPU, VecDTypes{}, []<typename T>() {
    return +[](const Tensor& a) { return unary_kernel<T, Vec<T>::relu>(a, ops::relu_op()); };
  });
  impl_for(ops::silu_op(), kBackendCPU, VecDTypes{}, []<typename T>() {
    return +[](const Tensor& a) { return unary_kernel<T, Vec<T>::silu>(a, ops::silu_op()); };
  });
}

}  // namespace tessera::cpu
#endif  // HWY_ONCE
