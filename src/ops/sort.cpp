// sort, argsort, topk, unique: schemas and reference kernels. Sorting is stable; NaN sorts
// above every number (last ascending, first descending), as in PyTorch.
#include <algorithm>
#include <numeric>

#include "api/functions.h"
#include "ops/handles.h"
#include "ops/reduce.h"

namespace tessera {
namespace ops {
TSR_OP(sort,
       "sort.stable(Tensor self, *, bool? stable=None, int dim=-1, bool descending=False) -> "
       "(Tensor values, Tensor indices)")
TSR_OP(argsort,
       "argsort.stable(Tensor self, *, bool stable=False, int dim=-1, bool descending=False) -> "
       "Tensor")
TSR_OP(topk,
       "topk(Tensor self, int k, int dim=-1, bool largest=True, bool sorted=True) -> (Tensor "
       "values, Tensor indices)")
TSR_OP(unique,
       "unique(Tensor self, bool sorted=True, bool return_inverse=False, bool "
       "return_counts=False) -> (Tensor values, Tensor inverse, Tensor counts)")
TSR_OP(unique_dim,
       "unique_dim(Tensor self, int dim, bool sorted=True, bool return_inverse=False, bool "
       "return_counts=False) -> (Tensor values, Tensor inverse, Tensor counts)")
}  // namespace ops
using namespace ops;

namespace {

// a before b in ascending order, NaN last.
template <typename T>
bool less_nan_last(T a, T b) {
  using C = compute_t<T>;
  const C x(a), y(b);
  if constexpr (std::is_floating_point_v<C>) {
    if (std::isnan(x)) return false;
    if (std::isnan(y)) return true;
  }
  return x < y;
}

// The stable order of row[0..k) (descending reverses the comparison, keeping ties in
// index order), its first `take` positions.
template <typename T>
std::vector<int64_t> order(const T* row, int64_t k, bool descending, int64_t take) {
  std::vector<int64_t> idx(static_cast<size_t>(k));
  std::iota(idx.begin(), idx.end(), 0);
  const auto cmp = [row, descending](int64_t a, int64_t b) {
    return descending ? less_nan_last(row[b], row[a]) : less_nan_last(row[a], row[b]);
  };
  std::stable_sort(idx.begin(), idx.end(), cmp);
  idx.resize(static_cast<size_t>(take));
  return idx;
}

// values and indices of the first `take` of each row along dim, in sorted order.
template <typename T>
std::tuple<Tensor, Tensor> sorted_along(const Tensor& self, int64_t dim, bool descending,
                                        int64_t take, const char* op) {
  const int64_t d = wrap_dim(dim, std::max<int64_t>(self.dim(), 1), op);
  const Tensor moved = self.dim() == 0 ? self.reshape({1}) : self.transpose(d, -1).contiguous();
  const int64_t k = moved.size(-1);
  Shape shape(moved.sizes());
  shape.back() = take;
  Tensor values = empty(shape, TensorOptions(dtype_of<T>, self.device()));
  Tensor indices = empty(shape, TensorOptions(DType::Int64, self.device()));
  const int64_t m = k == 0 ? values.numel() / std::max<int64_t>(take, 1) : moved.numel() / k;
  const T* in = static_cast<const T*>(moved.data_ptr());
  T* v = static_cast<T*>(values.data_ptr());
  auto* ix = static_cast<int64_t*>(indices.data_ptr());
  for (int64_t i = 0; i < m && take > 0; ++i) {
    const auto o = order(in + i * k, k, descending, take);
    for (int64_t j = 0; j < take; ++j) {
      v[i * take + j] = in[i * k + o[static_cast<size_t>(j)]];
      ix[i * take + j] = o[static_cast<size_t>(j)];
    }
  }
  if (self.dim() == 0) return {values.reshape({}), indices.reshape({})};
  return {values.transpose(d, -1).contiguous(), indices.transpose(d, -1).contiguous()};
}

template <typename T>
std::tuple<Tensor, Tensor> sort_kernel(const Tensor& self, std::optional<bool>, int64_t dim,
                                       bool descending) {
  const int64_t d = wrap_dim(dim, std::max<int64_t>(self.dim(), 1), "sort");
  return sorted_along<T>(self, d, descending, self.dim() == 0 ? 1 : self.size(d), "sort");
}

template <typename T>
Tensor argsort_kernel(const Tensor& self, bool stable, int64_t dim, bool descending) {
  return std::get<1>(sort_kernel<T>(self, stable, dim, descending));
}

template <typename T>
std::tuple<Tensor, Tensor> topk_kernel(const Tensor& self, int64_t k, int64_t dim, bool largest,
                                       bool) {
  const int64_t d = wrap_dim(dim, std::max<int64_t>(self.dim(), 1), "topk");
  const int64_t n = self.dim() == 0 ? 1 : self.size(d);
  TSR_CHECK_AS(IndexError, k >= 0 && k <= n, "topk: selected index k (", k,
               ") out of range for dimension ", d, " of size ", n);
  return sorted_along<T>(self, d, largest, k, "topk");
}

// The sorted distinct elements of the flattened tensor, the index of each element's value
// among them (in self's shape), and how often each occurs.
template <typename T>
std::tuple<Tensor, Tensor, Tensor> unique_kernel(const Tensor& self, bool, bool, bool) {
  const Tensor flat = self.contiguous().reshape({-1});
  const T* in = static_cast<const T*>(flat.data_ptr());
  const int64_t n = flat.numel();
  const auto o = order(in, n, false, n);
  std::vector<int64_t> inverse(static_cast<size_t>(n));
  std::vector<T> values;
  std::vector<int64_t> counts;
  for (int64_t j = 0; j < n; ++j) {
    const T x = in[o[static_cast<size_t>(j)]];
    // NaNs are distinct from each other, as in PyTorch.
    if (values.empty() || less_nan_last<T>(T(values.back()), x) ||
        compute_t<T>(x) != compute_t<T>(x)) {
      values.push_back(x);
      counts.push_back(0);
    }
    ++counts.back();
    inverse[static_cast<size_t>(o[static_cast<size_t>(j)])] =
        static_cast<int64_t>(values.size()) - 1;
  }
  const auto u = static_cast<int64_t>(values.size());
  Tensor v = empty({u}, TensorOptions(dtype_of<T>, self.device()));
  Tensor inv = empty(self.sizes(), TensorOptions(DType::Int64, self.device()));
  Tensor c = empty({u}, TensorOptions(DType::Int64, self.device()));
  std::copy(values.begin(), values.end(), static_cast<T*>(v.data_ptr()));
  std::copy(inverse.begin(), inverse.end(), static_cast<int64_t*>(inv.data_ptr()));
  std::copy(counts.begin(), counts.end(), static_cast<int64_t*>(c.data_ptr()));
  return {v, inv, c};
}

// The distinct slices along dim in lexicographic order (as PyTorch's unique with dim), the
// index of each slice among them, and how often each occurs.
template <typename T>
std::tuple<Tensor, Tensor, Tensor> unique_dim_kernel(const Tensor& self, int64_t dim, bool, bool,
                                                     bool) {
  TSR_CHECK_AS(IndexError, self.dim() > 0, "unique_dim: dimension specified as ", dim,
               " but tensor has no dimensions");
  const int64_t d = wrap_dim(dim, self.dim(), "unique_dim");
  const int64_t n = self.size(d);
  for (int64_t i = 0; i < self.dim(); ++i) {
    TSR_CHECK(i == d || self.size(i) > 0 || n == 0, "unique_dim: there are 0 sized dimensions, ",
              "and they aren't selected, so unique cannot be applied");
  }
  // Slices as rows: dim first, the other dims in their order.
  std::vector<int64_t> perm{d};
  for (int64_t i = 0; i < self.dim(); ++i) {
    if (i != d) perm.push_back(i);
  }
  const Tensor rows = self.permute(perm).contiguous();
  const int64_t m = n == 0 ? 0 : rows.numel() / n;
  const T* in = static_cast<const T*>(rows.data_ptr());
  const auto row = [&](int64_t r) { return in + r * m; };
  const auto less = [&](int64_t a, int64_t b) {
    for (int64_t k = 0; k < m; ++k) {
      const auto x = compute_t<T>(row(a)[k]), y = compute_t<T>(row(b)[k]);
      if (x != y) return x < y;
    }
    return false;
  };
  const auto same = [&](int64_t a, int64_t b) {
    for (int64_t k = 0; k < m; ++k) {
      if (compute_t<T>(row(a)[k]) != compute_t<T>(row(b)[k])) return false;
    }
    return true;
  };
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), int64_t{0});
  std::stable_sort(order.begin(), order.end(), less);
  std::vector<int64_t> firsts, counts, inverse(static_cast<size_t>(n));
  for (const int64_t r : order) {
    if (firsts.empty() || !same(firsts.back(), r)) {
      firsts.push_back(r);
      counts.push_back(0);
    }
    ++counts.back();
    inverse[static_cast<size_t>(r)] = static_cast<int64_t>(firsts.size()) - 1;
  }
  const auto u = static_cast<int64_t>(firsts.size());
  Shape shape(rows.sizes());
  shape[0] = u;
  Tensor v = empty(shape, TensorOptions(dtype_of<T>, self.device()));
  for (int64_t i = 0; i < u; ++i) {
    std::copy_n(row(firsts[static_cast<size_t>(i)]), m, static_cast<T*>(v.data_ptr()) + i * m);
  }
  std::vector<int64_t> back(perm.size());  // the inverse permutation
  for (size_t i = 0; i < perm.size(); ++i)
    back[static_cast<size_t>(perm[i])] = static_cast<int64_t>(i);
  Tensor inv = empty({n}, TensorOptions(DType::Int64, self.device()));
  Tensor c = empty({u}, TensorOptions(DType::Int64, self.device()));
  std::copy(inverse.begin(), inverse.end(), static_cast<int64_t*>(inv.data_ptr()));
  std::copy(counts.begin(), counts.end(), static_cast<int64_t*>(c.data_ptr()));
  return {v.permute(back).contiguous(), inv, c};
}

}  // namespace

TSR_REGISTER {
  impl_for(unique_dim_op(), kBackendReference, RealDTypes{},
           []<typename T>() { return &unique_dim_kernel<T>; });
  // Complex numbers have no order.
  impl_for(sort_op(), kBackendReference, RealDTypes{},
           []<typename T>() { return &sort_kernel<T>; });
  impl_for(argsort_op(), kBackendReference, RealDTypes{},
           []<typename T>() { return &argsort_kernel<T>; });
  impl_for(topk_op(), kBackendReference, RealDTypes{},
           []<typename T>() { return &topk_kernel<T>; });
  impl_for(unique_op(), kBackendReference, RealDTypes{},
           []<typename T>() { return &unique_kernel<T>; });
}

std::tuple<Tensor, Tensor> sort(const Tensor& self, int64_t dim, bool descending) {
  static const auto op =
      sort_op()
          .typed<std::tuple<Tensor, Tensor>(const Tensor&, std::optional<bool>, int64_t, bool)>();
  return op.call(self, true, dim, descending);
}
Tensor argsort(const Tensor& self, int64_t dim, bool descending) {
  static const auto op = argsort_op().typed<Tensor(const Tensor&, bool, int64_t, bool)>();
  return op.call(self, true, dim, descending);
}
std::tuple<Tensor, Tensor> topk(const Tensor& self, int64_t k, int64_t dim, bool largest,
                                bool sorted) {
  static const auto op =
      topk_op().typed<std::tuple<Tensor, Tensor>(const Tensor&, int64_t, int64_t, bool, bool)>();
  return op.call(self, k, dim, largest, sorted);
}
std::tuple<Tensor, Tensor, Tensor> unique(const Tensor& self) {
  static const auto op =
      unique_op().typed<std::tuple<Tensor, Tensor, Tensor>(const Tensor&, bool, bool, bool)>();
  return op.call(self, true, true, true);
}

std::tuple<Tensor, Tensor, Tensor> unique_dim(const Tensor& self, int64_t dim) {
  static const auto op =
      unique_dim_op()
          .typed<std::tuple<Tensor, Tensor, Tensor>(const Tensor&, int64_t, bool, bool, bool)>();
  return op.call(self, dim, true, true, true);
}

}  // namespace tessera
