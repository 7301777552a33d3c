// The unary ops of signature `name(Tensor self) -> Tensor`: schemas and reference kernels.
// The floating-point math ops come from one table (ops/unary_ops.h).
#include <cmath>
#include <complex>

#include "api/functions.h"
#include "ops/elementwise.h"
#include "ops/handles.h"
#include "ops/unary_ops.h"

namespace tessera {
namespace ops {
#define TSR_DEFINE_UNARY_OP(name, ...) TSR_OP(name, #name "(Tensor self) -> Tensor")
TSR_FLOAT_UNARY_OPS(TSR_DEFINE_UNARY_OP)
TSR_OTHER_UNARY_OPS(TSR_DEFINE_UNARY_OP)
#undef TSR_DEFINE_UNARY_OP
}  // namespace ops
using namespace ops;

namespace {

// The functions of TSR_FLOAT_UNARY_OPS, for float, double and (where the row lists
// complex dtypes) std::complex. Formulas are PyTorch's where it has a choice.
namespace math {
template <typename V>
constexpr bool kComplex = is_complex_v<V>;

template <typename V>
V exp(V x) {
  return std::exp(x);
}
template <typename V>
V exp2(V x) {
  if constexpr (kComplex<V>) {
    return std::exp(x * V(std::numbers::ln2_v<typename V::value_type>));
  } else {
    return std::exp2(x);
  }
}
template <typename V>
V expm1(V x) {
  if constexpr (kComplex<V>) {
    return std::exp(x) - V(1);
  } else {
    return std::expm1(x);
  }
}
template <typename V>
V log(V x) {
  return std::log(x);
}
template <typename V>
V log2(V x) {
  if constexpr (kComplex<V>) {
    return std::log(x) / V(std::numbers::ln2_v<typename V::value_type>);
  } else {
    return std::log2(x);
  }
}
template <typename V>
V log10(V x) {
  return std::log10(x);
}
template <typename V>
V log1p(V x) {
  if constexpr (kComplex<V>) {
    return std::log(V(1) + x);
  } else {
    return std::log1p(x);
  }
}
template <typename V>
V sqrt(V x) {
  return std::sqrt(x);
}
template <typename V>
V rsqrt(V x) {
  return V(1) / std::sqrt(x);
}
template <typename V>
V reciprocal(V x) {
  return V(1) / x;
}
#define TSR_STD_MATH(f) \
  template <typename V> \
  V f(V x) {            \
    return std::f(x);   \
  }
TSR_STD_MATH(sin)
TSR_STD_MATH(cos)
TSR_STD_MATH(tan)
TSR_STD_MATH(asin)
TSR_STD_MATH(acos)
TSR_STD_MATH(atan)
TSR_STD_MATH(sinh)
TSR_STD_MATH(cosh)
TSR_STD_MATH(tanh)
TSR_STD_MATH(asinh)
TSR_STD_MATH(acosh)
TSR_STD_MATH(atanh)
TSR_STD_MATH(erf)
TSR_STD_MATH(erfc)
#undef TSR_STD_MATH
template <typename V>
V sigmoid(V x) {
  return V(1) / (V(1) + std::exp(-x));
}
template <typename V>
V softsign(V x) {
  return x / (V(1) + V(std::abs(x)));
}
template <typename V>
V silu(V x) {
  return x / (V(1) + std::exp(-x));
}
template <typename V>
V selu(V x) {
  constexpr V alpha = V(1.6732632423543772848170429916717);
  constexpr V scale = V(1.0507009873554804934193349852946);
  return x > 0 ? scale * x : scale * alpha * std::expm1(x);
}
template <typename V>
V mish(V x) {
  return x * std::tanh(std::log1p(std::exp(x)));
}
template <typename V>
V hardsigmoid(V x) {
  return std::min(std::max(x + V(3), V(0)), V(6)) / V(6);
}
template <typename V>
V hardswish(V x) {
  return x * std::min(std::max(x + V(3), V(0)), V(6)) / V(6);
}
template <typename V>
V frac(V x) {
  return x - std::trunc(x);
}
}  // namespace math

// A floating-point function of each element: bool and integer inputs compute in float32,
// 8- and 16-bit floats in float32 rounded once to their dtype.
template <typename T, typename F>
Tensor float_math(const Tensor& a, F f) {
  if constexpr (std::is_integral_v<T>) {
    return unary_map<float, float>(a, f);
  } else {
    using C = compute_t<T>;
    return unary_map<T, T>(a, [f](T x) { return T(f(C(x))); });
  }
}

template <typename T>
Tensor neg_kernel(const Tensor& a) {
  if constexpr (std::is_same_v<T, bool>) {
    detail::throw_error<TypeError>(
        "neg: negation, the `-` operator, on a bool tensor is not supported; if you are trying to "
        "invert a mask, use the `~` or logical_not() operator instead");
  } else {
    using C = compute_t<T>;
    return unary_map<T, T>(a, [](T x) { return T(arith::sub<C>(C(0), C(x))); });
  }
}

template <typename T>
Tensor abs_kernel(const Tensor& a) {
  if constexpr (is_complex_v<T>) {
    using V = typename T::value_type;
    return unary_map<V, T>(a, [](T x) { return std::abs(x); });
  } else if constexpr (std::is_same_v<T, bool> || std::is_unsigned_v<T>) {
    return unary_map<T, T>(a, [](T x) { return x; });
  } else {
    using C = compute_t<T>;
    return unary_map<T, T>(a, [](T x) {
      const C c(x);
      if constexpr (std::is_integral_v<C>) {
        return T(c < 0 ? arith::sub<C>(C(0), c) : c);
      } else {
        return T(std::fabs(c));
      }
    });
  }
}

// sign: -1, 0 or 1 (0 for NaN, as PyTorch); bool is its own sign.
template <typename T>
Tensor sign_kernel(const Tensor& a) {
  using C = compute_t<T>;
  return unary_map<T, T>(a, [](T x) { return T(C((C(0) < C(x)) - (C(x) < C(0)))); });
}

// floor, ceil, round (half to even), trunc: integers are already whole.
template <typename T, typename F>
Tensor rounding(const Tensor& a, F f) {
  if constexpr (std::is_integral_v<T>) {
    return unary_map<T, T>(a, [](T x) { return x; });
  } else {
    using C = compute_t<T>;
    return unary_map<T, T>(a, [f](T x) { return T(f(C(x))); });
  }
}

template <typename T>
Tensor relu_kernel(const Tensor& a) {
  using C = compute_t<T>;
  return unary_map<T, T>(a, [](T x) { return C(x) > C(0) || C(x) != C(x) ? x : T(C(0)); });
}

template <typename T>
Tensor bitwise_not_kernel(const Tensor& a) {
  if constexpr (std::is_same_v<T, bool>) {
    return unary_map<T, T>(a, [](T x) { return !x; });
  } else {
    return unary_map<T, T>(a, [](T x) { return static_cast<T>(~x); });
  }
}

// isnan, isinf, isfinite: P is a predicate on one real component; complex numbers are
// NaN or infinite when either part is, finite when both are.
template <typename T, typename P>
Tensor classify(const Tensor& a, P p, bool complex_all) {
  if constexpr (is_complex_v<T>) {
    return unary_map<bool, T>(a, [p, complex_all](T x) {
      return complex_all ? p(x.real()) && p(x.imag()) : p(x.real()) || p(x.imag());
    });
  } else if constexpr (std::is_integral_v<T>) {
    return unary_map<bool, T>(a, [p](T x) { return p(static_cast<double>(x)); });
  } else {
    return unary_map<bool, T>(a, [p](T x) { return p(compute_t<T>(x)); });
  }
}

}  // namespace

TSR_REGISTER {
#define TSR_REGISTER_FLOAT_UNARY(name, dtypes)                          \
  impl_for(name##_op(), kBackendReference, dtypes{}, []<typename T>() { \
    return +[](const Tensor& a) {                                       \
      return float_math<T>(a, [](auto x) { return math::name(x); });    \
    };                                                                  \
  });
  TSR_FLOAT_UNARY_OPS(TSR_REGISTER_FLOAT_UNARY)
#undef TSR_REGISTER_FLOAT_UNARY
  impl_for(neg_op(), kBackendReference, AllDTypes{}, []<typename T>() { return &neg_kernel<T>; });
  impl_for(abs_op(), kBackendReference, AllDTypes{}, []<typename T>() { return &abs_kernel<T>; });
  // torch.sign is not defined for complex numbers (torch.sgn is).
  impl_for(sign_op(), kBackendReference, RealDTypes{},
           []<typename T>() { return &sign_kernel<T>; });
  using Rounded = dtypes_of<DTypeCategory::Integer, DTypeCategory::Floating>;
  impl_for(floor_op(), kBackendReference, Rounded{}, []<typename T>() {
    return +[](const Tensor& a) { return rounding<T>(a, [](auto x) { return std::floor(x); }); };
  });
  impl_for(ceil_op(), kBackendReference, Rounded{}, []<typename T>() {
    return +[](const Tensor& a) { return rounding<T>(a, [](auto x) { return std::ceil(x); }); };
  });
  impl_for(round_op(), kBackendReference, Rounded{}, []<typename T>() {
    return +[](const Tensor& a) {
      return rounding<T>(a, [](auto x) { return std::nearbyint(x); });
    };
  });
  impl_for(trunc_op(), kBackendReference, Rounded{}, []<typename T>() {
    return +[](const Tensor& a) { return rounding<T>(a, [](auto x) { return std::trunc(x); }); };
  });
  impl_for(relu_op(), kBackendReference, Rounded{}, []<typename T>() { return &relu_kernel<T>; });
  impl_for(logical_not_op(), kBackendReference, AllDTypes{}, []<typename T>() {
    return +[](const Tensor& a) {
      return unary_map<bool, T>(a, [](T x) { return !is_nonzero(x); });
    };
  });
  impl_for(bitwise_not_op(), kBackendReference,
           dtypes_of<DTypeCategory::Bool, DTypeCategory::Integer>{},
           []<typename T>() { return &bitwise_not_kernel<T>; });
  impl_for(isnan_op(), kBackendReference, AllDTypes{}, []<typename T>() {
    return +[](const Tensor& a) {
      return classify<T>(
          a, [](auto x) { return std::isnan(x); }, false);
    };
  });
  impl_for(isinf_op(), kBackendReference, AllDTypes{}, []<typename T>() {
    return +[](const Tensor& a) {
      return classify<T>(
          a, [](auto x) { return std::isinf(x); }, false);
    };
  });
  impl_for(isfinite_op(), kBackendReference, AllDTypes{}, []<typename T>() {
    return +[](const Tensor& a) {
      return classify<T>(
          a, [](auto x) { return std::isfinite(x); }, true);
    };
  });
}

#define TSR_DEFINE_UNARY_API(name, ...) TSR_UNARY_API(name)
TSR_FLOAT_UNARY_OPS(TSR_DEFINE_UNARY_API)
TSR_OTHER_UNARY_OPS(TSR_DEFINE_UNARY_API)
#undef TSR_DEFINE_UNARY_API

}  // namespace tessera
