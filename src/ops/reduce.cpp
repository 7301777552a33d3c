// sum, mean, prod, max, min (full and along a dim, with indices), amax, amin, argmax,
// argmin, any, all: schemas and reference kernels.
#include <cmath>
#include <limits>

#include "api/functions.h"
#include "ops/elementwise.h"
#include "ops/handles.h"
#include "ops/reduce.h"

namespace tessera {
namespace ops {
TSR_OP(sum,
       "sum(Tensor self, int[1]? dim=None, bool keepdim=False, *, ScalarType? dtype=None) -> "
       "Tensor")
TSR_OP(mean,
       "mean(Tensor self, int[1]? dim=None, bool keepdim=False, *, ScalarType? dtype=None) -> "
       "Tensor")
TSR_OP(max, "max(Tensor self) -> Tensor")
TSR_OP(min, "min(Tensor self) -> Tensor")
TSR_OP(max_dim,
       "max.dim(Tensor self, int dim, bool keepdim=False) -> (Tensor values, Tensor indices)")
TSR_OP(min_dim,
       "min.dim(Tensor self, int dim, bool keepdim=False) -> (Tensor values, Tensor indices)")
TSR_OP(argmax, "argmax(Tensor self, int? dim=None, bool keepdim=False) -> Tensor")
TSR_OP(argmin, "argmin(Tensor self, int? dim=None, bool keepdim=False) -> Tensor")
TSR_OP(prod, "prod(Tensor self, *, ScalarType? dtype=None) -> Tensor")
TSR_OP(prod_dim,
       "prod.dim_int(Tensor self, int dim, bool keepdim=False, *, ScalarType? dtype=None) -> "
       "Tensor")
TSR_OP(amax, "amax(Tensor self, int[1] dim=[], bool keepdim=False) -> Tensor")
TSR_OP(amin, "amin(Tensor self, int[1] dim=[], bool keepdim=False) -> Tensor")
TSR_OP(any, "any(Tensor self, int[1]? dim=None, bool keepdim=False) -> Tensor")
TSR_OP(all, "all(Tensor self, int[1]? dim=None, bool keepdim=False) -> Tensor")
}  // namespace ops
using namespace ops;

namespace {

template <typename T, typename Out>
void sum_rows(const Rows& r, Out* out, bool mean) {
  using Acc = sum_acc_t<T>;
  const T* in = static_cast<const T*>(r.rows.data_ptr());
  for (int64_t i = 0; i < r.m; ++i) {
    Acc acc{};
    for (int64_t j = 0; j < r.k; ++j) acc = arith::add<Acc>(acc, convert<Acc>(in[i * r.k + j]));
    if constexpr (!std::is_integral_v<Acc>) {
      if (mean) acc /= static_cast<double>(r.k);
    }
    out[i] = convert<Out>(acc);
  }
}

template <typename T>
Tensor sum_kernel(const Tensor& self, OptionalIntArrayRef dim, bool keepdim,
                  std::optional<DType> dtype) {
  if (dtype && *dtype != dtype_of<T>) return sum(cast(self, *dtype), dim, keepdim, std::nullopt);
  const Rows r = plan_rows(self, dim, keepdim, "sum");
  // Integers and bool sum to int64 unless a dtype is asked for.
  if (std::is_integral_v<T> && !dtype) {
    Tensor out = empty(r.out_shape, TensorOptions(DType::Int64, self.device()));
    sum_rows<T, int64_t>(r, static_cast<int64_t*>(out.data_ptr()), false);
    return out;
  }
  Tensor out = empty(r.out_shape, TensorOptions(dtype_of<T>, self.device()));
  sum_rows<T, T>(r, static_cast<T*>(out.data_ptr()), false);
  return out;
}

template <typename T>
Tensor mean_kernel(const Tensor& self, OptionalIntArrayRef dim, bool keepdim,
                   std::optional<DType> dtype) {
  if (dtype && *dtype != dtype_of<T>) return mean(cast(self, *dtype), dim, keepdim, std::nullopt);
  if constexpr (std::is_integral_v<T>) {
    detail::throw_error<TypeError>(
        "mean: could not infer output dtype; input dtype must be either a floating point "
        "or complex dtype, got ",
        dtype_of<T>);
  } else {
    const Rows r = plan_rows(self, dim, keepdim, "mean");
    Tensor out = empty(r.out_shape, TensorOptions(dtype_of<T>, self.device()));
    sum_rows<T, T>(r, static_cast<T*>(out.data_ptr()), true);
    return out;
  }
}

template <typename C>
bool is_nan(C x) {
  if constexpr (std::is_floating_point_v<C>) {
    return std::isnan(x);
  } else {
    return false;
  }
}

// Index of the largest (Greater = std::greater) or smallest element of row[0..k): the
// first NaN if there is one, else the first of equal extremes.
template <typename T, typename Better>
int64_t extreme_index(const T* row, int64_t k) {
  using C = compute_t<T>;
  int64_t best = 0;
  C bv = C(row[0]);
  if (is_nan(bv)) return 0;
  for (int64_t j = 1; j < k; ++j) {
    const C v = C(row[j]);
    if (is_nan(v)) return j;
    if (Better{}(v, bv)) {
      bv = v;
      best = j;
    }
  }
  return best;
}

template <typename T, typename Better>
Tensor extreme_all(const Tensor& self, const char* op) {
  TSR_CHECK(self.numel() > 0, op,
            ": expected reduction dim to be specified for input.numel() == 0; specify the "
            "reduction dim with the 'dim' argument");
  const Rows r = plan_rows(self, std::nullopt, false, op);
  const T* row = static_cast<const T*>(r.rows.data_ptr());
  Tensor out = empty({}, TensorOptions(dtype_of<T>, self.device()));
  *static_cast<T*>(out.data_ptr()) = row[extreme_index<T, Better>(row, r.k)];
  return out;
}

template <typename T, typename Better>
std::tuple<Tensor, Tensor> extreme_dim(const Tensor& self, int64_t dim, bool keepdim,
                                       const char* op) {
  const int64_t d = wrap_dim(dim, self.dim(), op);
  TSR_CHECK_AS(IndexError, self.dim() == 0 || self.sizes()[d] > 0, op, ": expected reduction dim ",
               d, " to have non-zero size");
  const int64_t dims[] = {d};
  const Rows r = plan_rows(self, IntArrayRef(dims, 1), keepdim, op);
  Tensor values = empty(r.out_shape, TensorOptions(dtype_of<T>, self.device()));
  Tensor indices = empty(r.out_shape, TensorOptions(DType::Int64, self.device()));
  const T* in = static_cast<const T*>(r.rows.data_ptr());
  T* v = static_cast<T*>(values.data_ptr());
  int64_t* idx = static_cast<int64_t*>(indices.data_ptr());
  for (int64_t i = 0; i < r.m; ++i) {
    idx[i] = extreme_index<T, Better>(in + i * r.k, r.k);
    v[i] = in[i * r.k + idx[i]];
  }
  return {values, indices};
}

template <typename T, typename Better>
Tensor arg_extreme_kernel(const Tensor& self, std::optional<int64_t> dim, bool keepdim,
                          const char* op) {
  if (dim) return std::get<1>(extreme_dim<T, Better>(self, *dim, keepdim, op));
  TSR_CHECK_AS(IndexError, self.numel() > 0, op,
               ": expected reduction dim to be specified for input.numel() == 0");
  const Rows r = plan_rows(self, std::nullopt, keepdim, op);
  Tensor out = empty(r.out_shape, TensorOptions(DType::Int64, self.device()));
  *static_cast<int64_t*>(out.data_ptr()) =
      extreme_index<T, Better>(static_cast<const T*>(r.rows.data_ptr()), r.k);
  return out;
}

// amax / amin: the extreme over any dims, NaN if any element is NaN.
template <typename T, typename Better>
Tensor amax_kernel(const Tensor& self, IntArrayRef dim, bool keepdim, const char* op) {
  check_nonempty_reduction(self, dim, op);
  const Rows r = plan_rows(self, dim, keepdim, op);
  return reduce_each_row<T, T>(r, dtype_of<T>, self.device(), [](const T* row, int64_t k) {
    return row[extreme_index<T, Better>(row, k)];
  });
}

// Product: integers and bool multiply (wrapping) in int64, floats in double, complex in
// complex<double>; the result has sum's dtype.
template <typename T>
Tensor prod_rows(const Tensor& self, OptionalIntArrayRef dim, bool keepdim) {
  using Acc = sum_acc_t<T>;
  using Out = std::conditional_t<std::is_integral_v<T>, int64_t, T>;
  const Rows r = plan_rows(self, dim, keepdim, "prod");
  return reduce_each_row<Out, T>(r, dtype_of<Out>, self.device(), [](const T* row, int64_t k) {
    Acc acc(1);
    for (int64_t j = 0; j < k; ++j) acc = arith::mul<Acc>(acc, convert<Acc>(row[j]));
    return convert<Out>(acc);
  });
}

template <typename T>
Tensor prod_kernel(const Tensor& self, std::optional<DType> dtype) {
  if (dtype && *dtype != dtype_of<T>) return prod(cast(self, *dtype));
  return prod_rows<T>(self, std::nullopt, false);
}

template <typename T>
Tensor prod_dim_kernel(const Tensor& self, int64_t dim, bool keepdim, std::optional<DType> dtype) {
  if (dtype && *dtype != dtype_of<T>) return prod(cast(self, *dtype), dim, keepdim);
  const int64_t dims[] = {dim};
  return prod_rows<T>(self, IntArrayRef(dims, 1), keepdim);
}

// any / all: bool results, except uint8 inputs give uint8 (as in PyTorch).
template <typename T>
Tensor any_all_kernel(const Tensor& self, OptionalIntArrayRef dim, bool keepdim, bool any) {
  const Rows r = plan_rows(self, dim, keepdim, any ? "any" : "all");
  const auto f = [any](const T* row, int64_t k) {
    for (int64_t j = 0; j < k; ++j) {
      if (is_nonzero(row[j]) == any) return any;
    }
    return !any;
  };
  if constexpr (std::is_same_v<T, uint8_t>) {
    return reduce_each_row<uint8_t, T>(r, DType::UInt8, self.device(), f);
  } else {
    return reduce_each_row<bool, T>(r, DType::Bool, self.device(), f);
  }
}

}  // namespace

TSR_REGISTER {
  impl_for(sum_op(), kBackendReference, AllDTypes{}, []<typename T>() { return &sum_kernel<T>; });
  impl_for(mean_op(), kBackendReference, AllDTypes{}, []<typename T>() { return &mean_kernel<T>; });
  // Complex numbers have no order: max, min and argmax register real dtypes only.
  impl_for(max_op(), kBackendReference, RealDTypes{}, []<typename T>() {
    return +[](const Tensor& s) { return extreme_all<T, std::greater<>>(s, "max"); };
  });
  impl_for(min_op(), kBackendReference, RealDTypes{}, []<typename T>() {
    return +[](const Tensor& s) { return extreme_all<T, std::less<>>(s, "min"); };
  });
  impl_for(max_dim_op(), kBackendReference, RealDTypes{}, []<typename T>() {
    return +[](const Tensor& s, int64_t d, bool k) {
      return extreme_dim<T, std::greater<>>(s, d, k, "max");
    };
  });
  impl_for(min_dim_op(), kBackendReference, RealDTypes{}, []<typename T>() {
    return +[](const Tensor& s, int64_t d, bool k) {
      return extreme_dim<T, std::less<>>(s, d, k, "min");
    };
  });
  impl_for(argmax_op(), kBackendReference, RealDTypes{}, []<typename T>() {
    return +[](const Tensor& s, std::optional<int64_t> d, bool k) {
      return arg_extreme_kernel<T, std::greater<>>(s, d, k, "argmax");
    };
  });
  impl_for(argmin_op(), kBackendReference, RealDTypes{}, []<typename T>() {
    return +[](const Tensor& s, std::optional<int64_t> d, bool k) {
      return arg_extreme_kernel<T, std::less<>>(s, d, k, "argmin");
    };
  });
  impl_for(amax_op(), kBackendReference, RealDTypes{}, []<typename T>() {
    return +[](const Tensor& s, IntArrayRef d, bool k) {
      return amax_kernel<T, std::greater<>>(s, d, k, "amax");
    };
  });
  impl_for(amin_op(), kBackendReference, RealDTypes{}, []<typename T>() {
    return +[](const Tensor& s, IntArrayRef d, bool k) {
      return amax_kernel<T, std::less<>>(s, d, k, "amin");
    };
  });
  impl_for(prod_op(), kBackendReference, AllDTypes{}, []<typename T>() { return &prod_kernel<T>; });
  impl_for(prod_dim_op(), kBackendReference, AllDTypes{},
           []<typename T>() { return &prod_dim_kernel<T>; });
  impl_for(any_op(), kBackendReference, AllDTypes{}, []<typename T>() {
    return +[](const Tensor& s, OptionalIntArrayRef d, bool k) {
      return any_all_kernel<T>(s, d, k, true);
    };
  });
  impl_for(all_op(), kBackendReference, AllDTypes{}, []<typename T>() {
    return +[](const Tensor& s, OptionalIntArrayRef d, bool k) {
      return any_all_kernel<T>(s, d, k, false);
    };
  });
}

Tensor sum(const Tensor& self, OptionalIntArrayRef dim, bool keepdim, std::optional<DType> dtype) {
  static const auto op =
      sum_op().typed<Tensor(const Tensor&, OptionalIntArrayRef, bool, std::optional<DType>)>();
  return op.call(self, dim, keepdim, dtype);
}
Tensor mean(const Tensor& self, OptionalIntArrayRef dim, bool keepdim, std::optional<DType> dtype) {
  static const auto op =
      mean_op().typed<Tensor(const Tensor&, OptionalIntArrayRef, bool, std::optional<DType>)>();
  return op.call(self, dim, keepdim, dtype);
}
Tensor max(const Tensor& self) {
  static const auto op = max_op().typed<Tensor(const Tensor&)>();
  return op.call(self);
}
Tensor min(const Tensor& self) {
  static const auto op = min_op().typed<Tensor(const Tensor&)>();
  return op.call(self);
}
std::tuple<Tensor, Tensor> max(const Tensor& self, int64_t dim, bool keepdim) {
  static const auto op =
      max_dim_op().typed<std::tuple<Tensor, Tensor>(const Tensor&, int64_t, bool)>();
  return op.call(self, dim, keepdim);
}
std::tuple<Tensor, Tensor> min(const Tensor& self, int64_t dim, bool keepdim) {
  static const auto op =
      min_dim_op().typed<std::tuple<Tensor, Tensor>(const Tensor&, int64_t, bool)>();
  return op.call(self, dim, keepdim);
}
Tensor argmax(const Tensor& self, std::optional<int64_t> dim, bool keepdim) {
  static const auto op = argmax_op().typed<Tensor(const Tensor&, std::optional<int64_t>, bool)>();
  return op.call(self, dim, keepdim);
}
Tensor argmin(const Tensor& self, std::optional<int64_t> dim, bool keepdim) {
  static const auto op = argmin_op().typed<Tensor(const Tensor&, std::optional<int64_t>, bool)>();
  return op.call(self, dim, keepdim);
}
Tensor amax(const Tensor& self, IntArrayRef dim, bool keepdim) {
  static const auto op = amax_op().typed<Tensor(const Tensor&, IntArrayRef, bool)>();
  return op.call(self, dim, keepdim);
}
Tensor amin(const Tensor& self, IntArrayRef dim, bool keepdim) {
  static const auto op = amin_op().typed<Tensor(const Tensor&, IntArrayRef, bool)>();
  return op.call(self, dim, keepdim);
}
Tensor prod(const Tensor& self, std::optional<DType> dtype) {
  static const auto op = prod_op().typed<Tensor(const Tensor&, std::optional<DType>)>();
  return op.call(self, dtype);
}
Tensor prod(const Tensor& self, int64_t dim, bool keepdim, std::optional<DType> dtype) {
  static const auto op =
      prod_dim_op().typed<Tensor(const Tensor&, int64_t, bool, std::optional<DType>)>();
  return op.call(self, dim, keepdim, dtype);
}
Tensor any(const Tensor& self, OptionalIntArrayRef dim, bool keepdim) {
  static const auto op = any_op().typed<Tensor(const Tensor&, OptionalIntArrayRef, bool)>();
  return op.call(self, dim, keepdim);
}
Tensor all(const Tensor& self, OptionalIntArrayRef dim, bool keepdim) {
  static const auto op = all_op().typed<Tensor(const Tensor&, OptionalIntArrayRef, bool)>();
  return op.call(self, dim, keepdim);
}

}  // namespace tessera
