// sum, mean, max, min (full and along a dim, with indices), argmax: schemas and reference kernels.
#include <cmath>
#include <limits>

#include "api/functions.h"
#include "ops/elementwise.h"
#include "ops/handles.h"

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
}  // namespace ops
using namespace ops;

namespace {

// A reduction seen as M independent rows of K elements: rows is a contiguous [M, K] copy
// of the input with the reduced dims moved last; out_shape is the result's shape.
struct Rows {
  Tensor rows;
  int64_t m = 1, k = 1;
  Shape out_shape;
};

Rows plan_rows(const Tensor& self, OptionalIntArrayRef dims, bool keepdim, const char* op) {
  const int64_t nd = self.dim();
  std::vector<bool> reduce(std::max<int64_t>(nd, 1), false);
  if (!dims || dims->empty()) {
    std::fill(reduce.begin(), reduce.end(), true);
  } else {
    for (int64_t d : *dims) {
      const int64_t w = wrap_dim(d, nd, op);
      TSR_CHECK(!reduce[w], op, ": dim ", w, " appears multiple times in the list of dims");
      reduce[w] = true;
    }
  }
  Rows r;
  Shape perm;
  for (int64_t d = 0; d < nd; ++d) {
    if (reduce[d]) {
      if (keepdim) r.out_shape.push_back(1);
    } else {
      perm.push_back(d);
      r.m *= self.sizes()[d];
      r.out_shape.push_back(self.sizes()[d]);
    }
  }
  for (int64_t d = 0; d < nd; ++d) {
    if (reduce[d]) {
      perm.push_back(d);
      r.k *= self.sizes()[d];
    }
  }
  r.rows = self.permute(perm).contiguous().reshape({r.m, r.k});
  return r;
}

// Accumulator of the reference sums: exact wrapping int64 for integers, double for
// reals, complex<double> for complex.
template <typename T>
using sum_acc_t = std::conditional_t<is_complex_v<T>, complex128,
                                     std::conditional_t<std::is_integral_v<T>, int64_t, double>>;

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

template <typename T>
Tensor argmax_kernel(const Tensor& self, std::optional<int64_t> dim, bool keepdim) {
  if (dim) return std::get<1>(extreme_dim<T, std::greater<>>(self, *dim, keepdim, "argmax"));
  TSR_CHECK_AS(IndexError, self.numel() > 0,
               "argmax: expected reduction dim to be specified for input.numel() == 0");
  const Rows r = plan_rows(self, std::nullopt, keepdim, "argmax");
  Tensor out = empty(r.out_shape, TensorOptions(DType::Int64, self.device()));
  *static_cast<int64_t*>(out.data_ptr()) =
      extreme_index<T, std::greater<>>(static_cast<const T*>(r.rows.data_ptr()), r.k);
  return out;
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
  impl_for(argmax_op(), kBackendReference, RealDTypes{},
           []<typename T>() { return &argmax_kernel<T>; });
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

}  // namespace tessera
