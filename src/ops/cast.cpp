// cast(self, dtype): a converted copy, the op behind Tensor::to(dtype) and ONNX Cast.
#include "api/functions.h"
#include "ops/elementwise.h"
#include "ops/handles.h"

namespace tessera {
namespace ops {
TSR_OP(cast, "cast(Tensor self, ScalarType dtype) -> Tensor")
}  // namespace ops
using namespace ops;

namespace {

// One dtype-generic kernel: the conversion table lives in core (Tensor::copy_).
Tensor cast_kernel(const Tensor& self, DType dtype) {
  Tensor out = empty(self.sizes(), TensorOptions(dtype, self.device()));
  out.copy_(self);
  return out;
}

}  // namespace

TSR_REGISTER {
  impl_generic(cast_op(), kBackendReference, &cast_kernel);
}

Tensor cast(const Tensor& self, DType dtype) {
  static const auto op = cast_op().typed<Tensor(const Tensor&, DType)>();
  return op.call(self, dtype);
}

}  // namespace tessera
