// Activations with parameters: clamp, hardtanh (and relu6), leaky_relu, elu, celu, gelu,
// softplus, prelu. Schemas and reference kernels; the parameter-free ones are in unary.cpp.
#include <cmath>
#include <numbers>

#include "api/functions.h"
#include "dispatch/result_type.h"
#include "ops/elementwise.h"
#include "ops/handles.h"

namespace tessera {
namespace ops {
TSR_OP(clamp, "clamp(Tensor self, Scalar? min=None, Scalar? max=None) -> Tensor")
TSR_OP(hardtanh, "hardtanh(Tensor self, Scalar min_val=-1, Scalar max_val=1) -> Tensor")
TSR_OP(leaky_relu, "leaky_relu(Tensor self, Scalar negative_slope=0.01) -> Tensor")
TSR_OP(elu, "elu(Tensor self, Scalar alpha=1, Scalar scale=1, Scalar input_scale=1) -> Tensor")
TSR_OP(celu, "celu(Tensor self, Scalar alpha=1.0) -> Tensor")
TSR_OP(gelu, "gelu(Tensor self, *, str approximate='none') -> Tensor")
TSR_OP(softplus, "softplus(Tensor self, Scalar beta=1, Scalar threshold=20) -> Tensor")
// prelu dispatches on self; the weight is converted to self's dtype.
TSR_OP(prelu, "prelu(Tensor self, Tensor weight) -> Tensor", OpOptions{.dispatch_dtype_args = {0}})
}  // namespace ops
using namespace ops;

namespace {

// x limited to [lo, hi] (either may be absent); NaN stays NaN; lo > hi gives hi everywhere.
template <typename T>
Tensor clamp_to(const Tensor& a, std::optional<compute_t<T>> lo, std::optional<compute_t<T>> hi) {
  using C = compute_t<T>;
  return unary_map<T, T>(a, [lo, hi](T x) {
    C v(x);
    if (v != v) return x;
    if (lo && v < *lo) v = *lo;
    if (hi && v > *hi) v = *hi;
    return T(v);
  });
}

template <typename T>
Tensor clamp_kernel(const Tensor& self, const std::optional<Scalar>& lo,
                    const std::optional<Scalar>& hi) {
  TSR_CHECK(lo || hi, "clamp: at least one of 'min' or 'max' must not be None");
  // The bounds take part in type promotion as wrapped numbers, as in torch.clamp.
  ResultTypeState rt;
  rt.update(self);
  for (const auto& s : {lo, hi}) {
    if (s) rt.update(s->dtype(), 0, true);
  }
  const DType out = *rt.result();
  if (out != dtype_of<T>) return clamp(cast(self, out), lo, hi);
  if constexpr (is_complex_v<T>) {
    detail::throw_error<TypeError>("clamp is not supported for complex types");
  } else {
    using C = compute_t<T>;
    const auto bound = [](const std::optional<Scalar>& s) -> std::optional<C> {
      if (!s) return std::nullopt;
      return s->to<C>();
    };
    return clamp_to<T>(self, bound(lo), bound(hi));
  }
}

template <typename T>
Tensor hardtanh_kernel(const Tensor& self, const Scalar& lo, const Scalar& hi) {
  using C = compute_t<T>;
  if constexpr (std::is_unsigned_v<T>) {
    TSR_CHECK(lo.to<double>() >= 0 && hi.to<double>() >= 0,
              "hardtanh: cannot do hardtanh on an unsigned type with negative limits");
  }
  return clamp_to<T>(self, lo.to<C>(), hi.to<C>());
}

template <typename T, typename F>
Tensor float_map(const Tensor& a, F f) {
  using C = compute_t<T>;
  return unary_map<T, T>(a, [f](T x) { return T(f(C(x))); });
}

template <typename T>
Tensor leaky_relu_kernel(const Tensor& self, const Scalar& slope) {
  using C = compute_t<T>;
  const C s = slope.to<C>();
  return float_map<T>(self, [s](C x) { return x > 0 ? x : x * s; });
}

// elu as PyTorch defines it: x > 0 ? scale * x : alpha * scale * expm1(x * input_scale).
template <typename T>
Tensor elu_kernel(const Tensor& self, const Scalar& alpha, const Scalar& scale,
                  const Scalar& input_scale) {
  using C = compute_t<T>;
  const C neg = alpha.to<C>() * scale.to<C>();
  const C pos = scale.to<C>();
  const C in = input_scale.to<C>();
  return float_map<T>(self, [=](C x) { return x > 0 ? x * pos : std::expm1(x * in) * neg; });
}

template <typename T>
Tensor celu_kernel(const Tensor& self, const Scalar& alpha) {
  const double a = alpha.to<double>();
  TSR_CHECK(a != 0, "celu: ZeroDivisionError (alpha must not be 0)");
  return elu(self, alpha, 1, 1.0 / a);
}

template <typename T>
Tensor gelu_kernel(const Tensor& self, std::string_view approximate) {
  using C = compute_t<T>;
  if (approximate == "tanh") {
    const C k = C(std::numbers::sqrt2 * std::numbers::inv_sqrtpi);  // sqrt(2 / pi)
    return float_map<T>(self, [k](C x) {
      return C(0.5) * x * (C(1) + std::tanh(k * (x + C(0.044715) * x * x * x)));
    });
  }
  TSR_CHECK(approximate == "none", "gelu: approximate must be 'none' or 'tanh', not '", approximate,
            "'");
  return float_map<T>(
      self, [](C x) { return x * C(0.5) * (C(1) + std::erf(x * C(std::numbers::sqrt2 / 2))); });
}

template <typename T>
Tensor softplus_kernel(const Tensor& self, const Scalar& beta, const Scalar& threshold) {
  using C = compute_t<T>;
  const C b = beta.to<C>();
  const C t = threshold.to<C>();
  return float_map<T>(self,
                      [b, t](C x) { return x * b > t ? x : std::log1p(std::exp(x * b)) / b; });
}

// x > 0 ? x : w * x, with one slope or one per channel (dim 1).
template <typename T>
Tensor prelu_kernel(const Tensor& self, const Tensor& weight) {
  const int64_t channels = self.dim() >= 2 ? self.size(1) : 1;
  TSR_CHECK(weight.dim() <= 1, "prelu: weight must be a scalar or 1-D, got ", weight.dim(),
            " dims");
  TSR_CHECK(weight.numel() == 1 || weight.numel() == channels,
            "prelu: mismatch of parameter numbers and input channel size: found parameter "
            "numbers = ",
            weight.numel(), " and channel size = ", channels);
  Shape shape(static_cast<size_t>(self.dim()), 1);  // the slopes along dim 1
  if (weight.numel() != 1) shape[1] = channels;
  const Tensor w = weight.numel() == 1 ? weight.reshape({}) : weight.reshape(shape);
  using C = compute_t<T>;
  return binary_map<T, T>(self, w, "prelu", [](T x, T s) { return C(x) > 0 ? x : T(C(s) * C(x)); });
}

}  // namespace

TSR_REGISTER {
  impl_for(clamp_op(), kBackendReference, AllDTypes{},
           []<typename T>() { return &clamp_kernel<T>; });
  // hardtanh keeps integer dtypes (it does not promote, unlike clamp).
  impl_for(hardtanh_op(), kBackendReference,
           dtypes_of<DTypeCategory::Integer, DTypeCategory::Floating>{},
           []<typename T>() { return &hardtanh_kernel<T>; });
  impl_for(leaky_relu_op(), kBackendReference, FloatingDTypes{},
           []<typename T>() { return &leaky_relu_kernel<T>; });
  impl_for(elu_op(), kBackendReference, FloatingDTypes{},
           []<typename T>() { return &elu_kernel<T>; });
  impl_for(celu_op(), kBackendReference, FloatingDTypes{},
           []<typename T>() { return &celu_kernel<T>; });
  impl_for(gelu_op(), kBackendReference, FloatingDTypes{},
           []<typename T>() { return &gelu_kernel<T>; });
  impl_for(softplus_op(), kBackendReference, FloatingDTypes{},
           []<typename T>() { return &softplus_kernel<T>; });
  impl_for(prelu_op(), kBackendReference, FloatingDTypes{},
           []<typename T>() { return &prelu_kernel<T>; });
}

Tensor clamp(const Tensor& self, const std::optional<Scalar>& min,
             const std::optional<Scalar>& max) {
  static const auto op = clamp_op()
                             .typed<Tensor(const Tensor&, const std::optional<Scalar>&,
                                           const std::optional<Scalar>&)>();
  return op.call(self, min, max);
}
Tensor hardtanh(const Tensor& self, const Scalar& min_val, const Scalar& max_val) {
  static const auto op = hardtanh_op().typed<Tensor(const Tensor&, const Scalar&, const Scalar&)>();
  return op.call(self, min_val, max_val);
}
Tensor relu6(const Tensor& self) {
  return hardtanh(self, 0, 6);
}
Tensor leaky_relu(const Tensor& self, const Scalar& negative_slope) {
  static const auto op = leaky_relu_op().typed<Tensor(const Tensor&, const Scalar&)>();
  return op.call(self, negative_slope);
}
Tensor elu(const Tensor& self, const Scalar& alpha, const Scalar& scale,
           const Scalar& input_scale) {
  static const auto op =
      elu_op().typed<Tensor(const Tensor&, const Scalar&, const Scalar&, const Scalar&)>();
  return op.call(self, alpha, scale, input_scale);
}
Tensor celu(const Tensor& self, const Scalar& alpha) {
  static const auto op = celu_op().typed<Tensor(const Tensor&, const Scalar&)>();
  return op.call(self, alpha);
}
Tensor gelu(const Tensor& self, std::string_view approximate) {
  static const auto op = gelu_op().typed<Tensor(const Tensor&, std::string_view)>();
  return op.call(self, approximate);
}
Tensor softplus(const Tensor& self, const Scalar& beta, const Scalar& threshold) {
  static const auto op = softplus_op().typed<Tensor(const Tensor&, const Scalar&, const Scalar&)>();
  return op.call(self, beta, threshold);
}

TSR_BINARY_API(prelu)

}  // namespace tessera
