// where(condition, self, other): elements of self where condition holds, else of other.
#include "api/functions.h"
#include "ops/elementwise.h"
#include "ops/handles.h"

namespace tessera {
namespace ops {
TSR_OP(where, "where.self(Tensor condition, Tensor self, Tensor other) -> Tensor",
       OpOptions{.dispatch_dtype_args = {1, 2}})
}  // namespace ops
using namespace ops;

namespace {

// Dispatches on self and other only: condition is bool and takes no part in promotion.

template <typename T>
Tensor where_kernel(const Tensor& cond, const Tensor& a, const Tensor& b) {
  TSR_CHECK_AS(TypeError, cond.dtype() == DType::Bool,
               "where: expected condition to be a boolean tensor, but got a tensor with dtype ",
               cond.dtype());
  // The condition is read as T (the three operands share one element type) and converted
  // back to bool per element.
  return ternary_map<T, T>(cond, a, b, "where",
                           [](T c, T x, T y) { return convert<bool>(c) ? x : y; });
}

}  // namespace

TSR_REGISTER {
  impl_for(where_op(), kBackendReference, AllDTypes{},
           []<typename T>() { return &where_kernel<T>; });
}

Tensor where(const Tensor& condition, const Tensor& self, const Tensor& other) {
  static const auto op = where_op().typed<Tensor(const Tensor&, const Tensor&, const Tensor&)>();
  return op.call(condition, self, other);
}

}  // namespace tessera
