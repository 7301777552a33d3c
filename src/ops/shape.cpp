// Shape ops as dispatcher ops, so graphs reach them as they reach any other op: reshape,
// flatten, squeeze, unsqueeze, transpose, permute, expand, slice (views); repeat, tile,
// cat, stack, split, chunk, flip, roll, tril, triu, clone, meshgrid, one_hot (copies).
// All are dtype-generic kernels registered on the reference backend.
#include <numeric>

#include "api/functions.h"
#include "dispatch/result_type.h"
#include "ops/elementwise.h"
#include "ops/handles.h"

namespace tessera {
namespace ops {
TSR_OP(reshape, "reshape(Tensor(a) self, int[] shape) -> Tensor(a)")
TSR_OP(flatten, "flatten.using_ints(Tensor(a) self, int start_dim=0, int end_dim=-1) -> Tensor(a)")
TSR_OP(squeeze, "squeeze(Tensor(a) self) -> Tensor(a)")
TSR_OP(squeeze_dim, "squeeze.dim(Tensor(a) self, int dim) -> Tensor(a)")
TSR_OP(unsqueeze, "unsqueeze(Tensor(a) self, int dim) -> Tensor(a)")
TSR_OP(transpose, "transpose.int(Tensor(a) self, int dim0, int dim1) -> Tensor(a)")
TSR_OP(permute, "permute(Tensor(a) self, int[] dims) -> Tensor(a)")
TSR_OP(expand, "expand(Tensor(a) self, int[] size) -> Tensor(a)")
TSR_OP(slice,
       "slice.Tensor(Tensor(a) self, int dim=0, int? start=None, int? end=None, int step=1) -> "
       "Tensor(a)")
TSR_OP(repeat, "repeat(Tensor self, int[] repeats) -> Tensor")
TSR_OP(tile, "tile(Tensor self, int[] dims) -> Tensor")
TSR_OP(cat, "cat(Tensor[] tensors, int dim=0) -> Tensor")
TSR_OP(stack, "stack(Tensor[] tensors, int dim=0) -> Tensor")
TSR_OP(split, "split.Tensor(Tensor(a) self, int split_size, int dim=0) -> Tensor(a)[]")
TSR_OP(split_with_sizes,
       "split_with_sizes(Tensor(a) self, int[] split_sizes, int dim=0) -> Tensor(a)[]")
TSR_OP(chunk, "chunk(Tensor(a) self, int chunks, int dim=0) -> Tensor(a)[]")
TSR_OP(flip, "flip(Tensor self, int[] dims) -> Tensor")
TSR_OP(roll, "roll(Tensor self, int[1] shifts, int[1] dims=[]) -> Tensor")
TSR_OP(tril, "tril(Tensor self, int diagonal=0) -> Tensor")
TSR_OP(triu, "triu(Tensor self, int diagonal=0) -> Tensor")
TSR_OP(clone, "clone(Tensor self) -> Tensor")
TSR_OP(meshgrid, "meshgrid.indexing(Tensor(a)[] tensors, *, str indexing='ij') -> Tensor(a)[]")
TSR_OP(one_hot, "one_hot(Tensor self, int num_classes=-1) -> Tensor")
}  // namespace ops
using namespace ops;

namespace {

Tensor reshape_kernel(const Tensor& self, IntArrayRef shape) {
  return self.reshape(shape);
}
Tensor flatten_kernel(const Tensor& self, int64_t start, int64_t end) {
  return self.flatten(start, end);
}
Tensor squeeze_kernel(const Tensor& self) {
  return self.squeeze();
}
Tensor squeeze_dim_kernel(const Tensor& self, int64_t dim) {
  return self.squeeze(dim);
}
Tensor unsqueeze_kernel(const Tensor& self, int64_t dim) {
  return self.unsqueeze(dim);
}
Tensor transpose_kernel(const Tensor& self, int64_t d0, int64_t d1) {
  return self.transpose(d0, d1);
}
Tensor permute_kernel(const Tensor& self, IntArrayRef dims) {
  return self.permute(dims);
}
Tensor expand_kernel(const Tensor& self, IntArrayRef size) {
  return self.expand(size);
}
Tensor slice_kernel(const Tensor& self, int64_t dim, std::optional<int64_t> start,
                    std::optional<int64_t> end, int64_t step) {
  return self.slice(dim, start, end, step);
}
Tensor clone_kernel(const Tensor& self) {
  return self.clone();
}

// repeat: self (padded with leading 1s to repeats' length) tiled repeats[i] times along dim i,
// as an expand of an interleaved view followed by one copy.
Tensor repeat_kernel(const Tensor& self, IntArrayRef repeats) {
  const auto n = static_cast<int64_t>(repeats.size());
  TSR_CHECK(n >= self.dim(),
            "repeat: number of dimensions of repeat dims can not be smaller than number of "
            "dimensions of tensor");
  Shape padded(static_cast<size_t>(n - self.dim()), 1);
  for (int64_t s : self.sizes()) padded.push_back(s);
  Shape interleaved, expanded, out;
  for (int64_t i = 0; i < n; ++i) {
    TSR_CHECK(repeats[i] >= 0, "repeat: trying to create tensor with negative dimension ",
              repeats[i]);
    interleaved.push_back(1);
    interleaved.push_back(padded[i]);
    expanded.push_back(repeats[i]);
    expanded.push_back(padded[i]);
    out.push_back(repeats[i] * padded[i]);
  }
  return self.reshape(interleaved).expand(expanded).contiguous().reshape(out);
}

Tensor tile_kernel(const Tensor& self, IntArrayRef dims) {
  Shape reps(
      static_cast<size_t>(std::max<int64_t>(0, self.dim() - static_cast<int64_t>(dims.size()))), 1);
  for (int64_t d : dims) reps.push_back(d);
  return repeat(self, reps);
}

// cat: the tensors' promoted dtype; 1-D empty tensors are skipped, as in PyTorch.
Tensor cat_kernel(TensorList tensors, int64_t dim) {
  TSR_CHECK(!tensors.empty(), "cat: expected a non-empty list of Tensors");
  ResultTypeState rt;
  const Tensor* ref = nullptr;
  for (const Tensor& t : tensors) {
    rt.update(t);
    if (!ref && !(t.dim() == 1 && t.numel() == 0)) ref = &t;
  }
  const DType dtype = *rt.result();
  if (!ref) return empty({0}, TensorOptions(dtype, tensors[0].device()));
  TSR_CHECK(ref->dim() > 0, "cat: zero-dimensional tensor cannot be concatenated");
  const int64_t d = wrap_dim(dim, ref->dim(), "cat");
  Shape shape(ref->sizes());
  shape[d] = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    if (t.dim() == 1 && t.numel() == 0) continue;
    TSR_CHECK(t.dim() == ref->dim(), "cat: tensors must have the same number of dimensions: got ",
              ref->dim(), " and ", t.dim(), " (tensor ", i, ")");
    for (int64_t j = 0; j < t.dim(); ++j) {
      TSR_CHECK(j == d || t.size(j) == ref->size(j), "cat: sizes of tensors must match except in ",
                "dimension ", d, ": expected size ", ref->size(j), " but got size ", t.size(j),
                " for tensor number ", i, " in the list");
    }
    shape[d] += t.size(d);
  }
  Tensor out = empty(shape, TensorOptions(dtype, ref->device()));
  int64_t at = 0;
  for (const Tensor& t : tensors) {
    if (t.dim() == 1 && t.numel() == 0) continue;
    out.slice(d, at, at + t.size(d)).copy_(t);
    at += t.size(d);
  }
  return out;
}

Tensor stack_kernel(TensorList tensors, int64_t dim) {
  TSR_CHECK(!tensors.empty(), "stack: expected a non-empty list of Tensors");
  const int64_t d = wrap_dim(dim, tensors[0].dim() + 1, "stack");
  std::vector<Tensor> parts;
  for (size_t i = 0; i < tensors.size(); ++i) {
    TSR_CHECK(tensors[i].sizes().equals(tensors[0].sizes()),
              "stack: expects each tensor to be equal size, but got ", tensors[0].sizes(),
              " at entry 0 and ", tensors[i].sizes(), " at entry ", i);
    parts.push_back(tensors[i].unsqueeze(d));
  }
  return cat(parts, d);
}

std::vector<Tensor> split_with_sizes_kernel(const Tensor& self, IntArrayRef sizes, int64_t dim) {
  TSR_CHECK(self.dim() > 0, "split: cannot split a 0-d tensor");
  const int64_t d = wrap_dim(dim, self.dim(), "split");
  int64_t total = 0;
  for (int64_t s : sizes) {
    TSR_CHECK(s >= 0, "split_with_sizes: expects split_sizes to be non-negative, got ", sizes);
    total += s;
  }
  TSR_CHECK(total == self.size(d), "split_with_sizes: expects split_sizes to sum exactly to ",
            self.size(d), " (input tensor's size at dimension ", d,
            "), but got split_sizes=", sizes);
  std::vector<Tensor> out;
  int64_t at = 0;
  for (int64_t s : sizes) {
    out.push_back(self.slice(d, at, at + s));
    at += s;
  }
  return out;
}

std::vector<Tensor> split_kernel(const Tensor& self, int64_t split_size, int64_t dim) {
  TSR_CHECK(self.dim() > 0, "split: cannot split a 0-d tensor");
  const int64_t d = wrap_dim(dim, self.dim(), "split");
  const int64_t n = self.size(d);
  TSR_CHECK(split_size > 0 || (split_size == 0 && n == 0),
            "split: split_size can only be 0 if "
            "dimension size is 0, but got dimension size of ",
            n);
  Shape sizes;
  if (split_size == 0) {
    sizes.push_back(0);
  } else {
    for (int64_t at = 0; at < n || (n == 0 && sizes.empty()); at += split_size)
      sizes.push_back(std::min(split_size, n - at));
  }
  return split_with_sizes_kernel(self, sizes, d);
}

std::vector<Tensor> chunk_kernel(const Tensor& self, int64_t chunks, int64_t dim) {
  TSR_CHECK(self.dim() > 0, "chunk: expects at least a 1-dimensional tensor");
  TSR_CHECK(chunks > 0, "chunk: expects chunks to be greater than 0, got: ", chunks);
  const int64_t d = wrap_dim(dim, self.dim(), "chunk");
  const int64_t n = self.size(d);
  // An empty dim gives `chunks` empty pieces, as in PyTorch.
  if (n == 0) return split_with_sizes_kernel(self, Shape(static_cast<size_t>(chunks), 0), d);
  return split_kernel(self, (n + chunks - 1) / chunks, d);
}

Tensor flip_kernel(const Tensor& self, IntArrayRef dims) {
  std::vector<bool> seen(static_cast<size_t>(std::max<int64_t>(self.dim(), 1)), false);
  Tensor v = self;
  for (int64_t dim : dims) {
    const int64_t d = wrap_dim(dim, self.dim(), "flip");
    TSR_CHECK(!seen[d], "flip: dim ", d, " appears multiple times in the list of dims");
    seen[d] = true;
    if (self.dim() > 0) v = v.slice(d, std::nullopt, std::nullopt, -1);
  }
  return v.clone();
}

Tensor roll_kernel(const Tensor& self, IntArrayRef shifts, IntArrayRef dims) {
  if (dims.empty()) {
    TSR_CHECK(shifts.size() == 1, "roll: shifts must have one element when dims is empty, got ",
              shifts);
    return roll(self.flatten(), shifts, IntArrayRef(std::array<int64_t, 1>{0}))
        .reshape(self.sizes());
  }
  TSR_CHECK(shifts.size() == dims.size(), "roll: shifts and dimensions must align: shifts has ",
            shifts.size(), " elements, dims ", dims.size());
  Tensor out = self;
  for (size_t i = 0; i < dims.size(); ++i) {
    const int64_t d = wrap_dim(dims[i], self.dim(), "roll");
    const int64_t n = self.size(d);
    if (n == 0) continue;
    const int64_t s = ((shifts[i] % n) + n) % n;
    if (s == 0) continue;
    out = cat(std::vector<Tensor>{out.slice(d, n - s), out.slice(d, 0, n - s)}, d);
  }
  return out.is_same(self) ? self.clone() : out;
}

// tril / triu: zero the elements above (tril) or below (triu) the diagonal-th diagonal of
// the last two dims.
Tensor triangle_kernel(const Tensor& self, int64_t diagonal, bool lower) {
  TSR_CHECK(self.dim() >= 2, lower ? "tril" : "triu",
            ": input tensor must have at least 2 dimensions, got ", self.dim());
  Tensor out = self.clone();
  const int64_t rows = self.size(-2), cols = self.size(-1);
  for (int64_t i = 0; i < rows; ++i) {
    const int64_t edge = std::clamp<int64_t>(i + diagonal + (lower ? 1 : 0), 0, cols);
    Tensor row = out.select(-2, i);
    Tensor zeroed = lower ? row.slice(-1, edge) : row.slice(-1, 0, edge);
    if (zeroed.numel()) zeroed.zero_();
  }
  return out;
}
Tensor tril_kernel(const Tensor& self, int64_t diagonal) {
  return triangle_kernel(self, diagonal, true);
}
Tensor triu_kernel(const Tensor& self, int64_t diagonal) {
  return triangle_kernel(self, diagonal, false);
}

std::vector<Tensor> meshgrid_kernel(TensorList tensors, std::string_view indexing) {
  TSR_CHECK(indexing == "ij" || indexing == "xy",
            "meshgrid: indexing must be one of \"xy\" or \"ij\", but received: ", indexing);
  TSR_CHECK(!tensors.empty(), "meshgrid: expects a non-empty TensorList");
  Shape shape;
  for (const Tensor& t : tensors) {
    TSR_CHECK(t.dim() <= 1, "meshgrid: expects all tensors to have 0 or 1 dimensions, got ",
              t.dim());
    TSR_CHECK(t.dtype() == tensors[0].dtype(),
              "meshgrid: expects all tensors to have the same dtype");
    shape.push_back(t.numel());
  }
  const bool xy = indexing == "xy" && tensors.size() >= 2;
  if (xy) std::swap(shape[0], shape[1]);
  std::vector<Tensor> out;
  for (size_t i = 0; i < tensors.size(); ++i) {
    size_t at = i;
    if (xy && i < 2) at = 1 - i;
    Shape view(shape.size(), 1);
    view[at] = tensors[i].numel();
    out.push_back(tensors[i].reshape(view).expand(shape));
  }
  return out;
}

Tensor one_hot_kernel(const Tensor& self, int64_t num_classes) {
  TSR_CHECK_AS(TypeError, self.dtype() == DType::Int64,
               "one_hot is only applicable to index tensor (int64), got ", self.dtype());
  const Tensor idx = self.contiguous();
  const auto* p = static_cast<const int64_t*>(idx.data_ptr());
  const int64_t n = idx.numel();
  if (num_classes == -1) {
    TSR_CHECK(n > 0, "one_hot: can not infer total number of classes from empty tensor");
    num_classes = *std::max_element(p, p + n) + 1;
  }
  TSR_CHECK(num_classes >= 0, "one_hot: num_classes must be -1 or non-negative, got ", num_classes);
  for (int64_t i = 0; i < n; ++i) {
    TSR_CHECK_AS(IndexError, p[i] >= 0, "one_hot: class values must be non-negative, got ", p[i]);
    TSR_CHECK_AS(IndexError, p[i] < num_classes,
                 "one_hot: class values must be smaller than num_classes (", num_classes, "), got ",
                 p[i]);
  }
  Shape shape(self.sizes());
  shape.push_back(num_classes);
  Tensor out = zeros(shape, TensorOptions(DType::Int64, self.device()));
  auto* o = static_cast<int64_t*>(out.data_ptr());
  for (int64_t i = 0; i < n; ++i) o[i * num_classes + p[i]] = 1;
  return out;
}

}  // namespace

TSR_REGISTER {
  impl_generic(reshape_op(), kBackendReference, &reshape_kernel);
  impl_generic(flatten_op(), kBackendReference, &flatten_kernel);
  impl_generic(squeeze_op(), kBackendReference, &squeeze_kernel);
  impl_generic(squeeze_dim_op(), kBackendReference, &squeeze_dim_kernel);
  impl_generic(unsqueeze_op(), kBackendReference, &unsqueeze_kernel);
  impl_generic(transpose_op(), kBackendReference, &transpose_kernel);
  impl_generic(permute_op(), kBackendReference, &permute_kernel);
  impl_generic(expand_op(), kBackendReference, &expand_kernel);
  impl_generic(slice_op(), kBackendReference, &slice_kernel);
  impl_generic(repeat_op(), kBackendReference, &repeat_kernel);
  impl_generic(tile_op(), kBackendReference, &tile_kernel);
  impl_generic(cat_op(), kBackendReference, &cat_kernel);
  impl_generic(stack_op(), kBackendReference, &stack_kernel);
  impl_generic(split_op(), kBackendReference, &split_kernel);
  impl_generic(split_with_sizes_op(), kBackendReference, &split_with_sizes_kernel);
  impl_generic(chunk_op(), kBackendReference, &chunk_kernel);
  impl_generic(flip_op(), kBackendReference, &flip_kernel);
  impl_generic(roll_op(), kBackendReference, &roll_kernel);
  impl_generic(tril_op(), kBackendReference, &tril_kernel);
  impl_generic(triu_op(), kBackendReference, &triu_kernel);
  impl_generic(clone_op(), kBackendReference, &clone_kernel);
  impl_generic(meshgrid_op(), kBackendReference, &meshgrid_kernel);
  impl_generic(one_hot_op(), kBackendReference, &one_hot_kernel);
}

Tensor repeat(const Tensor& self, IntArrayRef repeats) {
  static const auto op = repeat_op().typed<Tensor(const Tensor&, IntArrayRef)>();
  return op.call(self, repeats);
}
Tensor tile(const Tensor& self, IntArrayRef dims) {
  static const auto op = tile_op().typed<Tensor(const Tensor&, IntArrayRef)>();
  return op.call(self, dims);
}
Tensor cat(TensorList tensors, int64_t dim) {
  static const auto op = cat_op().typed<Tensor(TensorList, int64_t)>();
  return op.call(tensors, dim);
}
Tensor stack(TensorList tensors, int64_t dim) {
  static const auto op = stack_op().typed<Tensor(TensorList, int64_t)>();
  return op.call(tensors, dim);
}
std::vector<Tensor> split(const Tensor& self, int64_t split_size, int64_t dim) {
  static const auto op = split_op().typed<std::vector<Tensor>(const Tensor&, int64_t, int64_t)>();
  return op.call(self, split_size, dim);
}
std::vector<Tensor> split(const Tensor& self, IntArrayRef split_sizes, int64_t dim) {
  static const auto op =
      split_with_sizes_op().typed<std::vector<Tensor>(const Tensor&, IntArrayRef, int64_t)>();
  return op.call(self, split_sizes, dim);
}
std::vector<Tensor> chunk(const Tensor& self, int64_t chunks, int64_t dim) {
  static const auto op = chunk_op().typed<std::vector<Tensor>(const Tensor&, int64_t, int64_t)>();
  return op.call(self, chunks, dim);
}
Tensor flip(const Tensor& self, IntArrayRef dims) {
  static const auto op = flip_op().typed<Tensor(const Tensor&, IntArrayRef)>();
  return op.call(self, dims);
}
Tensor roll(const Tensor& self, IntArrayRef shifts, IntArrayRef dims) {
  static const auto op = roll_op().typed<Tensor(const Tensor&, IntArrayRef, IntArrayRef)>();
  return op.call(self, shifts, dims);
}
Tensor tril(const Tensor& self, int64_t diagonal) {
  static const auto op = tril_op().typed<Tensor(const Tensor&, int64_t)>();
  return op.call(self, diagonal);
}
Tensor triu(const Tensor& self, int64_t diagonal) {
  static const auto op = triu_op().typed<Tensor(const Tensor&, int64_t)>();
  return op.call(self, diagonal);
}
std::vector<Tensor> meshgrid(TensorList tensors, std::string_view indexing) {
  static const auto op = meshgrid_op().typed<std::vector<Tensor>(TensorList, std::string_view)>();
  return op.call(tensors, indexing);
}
Tensor one_hot(const Tensor& self, int64_t num_classes) {
  static const auto op = one_hot_op().typed<Tensor(const Tensor&, int64_t)>();
  return op.call(self, num_classes);
}

}  // namespace tessera
