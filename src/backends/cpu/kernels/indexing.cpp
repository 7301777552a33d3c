// cpu kernels for gather, scatter (src, value, add), index_select (and so embedding) and gather_nd
// on contiguous tensors: plain element moves, rows moved whole, gathers split over the
// intra-op threads. An index out of range, a shape the loops below do not cover, or any
// other error is handed to the reference kernel, which reports it.
#include <algorithm>
#include <atomic>
#include <cstring>
#include <optional>
#include <type_traits>
#include <vector>

#include "core/parallel.h"
#include "ops/elementwise.h"
#include "ops/handles.h"

namespace tessera::cpu {
namespace {

// self, index (and src) seen as [outer, n, inner] around dim, with index's shape equal to
// self's except along dim: the case of gather and scatter the loops cover.
struct AlongDim {
  int64_t outer = 1, inner = 1, size = 1, n = 1;  // size: self's along dim; n: index's
};

std::optional<AlongDim> plan_along(const Tensor& self, int64_t dim, const Tensor& index,
                                   const Tensor* src) {
  const int64_t nd = self.dim();
  if (nd == 0 || index.dim() != nd || index.dtype() != DType::Int64 || !self.is_contiguous() ||
      !index.is_contiguous() ||
      (src && (!src->is_contiguous() || !src->sizes().equals(index.sizes()))))
    return std::nullopt;
  const int64_t d = dim < 0 ? dim + nd : dim;
  if (d < 0 || d >= nd) return std::nullopt;
  AlongDim a;
  for (int64_t i = 0; i < nd; ++i) {
    if (i != d && index.size(i) != self.size(i)) return std::nullopt;
    if (i < d) a.outer *= self.size(i);
    if (i > d) a.inner *= self.size(i);
  }
  a.size = self.size(d);
  a.n = index.size(d);
  return a;
}

// Whether every value of index is in [-size, size) (negative ones count from the end).
bool indices_in_range(const Tensor& index, int64_t size) {
  const auto* p = static_cast<const int64_t*>(index.data_ptr());
  int64_t lo = 0, hi = -1;
  for (int64_t i = 0; i < index.numel(); ++i) {
    lo = std::min(lo, p[i]);
    hi = std::max(hi, p[i]);
  }
  return lo >= -size && hi < size;
}

// v in [0, size) with negative values counted from the end; ok is cleared (and 0 given)
// when v is out of range, so a loop checks its indices as it goes.
inline int64_t checked(int64_t v, int64_t size, bool& ok) {
  const int64_t w = v < 0 ? v + size : v;
  const bool in = static_cast<uint64_t>(w) < static_cast<uint64_t>(size);
  ok &= in;
  return in ? w : 0;
}

using GatherSig = Tensor(const Tensor&, int64_t, const Tensor&);

template <typename T>
Tensor gather_kernel(const Tensor& self, int64_t dim, const Tensor& index) {
  const auto redispatch = [&] {
    return ops::gather_op().typed<GatherSig>().redispatch(kBackendReference, self, dim, index);
  };
  const auto a = plan_along(self, dim, index, nullptr);
  if (!a) return redispatch();
  Tensor out = empty(index.sizes(), TensorOptions(self.dtype(), self.device()));
  const T* in = static_cast<const T*>(self.data_ptr());
  const auto* idx = static_cast<const int64_t*>(index.data_ptr());
  T* o = static_cast<T*>(out.data_ptr());
  const int64_t size = a->size, inner = a->inner, n = a->n, block = n * inner;
  std::atomic<bool> all_ok{true};
  parallel_for(0, a->outer, std::max<int64_t>(1, kGrainSize / std::max<int64_t>(block, 1)),
               [&](int64_t o0, int64_t o1) {
                 bool ok = true;
                 for (int64_t outer = o0; outer < o1; ++outer) {
                   const T* src = in + outer * size * inner;
                   const int64_t* ix = idx + outer * block;
                   T* dst = o + outer * block;
                   if (inner == 1) {
                     for (int64_t j = 0; j < n; ++j) dst[j] = src[checked(ix[j], size, ok)];
                   } else {
                     for (int64_t j = 0; j < block; ++j)
                       dst[j] = src[checked(ix[j], size, ok) * inner + j % inner];
                   }
                 }
                 if (!ok) all_ok = false;
               });
  return all_ok ? out : redispatch();  // the reference reports the bad index
}

// scatter.src, scatter.value and scatter_add into a copy of self, in index order (as the
// reference, so repeated indices give the same result); undefined when an index is out of
// range.
template <typename T, bool kAdd>
Tensor scatter_into(const Tensor& self, const AlongDim& a, const Tensor& index, const Tensor* src,
                    const T* value) {
  Tensor out = self.clone();
  T* o = static_cast<T*>(out.data_ptr());
  const auto* idx = static_cast<const int64_t*>(index.data_ptr());
  const T* s = src ? static_cast<const T*>(src->data_ptr()) : nullptr;
  const int64_t size = a.size, inner = a.inner, block = a.n * inner;
  bool ok = true;
  auto put = [](T& target, T v) {
    if constexpr (kAdd) {
      target = static_cast<T>(target + v);
    } else {
      target = v;
    }
  };
  // The loop for each case, its branches hoisted: along the last dim (inner 1) from a
  // tensor or a value, or in general.
  for (int64_t outer = 0; outer < a.outer; ++outer) {
    T* dst = o + outer * size * inner;
    const int64_t* ix = idx + outer * block;
    if (inner == 1 && s) {
      const T* sv = s + outer * block;
      for (int64_t j = 0; j < block; ++j) put(dst[checked(ix[j], size, ok)], sv[j]);
    } else if (inner == 1) {
      const T v = *value;
      for (int64_t j = 0; j < block; ++j) put(dst[checked(ix[j], size, ok)], v);
    } else {
      const T* sv = s ? s + outer * block : nullptr;
      for (int64_t j = 0; j < block; ++j)
        put(dst[checked(ix[j], size, ok) * inner + j % inner], sv ? sv[j] : *value);
    }
  }
  return ok ? out : Tensor();
}

using ScatterSig = Tensor(const Tensor&, int64_t, const Tensor&, const Tensor&);

template <typename T, bool kAdd>
Tensor scatter_src_kernel(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src) {
  const auto a = src.dtype() == self.dtype() ? plan_along(self, dim, index, &src) : std::nullopt;
  if (a) {
    if (Tensor out = scatter_into<T, kAdd>(self, *a, index, &src, nullptr); out.defined())
      return out;
  }
  return (kAdd ? ops::scatter_add_op() : ops::scatter_src_op())
      .typed<ScatterSig>()
      .redispatch(kBackendReference, self, dim, index, src);
}

template <typename T>
Tensor scatter_value_kernel(const Tensor& self, int64_t dim, const Tensor& index,
                            const Scalar& value) {
  const auto a = plan_along(self, dim, index, nullptr);
  // The value as the reference converts it (a complex or out-of-range one is its error).
  if constexpr (std::is_floating_point_v<T>) {
    if (a && (value.is_floating() || value.is_integral())) {
      const T v = value.to<T>();
      if (Tensor out = scatter_into<T, false>(self, *a, index, nullptr, &v); out.defined())
        return out;
    }
  }
  return ops::scatter_value_op()
      .typed<Tensor(const Tensor&, int64_t, const Tensor&, const Scalar&)>()
      .redispatch(kBackendReference, self, dim, index, value);
}

template <typename T>
Tensor index_select_kernel(const Tensor& self, int64_t dim, const Tensor& index) {
  const int64_t nd = self.dim();
  const int64_t d = dim < 0 ? dim + nd : dim;
  const bool covered = nd > 0 && d >= 0 && d < nd && index.dim() <= 1 &&
                       index.dtype() == DType::Int64 && self.is_contiguous() &&
                       index.is_contiguous();
  // Unlike gather, index_select takes no negative indices (as PyTorch).
  const int64_t size = covered ? self.size(d) : 0;
  const auto* idx = covered ? static_cast<const int64_t*>(index.data_ptr()) : nullptr;
  const int64_t n = index.numel();
  if (!covered || !indices_in_range(index, size) ||
      (n > 0 && *std::min_element(idx, idx + n) < 0)) {
    return ops::index_select_op().typed<GatherSig>().redispatch(kBackendReference, self, dim,
                                                                index);
  }
  Shape shape(self.sizes());
  shape[static_cast<size_t>(d)] = n;
  Tensor out = empty(shape, TensorOptions(self.dtype(), self.device()));
  if (out.numel() == 0) return out;  // (and no grain below divides by an empty dim)
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < nd; ++i) {
    if (i < d) outer *= self.size(i);
    if (i > d) inner *= self.size(i);
  }
  const T* in = static_cast<const T*>(self.data_ptr());
  T* o = static_cast<T*>(out.data_ptr());
  if (inner == 1) {  // per outer index, n elements picked from a row
    parallel_for(0, outer, std::max<int64_t>(1, kGrainSize / std::max<int64_t>(n, 1)),
                 [&](int64_t k0, int64_t k1) {
                   for (int64_t k = k0; k < k1; ++k) {
                     const T* src = in + k * size;
                     T* dst = o + k * n;
                     for (int64_t j = 0; j < n; ++j) dst[j] = src[idx[j]];
                   }
                 });
    return out;
  }
  // The outer * n rows of inner elements, each copied whole, split over the threads as one
  // range: an embedding lookup has outer 1.
  parallel_for(0, outer * n, std::max<int64_t>(1, kGrainSize / inner), [&](int64_t r0, int64_t r1) {
    int64_t k = r0 / n, j = r0 % n;
    for (int64_t r = r0; r < r1; ++r) {
      std::memcpy(o + r * inner, in + (k * size + idx[j]) * inner,
                  static_cast<size_t>(inner) * sizeof(T));
      if (++j == n) j = 0, ++k;
    }
  });
  return out;
}

// ONNX GatherND on contiguous data and int64 indices: each index tuple picks a slice of
// data (within its batch), copied whole. A bad index or argument goes to the reference.
template <typename T>
Tensor gather_nd_kernel(const Tensor& data, const Tensor& indices, int64_t batch_dims) {
  const int64_t q = indices.dim(), r = data.dim();
  const int64_t k = q >= 1 ? indices.size(-1) : 0;
  bool covered = data.is_contiguous() && indices.is_contiguous() &&
                 indices.dtype() == DType::Int64 && q >= 1 && r >= 1 && batch_dims >= 0 &&
                 batch_dims < std::min(q, r) && k >= 1 && k <= r - batch_dims;
  for (int64_t b = 0; covered && b < batch_dims; ++b) covered = data.size(b) == indices.size(b);
  const auto redispatch = [&] {
    return ops::gather_nd_op().typed<Tensor(const Tensor&, const Tensor&, int64_t)>().redispatch(
        kBackendReference, data, indices, batch_dims);
  };
  if (!covered) return redispatch();
  Shape shape;
  for (int64_t i = 0; i < q - 1; ++i) shape.push_back(indices.size(i));
  int64_t slice = 1;
  for (int64_t i = batch_dims + k; i < r; ++i) {
    shape.push_back(data.size(i));
    slice *= data.size(i);
  }
  // Element strides of the indexed dims, and of a batch.
  Shape stride(static_cast<size_t>(k));
  int64_t batch_stride = slice;
  for (int64_t t = k - 1; t >= 0; --t) {
    stride[static_cast<size_t>(t)] = batch_stride;
    batch_stride *= data.size(batch_dims + t);
  }
  int64_t batch = 1;
  for (int64_t b = 0; b < batch_dims; ++b) batch *= data.size(b);
  const int64_t tuples = indices.numel() / k, per_batch = batch > 0 ? tuples / batch : 0;
  Tensor out = empty(shape, TensorOptions(data.dtype(), data.device()));
  const T* in = static_cast<const T*>(data.data_ptr());
  const auto* idx = static_cast<const int64_t*>(indices.data_ptr());
  T* o = static_cast<T*>(out.data_ptr());
  std::atomic<bool> all_ok{true};
  parallel_for(0, tuples, std::max<int64_t>(1, kGrainSize / std::max<int64_t>(slice, 1)),
               [&](int64_t j0, int64_t j1) {
                 bool ok = true;
                 for (int64_t j = j0; j < j1; ++j) {
                   int64_t off = (j / per_batch) * batch_stride;
                   for (int64_t t = 0; t < k; ++t) {
                     off += checked(idx[j * k + t], data.sizes()[batch_dims + t], ok) *
                            stride[static_cast<size_t>(t)];
                   }
                   std::memcpy(o + j * slice, in + off, static_cast<size_t>(slice) * sizeof(T));
                 }
                 if (!ok) all_ok = false;
               });
  return all_ok ? out : redispatch();  // the reference reports the bad index
}

}  // namespace

TSR_REGISTER {
  impl_for(ops::gather_op(), kBackendCPU, AllDTypes{},
           []<typename T>() { return &gather_kernel<T>; });
  impl_for(ops::scatter_src_op(), kBackendCPU, AllDTypes{},
           []<typename T>() { return &scatter_src_kernel<T, false>; });
  impl_for(ops::scatter_value_op(), kBackendCPU, DTypeList<DType::Float32, DType::Float64>{},
           []<typename T>() { return &scatter_value_kernel<T>; });
  impl_for(ops::scatter_add_op(), kBackendCPU, DTypeList<DType::Float32, DType::Float64>{},
           []<typename T>() { return &scatter_src_kernel<T, true>; });
  impl_for(ops::index_select_op(), kBackendCPU, AllDTypes{},
           []<typename T>() { return &index_select_kernel<T>; });
  impl_for(ops::gather_nd_op(), kBackendCPU, AllDTypes{},
           []<typename T>() { return &gather_nd_kernel<T>; });
}

}  // namespace tessera::cpu
