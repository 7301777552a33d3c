// cumsum, cumprod: schemas and reference kernels. Integers and bool accumulate to int64
// (unless a dtype is given); floats accumulate in double, rounded at each element.
#include "api/functions.h"
#include "ops/handles.h"
#include "ops/reduce.h"

namespace tessera {
namespace ops {
TSR_OP(cumsum, "cumsum(Tensor self, int dim, *, ScalarType? dtype=None) -> Tensor")
TSR_OP(cumprod, "cumprod(Tensor self, int dim, *, ScalarType? dtype=None) -> Tensor")
}  // namespace ops
using namespace ops;

namespace {

template <typename T>
Tensor scan_kernel(const Tensor& self, int64_t dim, std::optional<DType> dtype, bool product) {
  const char* name = product ? "cumprod" : "cumsum";
  if (dtype && *dtype != dtype_of<T>) {
    return product ? cumprod(cast(self, *dtype), dim) : cumsum(cast(self, *dtype), dim);
  }
  using Out = std::conditional_t<std::is_integral_v<T>, int64_t, T>;
  using Acc = sum_acc_t<T>;
  return map_rows_along<Out, T>(
      self, dim, dtype_of<Out>, name, [product](const T* in, Out* out, int64_t k) {
        Acc acc(product ? 1 : 0);
        for (int64_t j = 0; j < k; ++j) {
          const Acc x = convert<Acc>(in[j]);
          acc = product ? arith::mul<Acc>(acc, x) : arith::add<Acc>(acc, x);
          out[j] = convert<Out>(acc);
        }
      });
}

}  // namespace

TSR_REGISTER {
  impl_for(cumsum_op(), kBackendReference, AllDTypes{}, []<typename T>() {
    return +[](const Tensor& s, int64_t d, std::optional<DType> t) {
      return scan_kernel<T>(s, d, t, false);
    };
  });
  impl_for(cumprod_op(), kBackendReference, AllDTypes{}, []<typename T>() {
    return +[](const Tensor& s, int64_t d, std::optional<DType> t) {
      return scan_kernel<T>(s, d, t, true);
    };
  });
}

Tensor cumsum(const Tensor& self, int64_t dim, std::optional<DType> dtype) {
  static const auto op = cumsum_op().typed<Tensor(const Tensor&, int64_t, std::optional<DType>)>();
  return op.call(self, dim, dtype);
}
Tensor cumprod(const Tensor& self, int64_t dim, std::optional<DType> dtype) {
  static const auto op = cumprod_op().typed<Tensor(const Tensor&, int64_t, std::optional<DType>)>();
  return op.call(self, dim, dtype);
}

}  // namespace tessera
