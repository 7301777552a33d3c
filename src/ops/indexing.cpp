// Indexing: gather, scatter (src or value), scatter_add, index_select, masked_fill,
// nonzero, embedding, and ONNX's gather_nd / scatter_nd. Schemas and dtype-generic
// reference kernels: elements are moved as bytes, indices are checked before any write.
#include <cstring>

#include "api/functions.h"
#include "ops/elementwise.h"
#include "ops/handles.h"

namespace tessera {
namespace ops {
TSR_OP(gather, "gather(Tensor self, int dim, Tensor index) -> Tensor",
       OpOptions{.dispatch_dtype_args = {0}})
TSR_OP(scatter_src, "scatter.src(Tensor self, int dim, Tensor index, Tensor src) -> Tensor",
       OpOptions{.dispatch_dtype_args = {0}})
TSR_OP(scatter_value, "scatter.value(Tensor self, int dim, Tensor index, Scalar value) -> Tensor",
       OpOptions{.dispatch_dtype_args = {0}})
TSR_OP(scatter_add, "scatter_add(Tensor self, int dim, Tensor index, Tensor src) -> Tensor",
       OpOptions{.dispatch_dtype_args = {0}})
TSR_OP(index_select, "index_select(Tensor self, int dim, Tensor index) -> Tensor",
       OpOptions{.dispatch_dtype_args = {0}})
TSR_OP(masked_fill, "masked_fill.Scalar(Tensor self, Tensor mask, Scalar value) -> Tensor",
       OpOptions{.dispatch_dtype_args = {0}})
TSR_OP(nonzero, "nonzero(Tensor self) -> Tensor")
TSR_OP(embedding,
       "embedding(Tensor weight, Tensor indices, int padding_idx=-1, bool "
       "scale_grad_by_freq=False, bool sparse=False) -> Tensor",
       OpOptions{.dispatch_dtype_args = {0}})
TSR_OP(gather_nd, "gather_nd(Tensor data, Tensor indices, int batch_dims=0) -> Tensor",
       OpOptions{.dispatch_dtype_args = {0}})
TSR_OP(scatter_nd,
       "scatter_nd(Tensor data, Tensor indices, Tensor updates, str reduction='none') -> Tensor",
       OpOptions{.dispatch_dtype_args = {0}})
}  // namespace ops
using namespace ops;

namespace {

// An index tensor's values as int64, checked to be integers.
Tensor index_values(const Tensor& index, const char* op, bool int64_only) {
  TSR_CHECK_AS(TypeError,
               index.dtype() == DType::Int64 || (!int64_only && index.dtype() == DType::Int32), op,
               ": expected dtype int64", int64_only ? "" : " or int32", " for index, got ",
               index.dtype());
  return cast_if_needed(index, DType::Int64).contiguous();
}

int64_t checked_index(int64_t i, int64_t size, int64_t dim, const char* op) {
  TSR_CHECK_AS(IndexError, i >= -size && i < size, op, ": index ", i,
               " is out of bounds for dimension ", dim, " with size ", size);
  return i < 0 ? i + size : i;
}

// The element offsets (in elements) of every position of a tensor of `shape` under
// `strides`, in row-major order.
std::vector<int64_t> offsets(IntArrayRef shape, IntArrayRef strides) {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  std::vector<int64_t> out(static_cast<size_t>(n));
  std::vector<int64_t> pos(shape.size(), 0);
  for (int64_t i = 0; i < n; ++i) {
    int64_t off = 0;
    for (size_t d = 0; d < shape.size(); ++d) off += pos[d] * strides[d];
    out[static_cast<size_t>(i)] = off;
    for (size_t d = shape.size(); d-- > 0;) {
      if (++pos[d] < shape[d]) break;
      pos[d] = 0;
    }
  }
  return out;
}

// gather / scatter walk `index` and address self (or out) at the same position with the
// coordinate along dim replaced by the index value.
struct AlongDim {
  std::vector<int64_t> index_values;  // per position of index, row-major
  std::vector<int64_t> target;        // element offset into the addressed tensor
};

AlongDim along_dim(const Tensor& target, int64_t dim, const Tensor& index, const Tensor* other,
                   const char* op) {
  const int64_t nd = std::max<int64_t>(target.dim(), 1);
  const int64_t d = wrap_dim(dim, nd, op);
  TSR_CHECK(index.dim() == target.dim() || (index.dim() <= 1 && target.dim() <= 1), op,
            ": index tensor must have the same number of dimensions as the input (", target.dim(),
            "), got ", index.dim());
  for (int64_t i = 0; i < index.dim(); ++i) {
    if (i != d)
      TSR_CHECK(index.size(i) <= target.size(i), op, ": size of index (", index.sizes(),
                ") must not exceed the input's (", target.sizes(), ") in dimension ", i);
    if (other)
      TSR_CHECK(index.size(i) <= other->size(i), op, ": size of index (", index.sizes(),
                ") must not exceed src's (", other->sizes(), ") in dimension ", i);
  }
  const Tensor iv = index_values(index, op, true);
  AlongDim a;
  const auto* p = static_cast<const int64_t*>(iv.data_ptr());
  a.index_values.assign(p, p + iv.numel());
  const int64_t size_d = target.dim() == 0 ? 1 : target.size(d);
  const int64_t stride_d = target.dim() == 0 ? 0 : target.strides()[d];
  // Offsets of index's positions in target with the coordinate along dim left out (its
  // stride zeroed): that coordinate comes from index's values.
  Shape strides = target.dim() == 0 ? Shape{0} : Shape(target.strides());
  if (index.dim() > 0) strides[static_cast<size_t>(d)] = 0;
  const std::vector<int64_t> base =
      offsets(index.sizes(), index.dim() == 0 ? IntArrayRef() : IntArrayRef(strides));
  a.target.resize(base.size());
  for (size_t i = 0; i < base.size(); ++i)
    a.target[i] = base[i] + checked_index(a.index_values[i], size_d, d, op) * stride_d;
  return a;
}

template <typename T>
Tensor gather_kernel(const Tensor& self, int64_t dim, const Tensor& index) {
  const AlongDim a = along_dim(self, dim, index, nullptr, "gather");
  Tensor out = empty(index.sizes(), TensorOptions(dtype_of<T>, self.device()));
  const T* in = static_cast<const T*>(self.data_ptr());
  T* o = static_cast<T*>(out.data_ptr());
  for (size_t i = 0; i < a.target.size(); ++i) o[i] = in[a.target[i]];
  return out;
}

// scatter: a copy of self with src's elements (at index's positions) written where index
// points; add accumulates instead.
template <typename T>
Tensor scatter_impl(const Tensor& self, int64_t dim, const Tensor& index, const Tensor* src,
                    const Scalar* value, bool add, const char* op) {
  if (src) {
    TSR_CHECK_AS(TypeError, src->dtype() == self.dtype(), op,
                 ": expected self.dtype to be equal to src.dtype (", self.dtype(), " vs ",
                 src->dtype(), ")");
  }
  Tensor out = self.clone();
  const AlongDim a = along_dim(out, dim, index, src, op);
  T* o = static_cast<T*>(out.data_ptr());
  std::vector<int64_t> src_off;
  if (src) {
    const Shape src_strides =
        src->dim() == 0 ? Shape(static_cast<size_t>(index.dim()), 0) : Shape(src->strides());
    src_off = offsets(index.sizes(), src_strides);
  }
  const T* s = src ? static_cast<const T*>(src->data_ptr()) : nullptr;
  const T v = value ? value->to<T>() : T{};
  for (size_t i = 0; i < a.target.size(); ++i) {
    const T x = s ? s[src_off[i]] : v;
    if (add) {
      using C = compute_t<T>;
      if constexpr (std::is_same_v<T, bool>) {
        o[a.target[i]] = o[a.target[i]] || x;
      } else {
        o[a.target[i]] = T(arith::add<C>(C(o[a.target[i]]), C(x)));
      }
    } else {
      o[a.target[i]] = x;
    }
  }
  return out;
}

template <typename T>
Tensor scatter_src_kernel(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src) {
  return scatter_impl<T>(self, dim, index, &src, nullptr, false, "scatter");
}
template <typename T>
Tensor scatter_value_kernel(const Tensor& self, int64_t dim, const Tensor& index,
                            const Scalar& value) {
  return scatter_impl<T>(self, dim, index, nullptr, &value, false, "scatter");
}
template <typename T>
Tensor scatter_add_kernel(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src) {
  return scatter_impl<T>(self, dim, index, &src, nullptr, true, "scatter_add");
}

Tensor index_select_kernel(const Tensor& self, int64_t dim, const Tensor& index) {
  TSR_CHECK(index.dim() <= 1, "index_select: index must be 0-d or 1-d, got ", index.dim(), " dims");
  const Tensor iv = index_values(index, "index_select", false);
  const int64_t d = wrap_dim(dim, std::max<int64_t>(self.dim(), 1), "index_select");
  const int64_t size = self.dim() == 0 ? 1 : self.size(d);
  Shape shape(self.sizes());
  if (self.dim() > 0) shape[d] = iv.numel();
  Tensor out = empty(shape, TensorOptions(self.dtype(), self.device()));
  const auto* p = static_cast<const int64_t*>(iv.data_ptr());
  for (int64_t i = 0; i < iv.numel(); ++i) {
    // Unlike gather, index_select takes no negative indices (as PyTorch).
    TSR_CHECK_AS(IndexError, p[i] >= 0 && p[i] < size, "index_select: index ", p[i],
                 " is out of range for dimension ", d, " with size ", size);
    const int64_t k = p[i];
    if (self.dim() == 0) {
      out.copy_(self);
    } else {
      out.select(d, i).copy_(self.select(d, k));
    }
  }
  return out;
}

template <typename T>
Tensor masked_fill_kernel(const Tensor& self, const Tensor& mask, const Scalar& value) {
  TSR_CHECK_AS(TypeError, mask.dtype() == DType::Bool, "masked_fill: expected a bool mask, got ",
               mask.dtype());
  const Shape shape = broadcast_shapes(self.sizes(), mask.sizes(), "masked_fill");
  TSR_CHECK(self.sizes().equals(shape), "masked_fill: the mask (", mask.sizes(),
            ") must broadcast to self's shape ", self.sizes());
  const T v = checked_convert<T>(value, "masked_fill");
  return binary_map<T, T>(self, cast(mask, dtype_of<T>), "masked_fill",
                          [v](T x, T m) { return convert<bool>(m) ? v : x; });
}

// [n, ndim] int64 coordinates of the non-zero elements, in row-major order.
template <typename T>
Tensor nonzero_kernel(const Tensor& self) {
  const Tensor c = self.contiguous();
  const T* p = static_cast<const T*>(c.data_ptr());
  std::vector<int64_t> hits;
  for (int64_t i = 0; i < c.numel(); ++i) {
    if (is_nonzero(p[i])) hits.push_back(i);
  }
  const int64_t nd = self.dim();
  Tensor out =
      empty({static_cast<int64_t>(hits.size()), nd}, TensorOptions(DType::Int64, self.device()));
  auto* o = static_cast<int64_t*>(out.data_ptr());
  for (size_t h = 0; h < hits.size(); ++h) {
    int64_t rest = hits[h];
    for (int64_t d = nd - 1; d >= 0; --d) {
      o[static_cast<int64_t>(h) * nd + d] = rest % self.size(d);
      rest /= self.size(d);
    }
  }
  return out;
}

Tensor embedding_kernel(const Tensor& weight, const Tensor& indices, int64_t, bool, bool) {
  TSR_CHECK(weight.dim() == 2, "embedding: weight must be 2-D, got ", weight.dim(), " dims");
  const Tensor rows = index_select(weight, 0, indices.reshape({-1}));
  Shape shape(indices.sizes());
  shape.push_back(weight.size(1));
  return rows.reshape(shape);
}

// ONNX GatherND: indices [..., k] address the first k dims (after batch_dims) of data.
Tensor gather_nd_kernel(const Tensor& data, const Tensor& indices, int64_t batch_dims) {
  const Tensor iv = index_values(indices, "gather_nd", true);
  const int64_t q = indices.dim(), r = data.dim();
  TSR_CHECK(q >= 1 && r >= 1, "gather_nd: data and indices must have at least 1 dim");
  const int64_t k = indices.size(-1);
  TSR_CHECK(batch_dims >= 0 && batch_dims < std::min(q, r), "gather_nd: batch_dims (", batch_dims,
            ") must be less than the ranks of data (", r, ") and indices (", q, ")");
  TSR_CHECK(k >= 1 && k <= r - batch_dims, "gather_nd: indices.shape[-1] (", k,
            ") must be in [1, rank(data) - batch_dims] = [1, ", r - batch_dims, "]");
  for (int64_t b = 0; b < batch_dims; ++b)
    TSR_CHECK(data.size(b) == indices.size(b), "gather_nd: batch dim ", b, " differs: data ",
              data.size(b), ", indices ", indices.size(b));
  Shape shape;
  for (int64_t i = 0; i < q - 1; ++i) shape.push_back(indices.size(i));
  Shape slice_shape;
  for (int64_t i = batch_dims + k; i < r; ++i) {
    shape.push_back(data.size(i));
    slice_shape.push_back(data.size(i));
  }
  Tensor out = empty(shape, TensorOptions(data.dtype(), data.device()));
  int64_t batch = 1;
  for (int64_t b = 0; b < batch_dims; ++b) batch *= data.size(b);
  const int64_t per_batch = batch == 0 ? 0 : iv.numel() / k / std::max<int64_t>(batch, 1);
  Tensor data_b = data.reshape([&] {
    Shape s{batch};
    for (int64_t i = batch_dims; i < r; ++i) s.push_back(data.size(i));
    return s;
  }());
  Shape flat_out{batch * per_batch};
  for (int64_t s : slice_shape) flat_out.push_back(s);
  Tensor out_flat = out.view(flat_out);
  const auto* p = static_cast<const int64_t*>(iv.data_ptr());
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t j = 0; j < per_batch; ++j) {
      Tensor src = data_b.select(0, b);
      const int64_t* idx = p + (b * per_batch + j) * k;
      for (int64_t t = 0; t < k; ++t)
        src = src.select(0, checked_index(idx[t], src.size(0), batch_dims + t, "gather_nd"));
      out_flat.select(0, b * per_batch + j).copy_(src);
    }
  }
  return out;
}

// ONNX ScatterND: a copy of data with updates written (or reduced) at indices' positions.
template <typename T>
Tensor scatter_nd_kernel(const Tensor& data, const Tensor& indices, const Tensor& updates,
                         std::string_view reduction) {
  TSR_CHECK(reduction == "none" || reduction == "add" || reduction == "mul" || reduction == "max" ||
                reduction == "min",
            "scatter_nd: reduction must be none, add, mul, max or min, not '", reduction, "'");
  TSR_CHECK_AS(TypeError, updates.dtype() == data.dtype(), "scatter_nd: updates (", updates.dtype(),
               ") must have data's dtype (", data.dtype(), ")");
  const Tensor iv = index_values(indices, "scatter_nd", true);
  const int64_t q = indices.dim(), r = data.dim();
  TSR_CHECK(q >= 1, "scatter_nd: indices must have at least 1 dim");
  const int64_t k = indices.size(-1);
  TSR_CHECK(k >= 1 && k <= r, "scatter_nd: indices.shape[-1] (", k, ") must be in [1, ", r, "]");
  Shape expect;
  for (int64_t i = 0; i < q - 1; ++i) expect.push_back(indices.size(i));
  for (int64_t i = k; i < r; ++i) expect.push_back(data.size(i));
  TSR_CHECK(updates.sizes().equals(IntArrayRef(expect)), "scatter_nd: updates must have shape ",
            expect, ", got ", updates.sizes());
  Tensor out = data.clone();
  const int64_t n = k == 0 ? 0 : iv.numel() / k;
  Shape flat{n};
  for (int64_t i = k; i < r; ++i) flat.push_back(data.size(i));
  const Tensor upd = updates.reshape(flat);
  const auto* p = static_cast<const int64_t*>(iv.data_ptr());
  using C = compute_t<T>;
  for (int64_t j = 0; j < n; ++j) {
    Tensor dst = out;
    for (int64_t t = 0; t < k; ++t)
      dst = dst.select(0, checked_index(p[j * k + t], dst.size(0), t, "scatter_nd"));
    const Tensor src = upd.select(0, j);
    if (reduction == "none") {
      dst.copy_(src);
      continue;
    }
    if constexpr (is_complex_v<T> || std::is_same_v<T, bool>) {
      detail::throw_error<TypeError>("scatter_nd: reduction '", reduction,
                                     "' is not supported for ", dtype_of<T>);
    } else {
      const Tensor combined = binary_map<T, T>(dst, src, "scatter_nd", [reduction](T a, T b) {
        if (reduction == "add") return T(arith::add<C>(C(a), C(b)));
        if (reduction == "mul") return T(arith::mul<C>(C(a), C(b)));
        if (reduction == "max") return C(b) > C(a) ? b : a;
        return C(b) < C(a) ? b : a;
      });
      dst.copy_(combined);
    }
  }
  return out;
}

}  // namespace

TSR_REGISTER {
  impl_for(gather_op(), kBackendReference, AllDTypes{},
           []<typename T>() { return &gather_kernel<T>; });
  impl_for(scatter_src_op(), kBackendReference, AllDTypes{},
           []<typename T>() { return &scatter_src_kernel<T>; });
  impl_for(scatter_value_op(), kBackendReference, AllDTypes{},
           []<typename T>() { return &scatter_value_kernel<T>; });
  impl_for(scatter_add_op(), kBackendReference, AllDTypes{},
           []<typename T>() { return &scatter_add_kernel<T>; });
  impl_generic(index_select_op(), kBackendReference, &index_select_kernel);
  impl_for(masked_fill_op(), kBackendReference, AllDTypes{},
           []<typename T>() { return &masked_fill_kernel<T>; });
  impl_for(nonzero_op(), kBackendReference, AllDTypes{},
           []<typename T>() { return &nonzero_kernel<T>; });
  impl_generic(embedding_op(), kBackendReference, &embedding_kernel);
  impl_generic(gather_nd_op(), kBackendReference, &gather_nd_kernel);
  impl_for(scatter_nd_op(), kBackendReference, AllDTypes{},
           []<typename T>() { return &scatter_nd_kernel<T>; });
}

Tensor gather(const Tensor& self, int64_t dim, const Tensor& index) {
  static const auto op = gather_op().typed<Tensor(const Tensor&, int64_t, const Tensor&)>();
  return op.call(self, dim, index);
}
Tensor scatter(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src) {
  static const auto op =
      scatter_src_op().typed<Tensor(const Tensor&, int64_t, const Tensor&, const Tensor&)>();
  return op.call(self, dim, index, src);
}
Tensor scatter(const Tensor& self, int64_t dim, const Tensor& index, const Scalar& value) {
  static const auto op =
      scatter_value_op().typed<Tensor(const Tensor&, int64_t, const Tensor&, const Scalar&)>();
  return op.call(self, dim, index, value);
}
Tensor scatter_add(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src) {
  static const auto op =
      scatter_add_op().typed<Tensor(const Tensor&, int64_t, const Tensor&, const Tensor&)>();
  return op.call(self, dim, index, src);
}
Tensor index_select(const Tensor& self, int64_t dim, const Tensor& index) {
  static const auto op = index_select_op().typed<Tensor(const Tensor&, int64_t, const Tensor&)>();
  return op.call(self, dim, index);
}
Tensor masked_fill(const Tensor& self, const Tensor& mask, const Scalar& value) {
  static const auto op =
      masked_fill_op().typed<Tensor(const Tensor&, const Tensor&, const Scalar&)>();
  return op.call(self, mask, value);
}
Tensor nonzero(const Tensor& self) {
  static const auto op = nonzero_op().typed<Tensor(const Tensor&)>();
  return op.call(self);
}
Tensor embedding(const Tensor& weight, const Tensor& indices) {
  static const auto op =
      embedding_op().typed<Tensor(const Tensor&, const Tensor&, int64_t, bool, bool)>();
  return op.call(weight, indices, -1, false, false);
}
Tensor gather_nd(const Tensor& data, const Tensor& indices, int64_t batch_dims) {
  static const auto op = gather_nd_op().typed<Tensor(const Tensor&, const Tensor&, int64_t)>();
  return op.call(data, indices, batch_dims);
}
Tensor scatter_nd(const Tensor& data, const Tensor& indices, const Tensor& updates,
                  std::string_view reduction) {
  static const auto op =
      scatter_nd_op()
          .typed<Tensor(const Tensor&, const Tensor&, const Tensor&, std::string_view)>();
  return op.call(data, indices, updates, reduction);
}

}  // namespace tessera
