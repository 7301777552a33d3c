// Vectorised cpu kernels for the float32/float64 unary math ops and activations (Highway,
// instruction set chosen at run time), split over the intra-op threads above kGrainSize
// elements. Contiguous inputs only; everything else is the reference kernel's. See
// Note [CPU elementwise kernels] in elementwise.cpp.

// Highway's per-target re-inclusion needs this order.
// clang-format off
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "backends/cpu/kernels/unary.cpp"
#include <hwy/foreach_target.h>  // NOLINT: re-includes this file once per target
#include <hwy/highway.h>
#include <hwy/contrib/math/math-inl.h>
#include "backends/cpu/kernels/exp-inl.h"
// clang-format on

#include <cmath>
#include <limits>
#include <numbers>
#include <utility>

#ifndef TSR_CPU_UNARY_OPS
// X(Enum, op): the ops `op(Tensor self) -> Tensor` with vector kernels here, by their Unary
// enumerator and op name.
// clang-format off
#define TSR_CPU_UNARY_OPS(X)                                                                   \
  X(Exp, exp) X(Exp2, exp2) X(Expm1, expm1) X(Log, log) X(Log2, log2) X(Log10, log10)          \
  X(Log1p, log1p) X(Sqrt, sqrt) X(Rsqrt, rsqrt) X(Reciprocal, reciprocal) X(Neg, neg)          \
  X(Abs, abs) X(Sign, sign) X(Floor, floor) X(Ceil, ceil) X(Round, round) X(Trunc, trunc)      \
  X(Frac, frac) X(Sin, sin) X(Cos, cos) X(Tan, tan) X(Asin, asin) X(Acos, acos) X(Atan, atan)  \
  X(Sinh, sinh) X(Cosh, cosh) X(Tanh, tanh) X(Asinh, asinh) X(Acosh, acosh) X(Atanh, atanh)    \
  X(Erf, erf) X(Erfc, erfc) X(Angle, angle) X(Sigmoid, sigmoid) X(Relu, relu) X(Silu, silu)   \
  X(Selu, selu) X(Mish, mish) X(Softsign, softsign) X(Hardsigmoid, hardsigmoid)                \
  X(Hardswish, hardswish)
// X(Enum): activations with parameters p[0..2]; each has its own wrapper below.
#define TSR_CPU_PARAM_UNARY_OPS(X) \
  X(Clamp) X(LeakyRelu) X(Elu) X(Softplus) X(Gelu) X(GeluTanh)
// clang-format on

namespace tessera::cpu {
// The parameters of an activation: clamp (lo, hi), leaky_relu (slope), elu (scale of x > 0,
// alpha * scale, input_scale), softplus (beta, threshold).
template <typename T>
struct Params {
  T a = 0, b = 0, c = 0;
};
}  // namespace tessera::cpu
#endif

HWY_BEFORE_NAMESPACE();
namespace tessera::cpu::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

#define TSR_ENUMERATOR(E, ...) E,
enum class Unary { TSR_CPU_UNARY_OPS(TSR_ENUMERATOR) TSR_CPU_PARAM_UNARY_OPS(TSR_ENUMERATOR) };
#undef TSR_ENUMERATOR

constexpr double kSeluAlpha = 1.6732632423543772848170429916717;
constexpr double kSeluScale = 1.0507009873554804934193349852946;
constexpr double kGeluTanhK = std::numbers::sqrt2 * std::numbers::inv_sqrtpi;  // sqrt(2/pi)

// The formulas of the reference kernels (ops/unary.cpp, ops/activation.cpp): lanes the
// vector code does not cover are computed with these.
template <Unary Op, typename T>
HWY_INLINE T ScalarUnary(T x, const Params<T>& p) {
  constexpr T kOne = 1;
  if constexpr (Op == Unary::Exp) return std::exp(x);
  if constexpr (Op == Unary::Exp2) return std::exp2(x);
  if constexpr (Op == Unary::Expm1) return std::expm1(x);
  if constexpr (Op == Unary::Log) return std::log(x);
  if constexpr (Op == Unary::Log2) return std::log2(x);
  if constexpr (Op == Unary::Log10) return std::log10(x);
  if constexpr (Op == Unary::Log1p) return std::log1p(x);
  if constexpr (Op == Unary::Sqrt) return std::sqrt(x);
  if constexpr (Op == Unary::Rsqrt) return kOne / std::sqrt(x);
  if constexpr (Op == Unary::Reciprocal) return kOne / x;
  if constexpr (Op == Unary::Neg) return -x;
  if constexpr (Op == Unary::Abs) return std::fabs(x);
  if constexpr (Op == Unary::Sign) return T((T(0) < x) - (x < T(0)));
  if constexpr (Op == Unary::Floor) return std::floor(x);
  if constexpr (Op == Unary::Ceil) return std::ceil(x);
  if constexpr (Op == Unary::Round) return std::nearbyint(x);
  if constexpr (Op == Unary::Trunc) return std::trunc(x);
  if constexpr (Op == Unary::Frac) return x - std::trunc(x);
  if constexpr (Op == Unary::Sin) return std::sin(x);
  if constexpr (Op == Unary::Cos) return std::cos(x);
  if constexpr (Op == Unary::Tan) return std::tan(x);
  if constexpr (Op == Unary::Asin) return std::asin(x);
  if constexpr (Op == Unary::Acos) return std::acos(x);
  if constexpr (Op == Unary::Atan) return std::atan(x);
  if constexpr (Op == Unary::Sinh) return std::sinh(x);
  if constexpr (Op == Unary::Cosh) return std::cosh(x);
  if constexpr (Op == Unary::Tanh) return std::tanh(x);
  if constexpr (Op == Unary::Asinh) return std::asinh(x);
  if constexpr (Op == Unary::Acosh) return std::acosh(x);
  if constexpr (Op == Unary::Atanh) return std::atanh(x);
  if constexpr (Op == Unary::Erf) return std::erf(x);
  if constexpr (Op == Unary::Erfc) return std::erfc(x);
  if constexpr (Op == Unary::Angle) return x != x ? x : (x < T(0) ? std::numbers::pi_v<T> : T(0));
  if constexpr (Op == Unary::Sigmoid) return kOne / (kOne + std::exp(-x));
  if constexpr (Op == Unary::Relu) return x > T(0) || x != x ? x : T(0);
  if constexpr (Op == Unary::Silu) return x / (kOne + std::exp(-x));
  if constexpr (Op == Unary::Selu)
    return x > 0 ? T(kSeluScale) * x : T(kSeluScale) * T(kSeluAlpha) * std::expm1(x);
  if constexpr (Op == Unary::Mish) return x * std::tanh(std::log1p(std::exp(x)));
  if constexpr (Op == Unary::Softsign) return x / (kOne + std::fabs(x));
  if constexpr (Op == Unary::Hardsigmoid) return std::min(std::max(x + T(3), T(0)), T(6)) / T(6);
  if constexpr (Op == Unary::Hardswish) return x * std::min(std::max(x + T(3), T(0)), T(6)) / T(6);
  if constexpr (Op == Unary::Clamp) return x != x ? x : std::min(std::max(x, p.a), p.b);
  if constexpr (Op == Unary::LeakyRelu) return x > 0 ? x : x * p.a;
  if constexpr (Op == Unary::Elu) return x > 0 ? x * p.a : std::expm1(x * p.c) * p.b;
  if constexpr (Op == Unary::Softplus)
    return x * p.a > p.b ? x : std::log1p(std::exp(x * p.a)) / p.a;
  if constexpr (Op == Unary::Gelu)
    return x * T(0.5) * (kOne + std::erf(x * T(std::numbers::sqrt2 / 2)));
  if constexpr (Op == Unary::GeluTanh)
    return T(0.5) * x * (kOne + std::tanh(T(kGeluTanhK) * (x + T(0.044715) * x * x * x)));
}

// Ops whose vector code is exact (the same IEEE operations as the formula) on every input.
template <Unary Op>
constexpr bool kExact =
    Op == Unary::Sqrt || Op == Unary::Rsqrt || Op == Unary::Reciprocal || Op == Unary::Neg ||
    Op == Unary::Abs || Op == Unary::Sign || Op == Unary::Floor || Op == Unary::Ceil ||
    Op == Unary::Round || Op == Unary::Trunc || Op == Unary::Frac || Op == Unary::Relu ||
    Op == Unary::Softsign || Op == Unary::LeakyRelu || Op == Unary::Hardsigmoid ||
    Op == Unary::Hardswish || Op == Unary::Clamp || Op == Unary::Angle;

// Ops whose vector code takes every input itself (NaN and infinities included), so no
// lane is handed to the formula: the exact ones, and elu and selu (expm1 clamped, NaN kept).
template <Unary Op>
constexpr bool kAllInputs = kExact<Op> || Op == Unary::Selu || Op == Unary::Elu;

// Ops whose vector approximation is only float32-accurate (erf): float64
// stays with the C library.
template <Unary Op, typename T>
constexpr bool kScalarOnly = std::is_same_v<T, double> &&
                             (Op == Unary::Erf || Op == Unary::Erfc || Op == Unary::Gelu);

// [lo, hi]: the inputs on which the vector code is accurate (Highway's documented valid
// ranges, kept clear of overflow and of the domain's edges). Other lanes, NaN included,
// are recomputed by ScalarUnary so that special values match the reference.
template <Unary Op, typename T>
constexpr std::pair<T, T> VectorRange() {
  constexpr T kMax = std::numeric_limits<T>::max();
  constexpr T kMin = std::numeric_limits<T>::min();
  constexpr T kBelowOne = T(1) - std::numeric_limits<T>::epsilon();
  constexpr T kExp2Max = std::is_same_v<T, float> ? T(126) : T(1022);
  switch (Op) {
    case Unary::Exp:
    case Unary::Sigmoid:
    case Unary::Silu:
    case Unary::Tanh:
    case Unary::Sinh:
    case Unary::Cosh:
      return {T(-80), T(80)};
    case Unary::Exp2:
      return {-kExp2Max, kExp2Max};
    case Unary::Expm1:
    case Unary::Mish:
      return {-kMax, T(80)};
    case Unary::Log:
    case Unary::Log2:
    case Unary::Log10:
      return {kMin, kMax};
    case Unary::Log1p:
      return {T(0), kMax};
    case Unary::Sin:
    case Unary::Cos:
    case Unary::Tan:
      return {T(-39000), T(39000)};
    case Unary::Asin:
    case Unary::Acos:
    case Unary::Atanh:
      return {-kBelowOne, kBelowOne};
    case Unary::Acosh:
      return {T(1), kMax};
    case Unary::Atan:
    case Unary::Asinh:
    case Unary::Erf:
    case Unary::Softplus:  // the wrapper keeps beta in (0, 1e6]
    case Unary::Gelu:
    case Unary::GeluTanh:
      return {T(-1e10), T(1e10)};
    default:
      return {-std::numeric_limits<T>::infinity(), std::numeric_limits<T>::infinity()};
  }
}

// 2^x for x in [-126, 126] (float) or [-1022, 1022] (double): 2^round(x) built in the
// exponent bits, times e^(f ln 2) for the fraction f in [-0.5, 0.5].
template <class D, class V>
HWY_INLINE V Exp2(D d, V x) {
  using T = hn::TFromD<D>;
  const hn::RebindToSigned<D> di;
  constexpr int kMantissa = std::numeric_limits<T>::digits - 1;
  constexpr int kBias = std::numeric_limits<T>::max_exponent - 1;
  const V n = hn::Round(x);
  const V f = hn::Sub(x, n);
  const auto bits = hn::ShiftLeft<kMantissa>(hn::Add(hn::ConvertTo(di, n), hn::Set(di, kBias)));
  return hn::Mul(ExpInRange(d, hn::Mul(f, hn::Set(d, T(std::numbers::ln2)))), hn::BitCast(d, bits));
}

// erf(x) in float32 precision: x P(x^2) / Q(x^2) on [-4, 4] (beyond, erf rounds to +-1), a
// rational fit to erf's relative error (< 5e-9 in exact arithmetic, < 4e-7 in float32).
template <class D, class V>
HWY_INLINE V Erf(D d, V x) {
  using T = hn::TFromD<D>;
  const V xc = hn::Min(hn::Max(x, hn::Set(d, T(-4))), hn::Set(d, T(4)));
  const V t = hn::Mul(xc, xc);
  V p = hn::Set(d, T(-1.3173590995840812e-08));
  for (const double c : {4.680606759736167e-06, 0.00037942286369906314, 0.003846899338330966,
                         0.054306002678010196, 0.18514534673289718, 1.1283791694354026}) {
    p = hn::MulAdd(p, t, hn::Set(d, T(c)));
  }
  V q = hn::Set(d, T(6.307330307676363e-05));
  for (const double c :
       {0.001306783101688525, 0.01545590821153923, 0.11393164326437358, 0.49741420703121997, 1.0}) {
    q = hn::MulAdd(q, t, hn::Set(d, T(c)));
  }
  return hn::Div(hn::Mul(xc, p), q);
}

// erfc(x) in float32 precision for finite x (NaN goes to the C library): for z = |x|,
// t = 1 / (1 + z / 2), erfc(z) = t exp(P(t) - z^2) with P of degree 9 fitted to
// log(erfc(z) / t) + z^2 on [0, 11] (its error < 6e-8 in the exponent, so relative in
// erfc). z^2 is taken as hi + lo exactly (FMA) and the rounding of P - hi is kept, so the
// exponent's error stays small where it is large. erfc(-x) = 2 - erfc(x).
template <class D, class V>
HWY_INLINE V Erfc(D d, V x) {
  using T = hn::TFromD<D>;
  const V one = hn::Set(d, T(1));
  const V z = hn::Min(hn::Abs(x), hn::Set(d, T(11)));  // erfc(11) is 0 in float
  const V t = hn::Div(one, hn::MulAdd(z, hn::Set(d, T(0.5)), one));
  V p = hn::Set(d, T(0.1488453991588646));
  for (const double c : {-0.7024366695493012, 1.208363103369327, -0.7661507941104958,
                         -0.021357660958078617, -0.030699043289747763, 0.04572336231510182,
                         0.3842577374973608, 0.9989169255017456, -1.2654623101141989}) {
    p = hn::MulAdd(p, t, hn::Set(d, T(c)));
  }
  const V hi = hn::Mul(z, z);
  const V lo = hn::MulSub(z, z, hi);  // z^2 - hi, exactly
  // s = p - hi with its rounding error (two-sum); exp(s + err - lo) = exp(s) (1 + err - lo).
  const V nhi = hn::Neg(hi);
  const V s = hn::Add(p, nhi);
  const V bv = hn::Sub(s, p), av = hn::Sub(s, bv);
  const V err = hn::Sub(hn::Add(hn::Sub(p, av), hn::Sub(nhi, bv)), lo);
  const V e = hn::Mul(hn::Mul(t, hn::Exp(d, s)), hn::Add(one, err));
  return hn::IfThenElse(hn::Lt(x, hn::Zero(d)), hn::Sub(hn::Set(d, T(2)), e), e);
}

template <Unary Op, class D, class V, typename T = hn::TFromD<D>>
HWY_INLINE V VectorUnary(D d, V x, const Params<T>& p) {
  const V one = hn::Set(d, T(1));
  const V zero = hn::Zero(d);
  auto exp_neg = [&](V v) { return ExpInRange(d, hn::Neg(v)); };
  auto hardsigmoid = [&](V v) {
    const V six = hn::Set(d, T(6));
    return hn::Div(hn::Min(hn::Max(hn::Add(v, hn::Set(d, T(3))), zero), six), six);
  };
  if constexpr (Op == Unary::Exp) return ExpInRange(d, x);
  if constexpr (Op == Unary::Exp2) return Exp2(d, x);
  if constexpr (Op == Unary::Expm1) return hn::Expm1(d, x);
  if constexpr (Op == Unary::Log) return hn::Log(d, x);
  if constexpr (Op == Unary::Log2) return hn::Log2(d, x);
  if constexpr (Op == Unary::Log10) return hn::Log10(d, x);
  if constexpr (Op == Unary::Log1p) return hn::Log1p(d, x);
  if constexpr (Op == Unary::Sqrt) return hn::Sqrt(x);
  if constexpr (Op == Unary::Rsqrt) return hn::Div(one, hn::Sqrt(x));
  if constexpr (Op == Unary::Reciprocal) return hn::Div(one, x);
  if constexpr (Op == Unary::Neg) return hn::Neg(x);
  if constexpr (Op == Unary::Abs) return hn::Abs(x);
  if constexpr (Op == Unary::Sign)
    return hn::Sub(hn::IfThenElseZero(hn::Gt(x, zero), one),
                   hn::IfThenElseZero(hn::Lt(x, zero), one));
  if constexpr (Op == Unary::Floor) return hn::Floor(x);
  if constexpr (Op == Unary::Ceil) return hn::Ceil(x);
  if constexpr (Op == Unary::Round) return hn::Round(x);
  if constexpr (Op == Unary::Trunc) return hn::Trunc(x);
  if constexpr (Op == Unary::Frac) return hn::Sub(x, hn::Trunc(x));
  if constexpr (Op == Unary::Sin) return hn::Sin(d, x);
  if constexpr (Op == Unary::Cos) return hn::Cos(d, x);
  if constexpr (Op == Unary::Tan) return hn::Div(hn::Sin(d, x), hn::Cos(d, x));
  if constexpr (Op == Unary::Asin) return hn::Asin(d, x);
  if constexpr (Op == Unary::Acos) return hn::Acos(d, x);
  if constexpr (Op == Unary::Atan) return hn::Atan(d, x);
  if constexpr (Op == Unary::Sinh) return hn::Sinh(d, x);
  if constexpr (Op == Unary::Cosh)
    return hn::Mul(hn::Add(ExpInRange(d, x), exp_neg(x)), hn::Set(d, T(0.5)));
  if constexpr (Op == Unary::Tanh) return hn::Tanh(d, x);
  if constexpr (Op == Unary::Asinh) return hn::Asinh(d, x);
  if constexpr (Op == Unary::Acosh) return hn::Acosh(d, x);
  if constexpr (Op == Unary::Atanh) return hn::Atanh(d, x);
  if constexpr (Op == Unary::Erf) return Erf(d, x);
  if constexpr (Op == Unary::Erfc) return Erfc(d, x);
  if constexpr (Op == Unary::Angle)
    return hn::IfThenElse(hn::IsNaN(x), x,
                          hn::IfThenElseZero(hn::Lt(x, zero), hn::Set(d, std::numbers::pi_v<T>)));
  if constexpr (Op == Unary::Sigmoid) return hn::Div(one, hn::Add(one, exp_neg(x)));
  if constexpr (Op == Unary::Relu) return hn::IfThenElse(hn::Lt(x, zero), zero, x);
  if constexpr (Op == Unary::Silu) return hn::Div(x, hn::Add(one, exp_neg(x)));
  // expm1 of x <= 0 clamped at -100, where it is -1 in float and double as at -inf.
  auto expm1_neg = [&](V z) {
    return hn::Expm1(d, hn::Max(hn::Min(z, zero), hn::Set(d, T(-100))));
  };
  if constexpr (Op == Unary::Selu) {
    const V pos = hn::Mul(hn::Set(d, T(kSeluScale)), x);
    if (hn::AllTrue(d, hn::Gt(x, zero))) return pos;  // expm1 is most of the cost
    const V neg = hn::Mul(hn::Set(d, T(kSeluScale * kSeluAlpha)), expm1_neg(x));
    return hn::IfThenElse(hn::IsNaN(x), x, hn::IfThenElse(hn::Gt(x, zero), pos, neg));
  }
  if constexpr (Op == Unary::Mish) return hn::Mul(x, hn::Tanh(d, hn::Log1p(d, hn::Exp(d, x))));
  if constexpr (Op == Unary::Softsign) return hn::Div(x, hn::Add(one, hn::Abs(x)));
  // min and max of a NaN lane give either operand: NaN lanes are restored after them.
  auto keep_nan = [&](V r) { return hn::IfThenElse(hn::IsNaN(x), x, r); };
  if constexpr (Op == Unary::Hardsigmoid) return keep_nan(hardsigmoid(x));
  if constexpr (Op == Unary::Hardswish) {
    const V six = hn::Set(d, T(6));
    return keep_nan(
        hn::Div(hn::Mul(x, hn::Min(hn::Max(hn::Add(x, hn::Set(d, T(3))), zero), six)), six));
  }
  if constexpr (Op == Unary::Clamp)
    return keep_nan(hn::Min(hn::Max(x, hn::Set(d, p.a)), hn::Set(d, p.b)));
  if constexpr (Op == Unary::LeakyRelu)
    return hn::IfThenElse(hn::Gt(x, zero), x, hn::Mul(x, hn::Set(d, p.a)));
  if constexpr (Op == Unary::Elu) {
    const V pos = hn::Mul(x, hn::Set(d, p.a));
    if (hn::AllTrue(d, hn::Gt(x, zero))) return pos;
    const V neg = hn::Mul(expm1_neg(hn::Mul(x, hn::Set(d, p.c))), hn::Set(d, p.b));
    return hn::IfThenElse(hn::IsNaN(x), x, hn::IfThenElse(hn::Gt(x, zero), pos, neg));
  }
  if constexpr (Op == Unary::Softplus) {
    const V beta = hn::Set(d, p.a), threshold = hn::Set(d, p.b);
    const V z = hn::Mul(x, beta);
    const V soft = hn::Div(hn::Log1p(d, hn::Exp(d, hn::Min(z, threshold))), beta);
    return hn::IfThenElse(hn::Gt(z, threshold), x, soft);
  }
  if constexpr (Op == Unary::Gelu) {
    const V e = Erf(d, hn::Mul(x, hn::Set(d, T(std::numbers::sqrt2 / 2))));
    return hn::Mul(hn::Mul(x, hn::Set(d, T(0.5))), hn::Add(one, e));
  }
  if constexpr (Op == Unary::GeluTanh) {
    const V inner = hn::Mul(hn::Set(d, T(kGeluTanhK)),
                            hn::MulAdd(hn::Mul(hn::Set(d, T(0.044715)), hn::Mul(x, x)), x, x));
    return hn::Mul(hn::Mul(hn::Set(d, T(0.5)), x), hn::Add(one, hn::Tanh(d, inner)));
  }
}

template <Unary Op, typename T>
HWY_INLINE void UnaryLoop(const T* in, T* out, size_t n, const Params<T>& p) {
  size_t i = 0;
  if constexpr (!kScalarOnly<Op, T>) {
    const hn::ScalableTag<T> d;
    const size_t lanes = hn::Lanes(d);
    constexpr auto kRange = VectorRange<Op, T>();
    const auto lo = hn::Set(d, kRange.first);
    const auto hi = hn::Set(d, kRange.second);
    const auto one = hn::Set(d, T(1));
    // Inputs outside the function's domain, whose result is NaN without asking the C
    // library (which takes a slow path for them): |x| > 1 for asin, acos, atanh; x < 1
    // for acosh.
    constexpr bool kBounded = Op == Unary::Asin || Op == Unary::Acos || Op == Unary::Atanh;
    constexpr bool kDomain = kBounded || Op == Unary::Acosh;
    const auto nan = hn::Set(d, std::numeric_limits<T>::quiet_NaN());
    auto undefined = [&](auto x) {
      if constexpr (kBounded) return hn::Gt(hn::Abs(x), one);
      return hn::Lt(x, one);  // acosh
    };
    // One vector at i; false when some lane is left to the formula.
    auto vector_at = [&](size_t at) HWY_ATTR {
      const auto x = hn::LoadU(d, in + at);
      if constexpr (kAllInputs<Op>) {
        hn::StoreU(VectorUnary<Op>(d, x, p), d, out + at);
        return true;
      } else if constexpr (kDomain) {
        const auto nan_lanes = undefined(x);
        hn::StoreU(hn::IfThenElse(nan_lanes, nan, VectorUnary<Op>(d, x, p)), d, out + at);
        return hn::AllTrue(d, hn::Or(hn::And(hn::Ge(x, lo), hn::Le(x, hi)), nan_lanes));
      } else {
        hn::StoreU(VectorUnary<Op>(d, x, p), d, out + at);
        return hn::AllTrue(d, hn::And(hn::Ge(x, lo), hn::Le(x, hi)));
      }
    };
    // Lanes neither in [lo, hi] nor outside the domain (NaN, infinities, edges) go to the
    // formula, one by one.
    auto fix_up = [&](size_t at) {
      for (size_t j = at; j < at + lanes; ++j) {
        const T v = in[j];
        const bool nan_lane = (kBounded && std::fabs(v) > T(1)) || (Op == Unary::Acosh && v < T(1));
        if (!(v >= kRange.first && v <= kRange.second) && !nan_lane) out[j] = ScalarUnary<Op>(v, p);
      }
    };
    // Two vectors per step: independent work for the out-of-order core to overlap.
    for (; i + 2 * lanes <= n; i += 2 * lanes) {
      const bool ok0 = vector_at(i), ok1 = vector_at(i + lanes);
      if (!ok0) fix_up(i);
      if (!ok1) fix_up(i + lanes);
    }
    for (; i + lanes <= n; i += lanes) {
      if (!vector_at(i)) fix_up(i);
    }
  }
  for (; i < n; ++i) out[i] = ScalarUnary<Op>(in[i], p);
}

#define TSR_UNARY_ENTRY(E, ...)                                                   \
  void E##F32(const float* in, float* out, size_t n, const Params<float>& p) {    \
    UnaryLoop<Unary::E>(in, out, n, p);                                           \
  }                                                                               \
  void E##F64(const double* in, double* out, size_t n, const Params<double>& p) { \
    UnaryLoop<Unary::E>(in, out, n, p);                                           \
  }
TSR_CPU_UNARY_OPS(TSR_UNARY_ENTRY)
TSR_CPU_PARAM_UNARY_OPS(TSR_UNARY_ENTRY)
#undef TSR_UNARY_ENTRY

}  // namespace tessera::cpu::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE

#include "api/functions.h"
#include "backends/cpu/kernels/cast.h"
#include "backends/cpu/kernels/vector_loops.h"
#include "core/parallel.h"
#include "ops/elementwise.h"
#include "ops/handles.h"

namespace tessera::cpu {

template <typename T>
using UnaryFn = void (*)(const T*, T*, size_t, const Params<T>&);

// One exported entry and one dispatching wrapper per (op, type): the wrapper calls the
// best target this machine supports.
#define TSR_EXPORT_UNARY(Name, T)                                       \
  HWY_EXPORT(Name);                                                     \
  void Name##_best(const T* in, T* out, size_t n, const Params<T>& p) { \
    HWY_DYNAMIC_DISPATCH(Name)(in, out, n, p);                          \
  }
#define TSR_EXPORT_UNARY_PAIR(E, ...) \
  TSR_EXPORT_UNARY(E##F32, float) TSR_EXPORT_UNARY(E##F64, double)
TSR_CPU_UNARY_OPS(TSR_EXPORT_UNARY_PAIR)
TSR_CPU_PARAM_UNARY_OPS(TSR_EXPORT_UNARY_PAIR)
#undef TSR_EXPORT_UNARY_PAIR
#undef TSR_EXPORT_UNARY

UnaryLoop unary_loop(std::string_view op) {
#define TSR_ENTRY(E, name)                                                             \
  if (op == #name) {                                                                   \
    return [](const float* in, float* out, size_t n) { E##F32_best(in, out, n, {}); }; \
  }
  TSR_CPU_UNARY_OPS(TSR_ENTRY)
#undef TSR_ENTRY
  return nullptr;
}

namespace {

// The vector entry of (op, element type).
template <typename T>
struct Vec;
#define TSR_MEMBER(E, ...) static constexpr UnaryFn<float> E = &E##F32_best;
template <>
struct Vec<float> {
  TSR_CPU_UNARY_OPS(TSR_MEMBER)
  TSR_CPU_PARAM_UNARY_OPS(TSR_MEMBER)
};
#undef TSR_MEMBER
#define TSR_MEMBER(E, ...) static constexpr UnaryFn<double> E = &E##F64_best;
template <>
struct Vec<double> {
  TSR_CPU_UNARY_OPS(TSR_MEMBER)
  TSR_CPU_PARAM_UNARY_OPS(TSR_MEMBER)
};
#undef TSR_MEMBER
using VecDTypes = DTypeList<DType::Float32, DType::Float64>;

// Whether the vector loop covers a: contiguous, of dtype T.
template <typename T>
bool covered(const Tensor& a) {
  return a.dtype() == dtype_of<T> && a.is_contiguous();
}

template <typename T>
Tensor run_unary(const Tensor& a, UnaryFn<T> fn, const Params<T>& p = {}) {
  Tensor out = empty(a.sizes(), TensorOptions(dtype_of<T>, a.device()));
  const T* in = static_cast<const T*>(a.data_ptr());
  T* o = static_cast<T*>(out.data_ptr());
  parallel_for(0, a.numel(), kGrainSize, [&](int64_t begin, int64_t end) {
    fn(in + begin, o + begin, static_cast<size_t>(end - begin), p);
  });
  return out;
}

using UnarySig = Tensor(const Tensor&);

template <typename T, UnaryFn<T> Fn>
Tensor unary_kernel(const Tensor& a, OperatorHandle handle) {
  if (!covered<T>(a)) return handle.typed<UnarySig>().redispatch(kBackendReference, a);
  return run_unary<T>(a, Fn);
}

// float16 and bfloat16 as the reference computes them: in float32, rounded once; blocks of
// elements converted on the way in and out.
template <typename H, UnaryFn<float> Fn>
Tensor half_unary_kernel(const Tensor& a, OperatorHandle handle) {
  if (!covered<H>(a)) return handle.typed<UnarySig>().redispatch(kBackendReference, a);
  Tensor out = empty(a.sizes(), TensorOptions(dtype_of<H>, a.device()));
  const H* in = static_cast<const H*>(a.data_ptr());
  H* o = static_cast<H*>(out.data_ptr());
  parallel_for(0, a.numel(), kGrainSize, [&](int64_t begin, int64_t end) {
    constexpr int64_t kBlock = 1024;
    float x[kBlock], y[kBlock];
    for (int64_t b = begin; b < end; b += kBlock) {
      const auto n = static_cast<size_t>(std::min(kBlock, end - b));
      convert_to_float(in + b, x, n);
      Fn(x, y, n, {});
      convert_from_float(y, o + b, n);
    }
  });
  return out;
}

// A real bound of clamp or hardtanh as T (a complex or bool one is the reference's error).
bool real_scalar(const Scalar& s) {
  return s.is_integral() || s.is_floating();
}

template <typename T>
Tensor clamp_kernel(const Tensor& self, const std::optional<Scalar>& lo,
                    const std::optional<Scalar>& hi) {
  const bool ok =
      covered<T>(self) && (lo || hi) && (!lo || real_scalar(*lo)) && (!hi || real_scalar(*hi));
  if (!ok) {
    return ops::clamp_op()
        .typed<Tensor(const Tensor&, const std::optional<Scalar>&, const std::optional<Scalar>&)>()
        .redispatch(kBackendReference, self, lo, hi);
  }
  constexpr T kInf = std::numeric_limits<T>::infinity();
  return run_unary<T>(self, Vec<T>::Clamp, {lo ? lo->to<T>() : -kInf, hi ? hi->to<T>() : kInf});
}

template <typename T>
Tensor hardtanh_kernel(const Tensor& self, const Scalar& lo, const Scalar& hi) {
  if (!covered<T>(self) || !real_scalar(lo) || !real_scalar(hi)) {
    return ops::hardtanh_op()
        .typed<Tensor(const Tensor&, const Scalar&, const Scalar&)>()
        .redispatch(kBackendReference, self, lo, hi);
  }
  return run_unary<T>(self, Vec<T>::Clamp, {lo.to<T>(), hi.to<T>()});
}

template <typename T>
Tensor leaky_relu_kernel(const Tensor& self, const Scalar& slope) {
  if (!covered<T>(self) || !real_scalar(slope)) {
    return ops::leaky_relu_op().typed<Tensor(const Tensor&, const Scalar&)>().redispatch(
        kBackendReference, self, slope);
  }
  return run_unary<T>(self, Vec<T>::LeakyRelu, {slope.to<T>()});
}

template <typename T>
Tensor elu_kernel(const Tensor& self, const Scalar& alpha, const Scalar& scale,
                  const Scalar& input_scale) {
  const bool real = real_scalar(alpha) && real_scalar(scale) && real_scalar(input_scale);
  const T in = real ? input_scale.to<T>() : T(0);
  if (!covered<T>(self) || !(in > 0 && in <= T(1e6))) {
    return ops::elu_op()
        .typed<Tensor(const Tensor&, const Scalar&, const Scalar&, const Scalar&)>()
        .redispatch(kBackendReference, self, alpha, scale, input_scale);
  }
  return run_unary<T>(self, Vec<T>::Elu, {scale.to<T>(), alpha.to<T>() * scale.to<T>(), in});
}

// celu(x, alpha) = elu(x, alpha, 1, 1 / alpha).
template <typename T>
Tensor celu_kernel(const Tensor& self, const Scalar& alpha) {
  if (!covered<T>(self) || !real_scalar(alpha) || !(alpha.to<double>() > 1e-6)) {
    return ops::celu_op().typed<Tensor(const Tensor&, const Scalar&)>().redispatch(
        kBackendReference, self, alpha);
  }
  return run_unary<T>(self, Vec<T>::Elu, {T(1), alpha.to<T>(), T(1.0 / alpha.to<double>())});
}

template <typename T>
Tensor softplus_kernel(const Tensor& self, const Scalar& beta, const Scalar& threshold) {
  const bool real = real_scalar(beta) && real_scalar(threshold);
  const T b = real ? beta.to<T>() : T(0), t = real ? threshold.to<T>() : T(0);
  // exp(min(x * beta, threshold)) must not overflow.
  if (!covered<T>(self) || !(b > 0 && b <= T(1e6)) || !(t <= T(80))) {
    return ops::softplus_op()
        .typed<Tensor(const Tensor&, const Scalar&, const Scalar&)>()
        .redispatch(kBackendReference, self, beta, threshold);
  }
  return run_unary<T>(self, Vec<T>::Softplus, {b, t});
}

template <typename T>
Tensor gelu_kernel(const Tensor& self, std::string_view approximate) {
  if (!covered<T>(self) || (approximate != "none" && approximate != "tanh")) {
    return ops::gelu_op().typed<Tensor(const Tensor&, std::string_view)>().redispatch(
        kBackendReference, self, approximate);
  }
  return run_unary<T>(self, approximate == "tanh" ? Vec<T>::GeluTanh : Vec<T>::Gelu);
}

}  // namespace

TSR_REGISTER {
#define TSR_REGISTER_UNARY(E, op)                                                          \
  impl_for(ops::op##_op(), kBackendCPU, VecDTypes{}, []<typename T>() {                    \
    return +[](const Tensor& a) { return unary_kernel<T, Vec<T>::E>(a, ops::op##_op()); }; \
  });
  TSR_CPU_UNARY_OPS(TSR_REGISTER_UNARY)
#undef TSR_REGISTER_UNARY
#define TSR_REGISTER_HALF_UNARY(E, op)                                                \
  impl_for(ops::op##_op(), kBackendCPU, DTypeList<DType::Float16, DType::BFloat16>{}, \
           []<typename H>() {                                                         \
             return +[](const Tensor& a) {                                            \
               return half_unary_kernel<H, Vec<float>::E>(a, ops::op##_op());         \
             };                                                                       \
           });
  TSR_CPU_UNARY_OPS(TSR_REGISTER_HALF_UNARY)
#undef TSR_REGISTER_HALF_UNARY
  impl_for(ops::clamp_op(), kBackendCPU, VecDTypes{},
           []<typename T>() { return &clamp_kernel<T>; });
  impl_for(ops::hardtanh_op(), kBackendCPU, VecDTypes{},
           []<typename T>() { return &hardtanh_kernel<T>; });
  impl_for(ops::leaky_relu_op(), kBackendCPU, VecDTypes{},
           []<typename T>() { return &leaky_relu_kernel<T>; });
  impl_for(ops::elu_op(), kBackendCPU, VecDTypes{}, []<typename T>() { return &elu_kernel<T>; });
  impl_for(ops::celu_op(), kBackendCPU, VecDTypes{}, []<typename T>() { return &celu_kernel<T>; });
  impl_for(ops::softplus_op(), kBackendCPU, VecDTypes{},
           []<typename T>() { return &softplus_kernel<T>; });
  impl_for(ops::gelu_op(), kBackendCPU, VecDTypes{}, []<typename T>() { return &gelu_kernel<T>; });
}

}  // namespace tessera::cpu
#endif  // HWY_ONCE
