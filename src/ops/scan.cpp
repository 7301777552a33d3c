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
  const int64_t d = wrap_dim(dim, std::max<int64_t>(self.dim(), 1), name);
  using Out = std::conditional_t<std::is_integral_v<T>, int64_t, T>;
  using Acc = sum_acc_t<T>;
  // The scanned dim moved last: rows of k contiguous elements.
  const Tensor moved = self.dim() == 0 ? self.reshape({1}) : self.transpose(d, -1).contiguous();
  Tensor out = empty(moved.sizes(), TensorOptions(dtype_of<Out>, self.device()));
  const int64_t k = moved.dim() == 0 ? 1 : moved.size(-1);
  const int64_t m = k == 0 ? 0 : moved.numel() / k;
  const T* in = static_cast<const T*>(moved.data_ptr());
  Out* o = static_cast<Out*>(out.data_ptr());
  for (int64_t i = 0; i < m; ++i) {
    Acc acc(product ? 1 : 0);
    for (int64_t j = 0; j < k; ++j) {
      const Acc x = convert<Acc>(in[i * k + j]);
      acc = product ? arith::mul<Acc>(acc, x) : arith::add<Acc>(acc, x);
      o[i * k + j] = convert<Out>(acc);
    }
  }
  if (self.dim() == 0) return out.reshape({});
  return out.transpose(d, -1).contiguous();
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
