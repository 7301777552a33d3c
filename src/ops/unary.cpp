// neg, abs, exp, log, sqrt: schemas and reference kernels.
#include <cmath>

#include "api/functions.h"
#include "ops/elementwise.h"
#include "ops/handles.h"

namespace tessera {
namespace ops {
TSR_OP(neg, "neg(Tensor self) -> Tensor")
TSR_OP(abs, "abs(Tensor self) -> Tensor")
TSR_OP(exp, "exp(Tensor self) -> Tensor")
TSR_OP(log, "log(Tensor self) -> Tensor")
TSR_OP(sqrt, "sqrt(Tensor self) -> Tensor")
}  // namespace ops
using namespace ops;

namespace {

template <typename T>
Tensor neg_kernel(const Tensor& a) {
  if constexpr (std::is_same_v<T, bool>) {
    detail::throw_error<TypeError>(
        "neg: negation, the `-` operator, on a bool tensor is not supported; if you are trying to "
        "invert a mask, use "
        "the `~` or logical_not() operator instead");
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

// Floating-point unary math: integer and bool inputs compute in the default float dtype,
// 8- and 16-bit floats in float32.
template <typename T, typename F>
Tensor float_math(const Tensor& a, F f) {
  if constexpr (is_complex_v<T>) {
    return unary_map<T, T>(a, [f](T x) { return T(f(x)); });
  } else if constexpr (std::is_integral_v<T>) {
    return unary_map<float, float>(a, [f](float x) { return f(x); });
  } else {
    using C = compute_t<T>;
    return unary_map<T, T>(a, [f](T x) { return T(f(C(x))); });
  }
}

template <typename T>
Tensor exp_kernel(const Tensor& a) {
  return float_math<T>(a, [](auto x) { return std::exp(x); });
}
template <typename T>
Tensor log_kernel(const Tensor& a) {
  return float_math<T>(a, [](auto x) { return std::log(x); });
}
template <typename T>
Tensor sqrt_kernel(const Tensor& a) {
  return float_math<T>(a, [](auto x) { return std::sqrt(x); });
}

}  // namespace

TSR_REGISTER {
  impl_for(neg_op(), kBackendReference, AllDTypes{}, []<typename T>() { return &neg_kernel<T>; });
  impl_for(abs_op(), kBackendReference, AllDTypes{}, []<typename T>() { return &abs_kernel<T>; });
  impl_for(exp_op(), kBackendReference, AllDTypes{}, []<typename T>() { return &exp_kernel<T>; });
  impl_for(log_op(), kBackendReference, AllDTypes{}, []<typename T>() { return &log_kernel<T>; });
  impl_for(sqrt_op(), kBackendReference, AllDTypes{}, []<typename T>() { return &sqrt_kernel<T>; });
}

TSR_UNARY_API(neg)
TSR_UNARY_API(abs)
TSR_UNARY_API(exp)
TSR_UNARY_API(log)
TSR_UNARY_API(sqrt)

}  // namespace tessera
