// lerp (tensor or scalar weight) and addcmul: schemas and reference kernels.
#include <cmath>

#include "api/functions.h"
#include "ops/elementwise.h"
#include "ops/handles.h"

namespace tessera {
namespace ops {
TSR_OP(lerp_tensor, "lerp.Tensor(Tensor self, Tensor end, Tensor weight) -> Tensor")
TSR_OP(lerp_scalar, "lerp.Scalar(Tensor self, Tensor end, Scalar weight) -> Tensor")
TSR_OP(addcmul, "addcmul(Tensor self, Tensor tensor1, Tensor tensor2, *, Scalar value=1) -> Tensor")
}  // namespace ops
using namespace ops;

namespace {

// PyTorch's formula: exact at weight 0 and 1, and symmetric about 0.5.
template <typename C, typename W>
C lerp_value(C self, C end, W weight) {
  return std::abs(weight) < 0.5 ? self + weight * (end - self)
                                : end - (end - self) * (W(1) - weight);
}

// lerp does not promote: end (and a tensor weight) must have self's dtype.
void check_same_dtype(const Tensor& self, const Tensor& other, const char* name) {
  TSR_CHECK_AS(TypeError, self.dtype() == other.dtype(), "lerp: expected dtype ", self.dtype(),
               " for `", name, "` but got dtype ", other.dtype());
}

template <typename T>
Tensor lerp_tensor_kernel(const Tensor& self, const Tensor& end, const Tensor& weight) {
  check_same_dtype(self, end, "end");
  check_same_dtype(self, weight, "weight");
  using C = compute_t<T>;
  return ternary_map<T, T>(self, end, weight, "lerp",
                           [](T s, T e, T w) { return T(lerp_value<C, C>(C(s), C(e), C(w))); });
}

template <typename T>
Tensor lerp_scalar_kernel(const Tensor& self, const Tensor& end, const Scalar& weight) {
  check_same_dtype(self, end, "end");
  using C = compute_t<T>;
  const C w = weight.to<C>();
  return binary_map<T, T>(self, end, "lerp",
                          [w](T s, T e) { return T(lerp_value<C, C>(C(s), C(e), w)); });
}

template <typename T>
Tensor addcmul_kernel(const Tensor& self, const Tensor& t1, const Tensor& t2, const Scalar& value) {
  using C = compute_t<T>;
  if constexpr (std::is_same_v<T, bool>) {
    detail::throw_error<TypeError>("addcmul: not supported for bool tensors");
  } else {
    const C v = C(checked_convert<T>(value, "addcmul"));
    return ternary_map<T, T>(self, t1, t2, "addcmul", [v](T s, T x, T y) {
      return T(arith::add<C>(C(s), arith::mul<C>(v, arith::mul<C>(C(x), C(y)))));
    });
  }
}

}  // namespace

TSR_REGISTER {
  impl_for(lerp_tensor_op(), kBackendReference, InexactDTypes{},
           []<typename T>() { return &lerp_tensor_kernel<T>; });
  impl_for(lerp_scalar_op(), kBackendReference, InexactDTypes{},
           []<typename T>() { return &lerp_scalar_kernel<T>; });
  impl_for(addcmul_op(), kBackendReference, AllDTypes{},
           []<typename T>() { return &addcmul_kernel<T>; });
}

Tensor lerp(const Tensor& self, const Tensor& end, const Tensor& weight) {
  static const auto op =
      lerp_tensor_op().typed<Tensor(const Tensor&, const Tensor&, const Tensor&)>();
  return op.call(self, end, weight);
}
Tensor lerp(const Tensor& self, const Tensor& end, const Scalar& weight) {
  static const auto op =
      lerp_scalar_op().typed<Tensor(const Tensor&, const Tensor&, const Scalar&)>();
  return op.call(self, end, weight);
}
Tensor addcmul(const Tensor& self, const Tensor& tensor1, const Tensor& tensor2,
               const Scalar& value) {
  static const auto op =
      addcmul_op().typed<Tensor(const Tensor&, const Tensor&, const Tensor&, const Scalar&)>();
  return op.call(self, tensor1, tensor2, value);
}

}  // namespace tessera
