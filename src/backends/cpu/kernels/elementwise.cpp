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

#ifndef TSR_CPU_UNARY_OPS
// X(Enum, op): the unary ops with vector kernels here, by their Unary enumerator and op name.
#define TSR_CPU_UNARY_OPS(X)                                                            \
  X(Exp, exp)                                                                           \
  X(Log, log)                                                                           \
  X(Sqrt, sqrt) X(Neg, neg) X(Abs, abs) X(Sigmoid, sigmoid) X(Tanh, tanh) X(Relu, relu) \
      X(Silu, silu) X(Sin, sin) X(Cos, cos) X(Asin, asin) X(Acos, acos) X(Atan, atan)   \
          X(Asinh, asinh) X(Acosh, acosh) X(Atanh, atanh) X(Sinh, sinh) X(Expm1, expm1) \
              X(Log1p, log1p) X(Log2, log2) X(Log10, log10)
#endif

HWY_BEFORE_NAMESPACE();
namespace tessera::cpu::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

enum class Binary { Add, Sub, Mul, Div };
#define TSR_ENUMERATOR(E, op) E,
enum class Unary { TSR_CPU_UNARY_OPS(TSR_ENUMERATOR) };
#undef TSR_ENUMERATOR

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
  if constexpr (Op == Unary::Sin) return std::sin(x);
  if constexpr (Op == Unary::Cos) return std::cos(x);
  if constexpr (Op == Unary::Asin) return std::asin(x);
  if constexpr (Op == Unary::Acos) return std::acos(x);
  if constexpr (Op == Unary::Atan) return std::atan(x);
  if constexpr (Op == Unary::Asinh) return std::asinh(x);
  if constexpr (Op == Unary::Acosh) return std::acosh(x);
  if constexpr (Op == Unary::Atanh) return std::atanh(x);
  if constexpr (Op == Unary::Sinh) return std::sinh(x);
  if constexpr (Op == Unary::Expm1) return std::expm1(x);
  if constexpr (Op == Unary::Log1p) return std::log1p(x);
  if constexpr (Op == Unary::Log2) return std::log2(x);
  if constexpr (Op == Unary::Log10) return std::log10(x);
}

// [lo, hi]: the inputs on which Highway's function is accurate (its documented valid
// range, kept clear of overflow and of the domain's edges). Lanes outside, NaN included,
// are recomputed with the C library so that special values match the reference.
template <Unary Op, typename T>
constexpr std::pair<T, T> VectorRange() {
  constexpr T kMax = std::numeric_limits<T>::max();
  constexpr T kMin = std::numeric_limits<T>::min();
  constexpr T kBelowOne = T(1) - std::numeric_limits<T>::epsilon();
  switch (Op) {
    case Unary::Exp:
    case Unary::Sigmoid:
    case Unary::Silu:
    case Unary::Tanh:
    case Unary::Sinh:
      return {T(-80), T(80)};
    case Unary::Expm1:
      return {-kMax, T(80)};
    case Unary::Log:
    case Unary::Log2:
    case Unary::Log10:
      return {kMin, kMax};
    case Unary::Log1p:
      return {T(0), kMax};
    case Unary::Sin:
    case Unary::Cos:
      return {T(-39000), T(39000)};
    case Unary::Asin:
    case Unary::Acos:
    case Unary::Atanh:
      return {-kBelowOne, kBelowOne};
    case Unary::Acosh:
      return {T(1), kMax};
    case Unary::Atan:
    case Unary::Asinh:
      return {-kMax, kMax};
    default:  // exact everywhere: sqrt, neg, abs, relu
      return {-std::numeric_limits<T>::infinity(), std::numeric_limits<T>::infinity()};
  }
}

template <Unary Op, typename T>
HWY_INLINE void UnaryLoop(const T* in, T* out, size_t n) {
  const hn::ScalableTag<T> d;
  const size_t lanes = hn::Lanes(d);
  constexpr auto kRange = VectorRange<Op, T>();
  const auto lo = hn::Set(d, kRange.first);
  const auto hi = hn::Set(d, kRange.second);
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
    if constexpr (Op == Unary::Sin) return hn::Sin(d, x);
    if constexpr (Op == Unary::Cos) return hn::Cos(d, x);
    if constexpr (Op == Unary::Asin) return hn::Asin(d, x);
    if constexpr (Op == Unary::Acos) return hn::Acos(d, x);
    if constexpr (Op == Unary::Atan) return hn::Atan(d, x);
    if constexpr (Op == Unary::Asinh) return hn::Asinh(d, x);
    if constexpr (Op == Unary::Acosh) return hn::Acosh(d, x);
    if constexpr (Op == Unary::Atanh) return hn::Atanh(d, x);
    if constexpr (Op == Unary::Sinh) return hn::Sinh(d, x);
    if constexpr (Op == Unary::Expm1) return hn::Expm1(d, x);
    if constexpr (Op == Unary::Log1p) return hn::Log1p(d, x);
    if constexpr (Op == Unary::Log2) return hn::Log2(d, x);
    if constexpr (Op == Unary::Log10) return hn::Log10(d, x);
  };
  constexpr bool kRanged =
      Op != Unary::Sqrt && Op != Unary::Neg && Op != Unary::Abs && Op != Unary::Relu;
  // Inputs outside the function's domain, whose result is NaN without asking the C library
  // (which takes a slow path for them): |x| > 1 for asin, acos, atanh; x < 1 for acosh.
  constexpr bool kBounded = Op == Unary::Asin || Op == Unary::Acos || Op == Unary::Atanh;
  const auto nan = hn::Set(d, std::numeric_limits<T>::quiet_NaN());
  auto undefined = [&](auto x) {
    if constexpr (kBounded) return hn::Gt(hn::Abs(x), one);
    if constexpr (Op == Unary::Acosh) return hn::Lt(x, one);
    return hn::Lt(x, hn::Set(d, -std::numeric_limits<T>::infinity()));  // never
  };
  auto scalar_undefined = [](T x) {
    if constexpr (kBounded) return std::fabs(x) > T(1);
    if constexpr (Op == Unary::Acosh) return x < T(1);
    return false;
  };
  size_t i = 0;
  for (; i + lanes <= n; i += lanes) {
    const auto x = hn::LoadU(d, in + i);
    if constexpr (kRanged) {
      const auto nan_lanes = undefined(x);
      hn::StoreU(hn::IfThenElse(nan_lanes, nan, apply(x)), d, out + i);
      // Lanes neither in [lo, hi] nor outside the domain (NaN, infinities, edges) go to
      // the C library, one by one.
      const auto handled = hn::Or(hn::And(hn::Ge(x, lo), hn::Le(x, hi)), nan_lanes);
      if (!hn::AllTrue(d, handled)) {
        for (size_t j = i; j < i + lanes; ++j) {
          const T v = in[j];
          if (!(v >= kRange.first && v <= kRange.second) && !scalar_undefined(v))
            out[j] = ScalarUnary<Op>(v);
        }
      }
    } else {
      hn::StoreU(apply(x), d, out + i);
    }
  }
  for (; i < n; ++i) {
    out[i] = scalar_undefined(in[i]) ? std::numeric_limits<T>::quiet_NaN() : ScalarUnary<Op>(in[i]);
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

#define TSR_UNARY_ENTRY(E, op)                           \
  void E##F32(const float* in, float* out, size_t n) {   \
    UnaryLoop<Unary::E>(in, out, n);                     \
  }                                                      \
  void E##F64(const double* in, double* out, size_t n) { \
    UnaryLoop<Unary::E>(in, out, n);                     \
  }
TSR_CPU_UNARY_OPS(TSR_UNARY_ENTRY)
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
#define TSR_EXPORT_UNARY_PAIR(E, op) \
  TSR_EXPORT_UNARY(E##F32, float) TSR_EXPORT_UNARY(E##F64, double)
TSR_CPU_UNARY_OPS(TSR_EXPORT_UNARY_PAIR)
#undef TSR_EXPORT_UNARY_PAIR
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
#define TSR_MEMBER(E, op) static constexpr UnaryFn<float> op = &E##F32_best;
  TSR_CPU_UNARY_OPS(TSR_MEMBER)
#undef TSR_MEMBER
};
template <>
struct Vec<double> {
  static constexpr BinaryFn<double> add = &AddF64_best, sub = &SubF64_best, mul = &MulF64_best,
                                    div = &DivF64_best;
#define TSR_MEMBER(E, op) static constexpr UnaryFn<double> op = &E##F64_best;
  TSR_CPU_UNARY_OPS(TSR_MEMBER)
#undef TSR_MEMBER
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
#define TSR_REGISTER_UNARY(E, op)                                                           \
  impl_for(ops::op##_op(), kBackendCPU, VecDTypes{}, []<typename T>() {                     \
    return +[](const Tensor& a) { return unary_kernel<T, Vec<T>::op>(a, ops::op##_op()); }; \
  });
  TSR_CPU_UNARY_OPS(TSR_REGISTER_UNARY)
#undef TSR_REGISTER_UNARY
}

}  // namespace tessera::cpu
#endif  // HWY_ONCE
