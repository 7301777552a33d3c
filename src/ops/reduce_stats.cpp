// var, std (with correction), linalg_vector_norm (norm), logsumexp: schemas and reference
// kernels. Each row is accumulated in double (complex<double> for complex inputs).
#include <cmath>
#include <limits>

#include "api/functions.h"
#include "ops/handles.h"
#include "ops/reduce.h"

namespace tessera {
namespace ops {
TSR_OP(var,
       "var.correction(Tensor self, int[1]? dim=None, *, Scalar? correction=None, bool "
       "keepdim=False) -> Tensor")
TSR_OP(std,
       "std.correction(Tensor self, int[1]? dim=None, *, Scalar? correction=None, bool "
       "keepdim=False) -> Tensor")
TSR_OP(vector_norm,
       "linalg_vector_norm(Tensor self, Scalar ord=2, int[1]? dim=None, bool keepdim=False) -> "
       "Tensor")
TSR_OP(logsumexp, "logsumexp(Tensor self, int[1] dim, bool keepdim=False) -> Tensor")
}  // namespace ops
using namespace ops;

namespace {

template <typename T>
using acc_t = std::conditional_t<is_complex_v<T>, complex128, double>;
template <typename T>
struct RealOf {
  using type = T;
};
template <typename V>
struct RealOf<std::complex<V>> {
  using type = V;
};
// var, std and norms of complex numbers are real.
template <typename T>
using real_out_t = typename RealOf<T>::type;

// Variance about the row's mean: sum |x - mean|^2 / max(0, k - correction).
template <typename T>
Tensor var_kernel(const Tensor& self, OptionalIntArrayRef dim,
                  const std::optional<Scalar>& correction, bool keepdim, bool take_sqrt) {
  const double c = correction ? correction->to<double>() : 1.0;
  const Rows r = plan_rows(self, dim, keepdim, take_sqrt ? "std" : "var");
  using Out = real_out_t<T>;
  return reduce_each_row<Out, T>(r, dtype_of<Out>, self.device(),
                                 [c, take_sqrt](const T* row, int64_t k) {
                                   using A = acc_t<T>;
                                   A mean{};
                                   for (int64_t j = 0; j < k; ++j) mean += convert<A>(row[j]);
                                   mean /= static_cast<double>(k);
                                   double ss = 0;
                                   for (int64_t j = 0; j < k; ++j) {
                                     const A d = convert<A>(row[j]) - mean;
                                     if constexpr (is_complex_v<T>) {
                                       ss += std::norm(d);
                                     } else {
                                       ss += d * d;
                                     }
                                   }
                                   const double v = ss / std::max(0.0, static_cast<double>(k) - c);
                                   return Out(take_sqrt ? std::sqrt(v) : v);
                                 });
}

// ||x||_ord over the row: max |x| for inf, min |x| for -inf, the count of non-zeros for 0,
// (sum |x|^ord)^(1/ord) otherwise.
template <typename T>
Tensor vector_norm_kernel(const Tensor& self, const Scalar& ord, OptionalIntArrayRef dim,
                          bool keepdim) {
  const double p = ord.to<double>();
  if (std::isinf(p)) check_nonempty_reduction(self, dim, "linalg.vector_norm (inf norm)");
  const Rows r = plan_rows(self, dim, keepdim, "linalg.vector_norm");
  using Out = real_out_t<T>;
  return reduce_each_row<Out, T>(r, dtype_of<Out>, self.device(), [p](const T* row, int64_t k) {
    const auto magnitude = [](T x) { return std::abs(convert<acc_t<T>>(x)); };
    if (std::isinf(p)) {
      double m = p > 0 ? 0.0 : std::numeric_limits<double>::infinity();
      for (int64_t j = 0; j < k; ++j) {
        const double a = magnitude(row[j]);
        if (std::isnan(a)) return Out(a);
        m = p > 0 ? std::max(m, a) : std::min(m, a);
      }
      return Out(m);
    }
    double acc = 0;
    for (int64_t j = 0; j < k; ++j) {
      const double a = magnitude(row[j]);
      if (p == 0) {
        acc += a != 0;
      } else if (p == 1) {
        acc += a;
      } else if (p == 2) {
        acc += a * a;
      } else {
        acc += std::pow(a, p);
      }
    }
    if (p == 0 || p == 1) return Out(acc);
    return Out(p == 2 ? std::sqrt(acc) : std::pow(acc, 1.0 / p));
  });
}

// log(sum(exp(x))) about the row's max, so large inputs do not overflow; integer and bool
// inputs give float32.
template <typename T>
Tensor logsumexp_kernel(const Tensor& self, IntArrayRef dim, bool keepdim) {
  using Out = std::conditional_t<std::is_integral_v<T>, float, T>;
  const Rows r = plan_rows(self, dim, keepdim, "logsumexp");
  return reduce_each_row<Out, T>(r, dtype_of<Out>, self.device(), [](const T* row, int64_t k) {
    double m = -std::numeric_limits<double>::infinity();
    for (int64_t j = 0; j < k; ++j) {
      const double x = convert<double>(row[j]);
      if (std::isnan(x)) return Out(x);
      m = std::max(m, x);
    }
    if (std::isinf(m)) return Out(m);
    double s = 0;
    for (int64_t j = 0; j < k; ++j) s += std::exp(convert<double>(row[j]) - m);
    return Out(m + std::log(s));
  });
}

}  // namespace

TSR_REGISTER {
  impl_for(var_op(), kBackendReference, InexactDTypes{}, []<typename T>() {
    return +[](const Tensor& s, OptionalIntArrayRef d, const std::optional<Scalar>& c, bool k) {
      return var_kernel<T>(s, d, c, k, false);
    };
  });
  impl_for(std_op(), kBackendReference, InexactDTypes{}, []<typename T>() {
    return +[](const Tensor& s, OptionalIntArrayRef d, const std::optional<Scalar>& c, bool k) {
      return var_kernel<T>(s, d, c, k, true);
    };
  });
  impl_for(vector_norm_op(), kBackendReference, InexactDTypes{},
           []<typename T>() { return &vector_norm_kernel<T>; });
  impl_for(logsumexp_op(), kBackendReference, RealDTypes{},
           []<typename T>() { return &logsumexp_kernel<T>; });
}

Tensor var(const Tensor& self, OptionalIntArrayRef dim, const std::optional<Scalar>& correction,
           bool keepdim) {
  static const auto op =
      var_op()
          .typed<Tensor(const Tensor&, OptionalIntArrayRef, const std::optional<Scalar>&, bool)>();
  return op.call(self, dim, correction, keepdim);
}
Tensor std(const Tensor& self, OptionalIntArrayRef dim, const std::optional<Scalar>& correction,
           bool keepdim) {
  static const auto op =
      std_op()
          .typed<Tensor(const Tensor&, OptionalIntArrayRef, const std::optional<Scalar>&, bool)>();
  return op.call(self, dim, correction, keepdim);
}
Tensor norm(const Tensor& self, const Scalar& p, OptionalIntArrayRef dim, bool keepdim) {
  static const auto op =
      vector_norm_op().typed<Tensor(const Tensor&, const Scalar&, OptionalIntArrayRef, bool)>();
  return op.call(self, p, dim, keepdim);
}
Tensor logsumexp(const Tensor& self, IntArrayRef dim, bool keepdim) {
  static const auto op = logsumexp_op().typed<Tensor(const Tensor&, IntArrayRef, bool)>();
  return op.call(self, dim, keepdim);
}

}  // namespace tessera
