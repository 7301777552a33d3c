// conj, real, imag, angle: complex parts; real inputs behave as PyTorch's do.
#include <cmath>
#include <numbers>

#include "api/functions.h"
#include "ops/elementwise.h"
#include "ops/handles.h"

namespace tessera {
namespace ops {
TSR_OP(conj, "conj(Tensor(a) self) -> Tensor(a)")
TSR_OP(real, "real(Tensor(a) self) -> Tensor(a)")
TSR_OP(imag, "imag(Tensor(a) self) -> Tensor(a)")
TSR_OP(angle, "angle(Tensor self) -> Tensor")
}  // namespace ops
using namespace ops;

namespace {

// conj of a real tensor is the tensor itself (an alias, as in PyTorch); of a complex one,
// a new tensor (PyTorch returns a lazily conjugated view; tessera has no conj bit).
template <typename T>
Tensor conj_kernel(const Tensor& self) {
  if constexpr (is_complex_v<T>) {
    return unary_map<T, T>(self, [](T x) { return std::conj(x); });
  } else {
    return self;
  }
}

// Views and aliases work for any dtype: real and imag register dtype-generic kernels.
Tensor real_kernel(const Tensor& self) {
  return self.is_complex() ? self.real_view() : self;
}
Tensor imag_kernel(const Tensor& self) {
  TSR_CHECK_AS(TypeError, self.is_complex(),
               "imag: not implemented for tensors with non-complex dtypes (got ", self.dtype(),
               ")");
  return self.imag_view();
}

// angle: arg of complex numbers; for reals 0 or pi by sign (NaN stays NaN); integer
// inputs give the default float dtype.
template <typename T>
Tensor angle_kernel(const Tensor& self) {
  if constexpr (is_complex_v<T>) {
    using V = typename T::value_type;
    return unary_map<V, T>(self, [](T x) { return std::arg(x); });
  } else if constexpr (std::is_integral_v<T>) {
    return unary_map<float, float>(
        self, [](float x) { return x < 0 ? std::numbers::pi_v<float> : 0.0f; });
  } else {
    using C = compute_t<T>;
    return unary_map<T, T>(self, [](T x) {
      const C c(x);
      return T(std::isnan(c) ? c : (c < 0 ? std::numbers::pi_v<C> : C(0)));
    });
  }
}

}  // namespace

TSR_REGISTER {
  impl_for(conj_op(), kBackendReference, AllDTypes{}, []<typename T>() { return &conj_kernel<T>; });
  impl_generic(real_op(), kBackendReference, &real_kernel);
  impl_generic(imag_op(), kBackendReference, &imag_kernel);
  impl_for(angle_op(), kBackendReference, AllDTypes{},
           []<typename T>() { return &angle_kernel<T>; });
}

TSR_UNARY_API(conj)
TSR_UNARY_API(real)
TSR_UNARY_API(imag)
TSR_UNARY_API(angle)

}  // namespace tessera
