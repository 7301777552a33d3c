// softmax, log_softmax: schemas and reference kernels (each row in double, about its max).
#include <cmath>

#include "api/functions.h"
#include "ops/handles.h"
#include "ops/reduce.h"

namespace tessera {
namespace ops {
TSR_OP(softmax, "softmax.int(Tensor self, int dim, ScalarType? dtype=None) -> Tensor")
TSR_OP(log_softmax, "log_softmax.int(Tensor self, int dim, ScalarType? dtype=None) -> Tensor")
}  // namespace ops
using namespace ops;

namespace {

template <typename T>
Tensor softmax_kernel(const Tensor& self, int64_t dim, std::optional<DType> dtype, bool log) {
  if (dtype && *dtype != dtype_of<T>) {
    return log ? log_softmax(cast(self, *dtype), dim) : softmax(cast(self, *dtype), dim);
  }
  if constexpr (std::is_integral_v<T> || is_complex_v<T>) {
    detail::throw_error<NotImplementedError>(log ? "log_softmax" : "softmax",
                                             ": not implemented for ", dtype_of<T>,
                                             " (pass a floating dtype= to compute in it)");
  } else {
    return map_rows_along<T, T>(self, dim, dtype_of<T>, log ? "log_softmax" : "softmax",
                                [log](const T* in, T* out, int64_t k) {
                                  double m = -INFINITY;
                                  for (int64_t j = 0; j < k; ++j) {
                                    const double x = convert<double>(in[j]);
                                    m = std::isnan(x) || x > m ? x : m;
                                  }
                                  double s = 0;
                                  for (int64_t j = 0; j < k; ++j)
                                    s += std::exp(convert<double>(in[j]) - m);
                                  const double ls = std::log(s);
                                  for (int64_t j = 0; j < k; ++j) {
                                    const double x = convert<double>(in[j]) - m;
                                    out[j] = convert<T>(log ? x - ls : std::exp(x) / s);
                                  }
                                });
  }
}

}  // namespace

TSR_REGISTER {
  // Every dtype: a non-floating input may be cast by dtype= first; without it, it is an error.
  impl_for(softmax_op(), kBackendReference, AllDTypes{}, []<typename T>() {
    return +[](const Tensor& s, int64_t d, std::optional<DType> t) {
      return softmax_kernel<T>(s, d, t, false);
    };
  });
  impl_for(log_softmax_op(), kBackendReference, AllDTypes{}, []<typename T>() {
    return +[](const Tensor& s, int64_t d, std::optional<DType> t) {
      return softmax_kernel<T>(s, d, t, true);
    };
  });
}

Tensor softmax(const Tensor& self, int64_t dim, std::optional<DType> dtype) {
  static const auto op = softmax_op().typed<Tensor(const Tensor&, int64_t, std::optional<DType>)>();
  return op.call(self, dim, dtype);
}
Tensor log_softmax(const Tensor& self, int64_t dim, std::optional<DType> dtype) {
  static const auto op =
      log_softmax_op().typed<Tensor(const Tensor&, int64_t, std::optional<DType>)>();
  return op.call(self, dim, dtype);
}

}  // namespace tessera
