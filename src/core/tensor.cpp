// Tensor metadata and views: everything about a tensor that needs no kernel.
#include "core/tensor.h"

#include <algorithm>
#include <limits>
#include <mutex>
#include <numeric>
#include <unordered_map>

namespace tessera {

StorageImpl::StorageImpl(size_t nbytes, Device device)
    : nbytes_(nbytes), device_(device), allocator_(&allocator_for(device.type)) {
  data_ = allocator_->allocate(nbytes);
}

StorageImpl::StorageImpl(void* data, size_t nbytes, Device device,
                         std::function<void(void*)> deleter)
    : data_(data),
      nbytes_(nbytes),
      device_(device),
      allocator_(nullptr),
      deleter_(std::move(deleter)) {}

struct StorageImpl::Derived {
  std::mutex mu;
  std::unordered_map<std::string, std::shared_ptr<void>> data;
};

void StorageImpl::freeze() {
  if (!derived_) derived_ = std::make_unique<Derived>();
}

std::shared_ptr<void> StorageImpl::derived(const std::string& key,
                                           const std::function<std::shared_ptr<void>()>& make) {
  TSR_ASSERT(derived_ != nullptr, "derived data of storage that is not frozen");
  std::lock_guard lock(derived_->mu);
  auto& slot = derived_->data[key];
  if (!slot) slot = make();
  return slot;
}

StorageImpl::~StorageImpl() {
  if (allocator_) {
    allocator_->deallocate(data_, nbytes_);
  } else if (deleter_) {
    deleter_(data_);
  }
}

Shape contiguous_strides(IntArrayRef sizes) {
  Shape strides(sizes.size());
  int64_t s = 1;
  for (size_t i = sizes.size(); i-- > 0;) {
    strides[i] = s;
    s *= std::max<int64_t>(sizes[i], 1);
  }
  return strides;
}

int64_t checked_numel(IntArrayRef sizes, const char* op) {
  int64_t n = 1;
  for (int64_t s : sizes) {
    TSR_CHECK(s >= 0, op, ": sizes must be non-negative, got ", sizes);
    TSR_CHECK(!__builtin_mul_overflow(n, s, &n), op, ": number of elements of ", sizes,
              " overflows int64");
  }
  return n;
}

int64_t wrap_dim(int64_t dim, int64_t ndim, const char* op) {
  const int64_t lo = ndim == 0 ? -1 : -ndim, hi = ndim == 0 ? 0 : ndim - 1;
  TSR_CHECK_AS(IndexError, dim >= lo && dim <= hi, op,
               ": dimension out of range (expected to be in range of [", lo, ", ", hi,
               "], but got ", dim, ")");
  return dim < 0 ? dim + std::max<int64_t>(ndim, 1) : dim;
}

namespace {

// Smallest and largest element offsets (relative to offset 0) a strided layout touches.
std::pair<int64_t, int64_t> extent(IntArrayRef sizes, IntArrayRef strides) {
  int64_t lo = 0, hi = 0;
  for (size_t i = 0; i < sizes.size(); ++i) {
    if (sizes[i] == 0) return {0, -1};
    const int64_t span = (sizes[i] - 1) * strides[i];
    (span < 0 ? lo : hi) += span;
  }
  return {lo, hi};
}

}  // namespace

Tensor make_tensor(IntrusivePtr<StorageImpl> storage, DType dtype, IntArrayRef sizes,
                   std::optional<IntArrayRef> strides, int64_t offset) {
  auto impl = IntrusivePtr<TensorImpl>::make();
  impl->numel = checked_numel(sizes, "make_tensor");
  impl->sizes = Shape(std::span<const int64_t>(sizes.data(), sizes.size()));
  if (strides) {
    TSR_CHECK(strides->size() == sizes.size(), "make_tensor: got ", sizes.size(), " sizes but ",
              strides->size(), " strides");
    impl->strides = Shape(std::span<const int64_t>(strides->data(), strides->size()));
  } else {
    impl->strides = contiguous_strides(sizes);
  }
  impl->storage = std::move(storage);
  impl->offset = offset;
  impl->dtype = dtype;
  return Tensor(std::move(impl));
}

int64_t Tensor::size(int64_t d) const {
  return impl_->sizes[wrap_dim(d, dim(), "size")];
}
int64_t Tensor::stride(int64_t d) const {
  return impl_->strides[wrap_dim(d, dim(), "stride")];
}

bool Tensor::is_contiguous() const {
  int64_t expected = 1;
  for (int64_t i = dim() - 1; i >= 0; --i) {
    const int64_t s = impl_->sizes[i];
    if (s == 0) return true;
    if (s != 1 && impl_->strides[i] != expected) return false;
    expected *= s;
  }
  return true;
}

namespace {

Tensor restride(const Tensor& t, IntArrayRef sizes, IntArrayRef strides, int64_t offset) {
  return make_tensor(t.storage(), t.dtype(), sizes, strides, offset);
}

// Fills in a -1 in a requested shape; checks the element count matches.
Shape infer_shape(IntArrayRef shape, int64_t numel, const char* op) {
  Shape out(std::span<const int64_t>(shape.data(), shape.size()));
  int64_t known = 1;
  int infer = -1;
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i] == -1) {
      TSR_CHECK(infer < 0, op, ": only one dimension can be inferred, got shape ", shape);
      infer = static_cast<int>(i);
    } else {
      TSR_CHECK(out[i] >= 0, op, ": invalid shape dimension ", out[i], " in ", shape);
      TSR_CHECK(!__builtin_mul_overflow(known, out[i], &known), op, ": shape ", shape,
                " overflows");
    }
  }
  if (infer >= 0) {
    TSR_CHECK(known != 0 && numel % known == 0, op, ": shape ", shape,
              " is invalid for input of size ", numel);
    out[infer] = numel / known;
  } else {
    TSR_CHECK(known == numel, op, ": shape ", shape, " is invalid for input of size ", numel);
  }
  return out;
}

// Strides that view a tensor of `sizes`/`strides` as `shape`, if its memory layout
// allows; empty optional otherwise. Walks chunks of dims that are contiguous among
// themselves, as ATen's computeStride does.
std::optional<Shape> view_strides(IntArrayRef sizes, IntArrayRef strides, IntArrayRef shape,
                                  int64_t numel) {
  Shape out(shape.size());
  if (numel == 0) {
    if (sizes.equals(shape)) return Shape(std::span<const int64_t>(strides.data(), strides.size()));
    return contiguous_strides(shape);
  }
  if (sizes.empty()) return contiguous_strides(shape);  // a 0-d tensor: any all-ones shape
  int64_t view_d = static_cast<int64_t>(shape.size()) - 1;
  int64_t chunk_base_stride = strides.empty() ? 1 : strides.back();
  int64_t tensor_numel = 1, view_numel = 1;
  for (int64_t d = static_cast<int64_t>(sizes.size()) - 1; d >= 0; --d) {
    tensor_numel *= sizes[d];
    if (d == 0 || (sizes[d - 1] != 1 && strides[d - 1] != tensor_numel * chunk_base_stride)) {
      while (view_d >= 0 && (view_numel < tensor_numel || shape[view_d] == 1)) {
        out[view_d] = view_numel * chunk_base_stride;
        view_numel *= shape[view_d];
        --view_d;
      }
      if (view_numel != tensor_numel) return std::nullopt;
      if (d > 0) {
        chunk_base_stride = strides[d - 1];
        tensor_numel = 1;
        view_numel = 1;
      }
    }
  }
  if (view_d != -1) return std::nullopt;
  return out;
}

}  // namespace

Tensor Tensor::view(IntArrayRef shape) const {
  const Shape s = infer_shape(shape, numel(), "view");
  auto st = view_strides(sizes(), strides(), s, numel());
  TSR_CHECK(st.has_value(), "view: size ", s, " is not compatible with input size ", sizes(),
            " and strides ", strides(), "; use reshape instead");
  return restride(*this, s, *st, storage_offset());
}

Tensor Tensor::reshape(IntArrayRef shape) const {
  const Shape s = infer_shape(shape, numel(), "reshape");
  if (auto st = view_strides(sizes(), strides(), s, numel()))
    return restride(*this, s, *st, storage_offset());
  return contiguous().view(s);
}

Tensor Tensor::flatten(int64_t start_dim, int64_t end_dim) const {
  if (dim() == 0) return reshape({1});
  start_dim = wrap_dim(start_dim, dim(), "flatten");
  end_dim = wrap_dim(end_dim, dim(), "flatten");
  TSR_CHECK(start_dim <= end_dim, "flatten: start_dim ", start_dim, " comes after end_dim ",
            end_dim);
  Shape s;
  int64_t n = 1;
  for (int64_t d = 0; d < dim(); ++d) {
    if (d < start_dim || d > end_dim) {
      s.push_back(sizes()[d]);
    } else {
      n *= sizes()[d];
      if (d == end_dim) s.push_back(n);
    }
  }
  return reshape(s);
}

Tensor Tensor::transpose(int64_t d0, int64_t d1) const {
  const int64_t n = dim();
  d0 = wrap_dim(d0, n, "transpose");
  d1 = wrap_dim(d1, n, "transpose");
  if (n == 0) return restride(*this, sizes(), strides(), storage_offset());
  Shape sz(sizes()), st(strides());
  std::swap(sz[d0], sz[d1]);
  std::swap(st[d0], st[d1]);
  return restride(*this, sz, st, storage_offset());
}

Tensor Tensor::permute(IntArrayRef dims) const {
  const int64_t n = dim();
  TSR_CHECK(static_cast<int64_t>(dims.size()) == n,
            "permute: number of dims don't match (tensor has ", n, " dims, got ", dims.size(), ")");
  Shape sz(n), st(n);
  std::vector<bool> seen(n, false);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t d = wrap_dim(dims[i], n, "permute");
    TSR_CHECK(!seen[d], "permute: repeated dim ", dims[i], " in ", dims);
    seen[d] = true;
    sz[i] = sizes()[d];
    st[i] = strides()[d];
  }
  return restride(*this, sz, st, storage_offset());
}

Tensor Tensor::t() const {
  TSR_CHECK(dim() <= 2, "t: expects a tensor with <= 2 dimensions, but self is ", dim(), "D");
  return dim() < 2 ? *this : transpose(0, 1);
}

Tensor Tensor::slice(int64_t d, std::optional<int64_t> start, std::optional<int64_t> end,
                     int64_t step) const {
  TSR_CHECK(dim() > 0, "slice: cannot slice a 0-d tensor");
  d = wrap_dim(d, dim(), "slice");
  TSR_CHECK(step != 0, "slice: step cannot be zero");
  const int64_t n = sizes()[d];
  // Python's slice.indices(): clamp into [0, n] going forward, [-1, n-1] going backward.
  auto norm = [&](std::optional<int64_t> v, int64_t dflt) {
    if (!v) return dflt;
    int64_t x = *v < 0 ? *v + n : *v;
    if (step > 0) return std::clamp<int64_t>(x, 0, n);
    return std::clamp<int64_t>(x, -1, n - 1);
  };
  const int64_t b = norm(start, step > 0 ? 0 : n - 1);
  const int64_t e = norm(end, step > 0 ? n : -1);
  int64_t len = 0;
  if (step > 0 && e > b) len = (e - b + step - 1) / step;
  if (step < 0 && b > e) len = (b - e + (-step) - 1) / (-step);
  Shape sz(sizes()), st(strides());
  sz[d] = len;
  st[d] = strides()[d] * step;
  const int64_t offset = storage_offset() + (len > 0 ? b * strides()[d] : 0);
  return restride(*this, sz, st, offset);
}

Tensor Tensor::select(int64_t d, int64_t index) const {
  TSR_CHECK_AS(IndexError, dim() > 0, "select: cannot be applied to a 0-dim tensor");
  d = wrap_dim(d, dim(), "select");
  const int64_t n = sizes()[d];
  TSR_CHECK_AS(IndexError, index >= -n && index < n, "select: index ", index,
               " out of range for tensor of size ", sizes(), " at dimension ", d);
  if (index < 0) index += n;
  Shape sz(sizes()), st(strides());
  sz.erase(d);
  st.erase(d);
  return restride(*this, sz, st, storage_offset() + index * strides()[d]);
}

Tensor Tensor::expand(IntArrayRef shape) const {
  const int64_t n = static_cast<int64_t>(shape.size());
  TSR_CHECK(n >= dim(), "expand: the number of sizes provided (", n,
            ") must be greater or equal to the number of dimensions in the tensor (", dim(), ")");
  Shape sz(n), st(n);
  for (int64_t i = n - 1; i >= 0; --i) {
    const int64_t j = i - (n - dim());
    const int64_t have = j >= 0 ? sizes()[j] : 1;
    int64_t want = shape[i];
    if (want == -1) {
      TSR_CHECK(j >= 0, "expand: -1 is not allowed in a leading, non-existing dimension ", i);
      want = have;
    }
    TSR_CHECK(want >= 0, "expand: invalid size ", want, " in ", shape);
    if (j >= 0 && have == want) {
      sz[i] = have;
      st[i] = strides()[j];
    } else {
      TSR_CHECK(have == 1, "expand: the expanded size of the tensor (", want,
                ") must match the existing size (", have, ") at non-singleton dimension ", i,
                ".  Target sizes: ", shape, ".  Tensor sizes: ", sizes());
      sz[i] = want;
      st[i] = 0;
    }
  }
  return restride(*this, sz, st, storage_offset());
}

Tensor Tensor::squeeze() const {
  Shape sz, st;
  for (int64_t i = 0; i < dim(); ++i) {
    if (sizes()[i] != 1) {
      sz.push_back(sizes()[i]);
      st.push_back(strides()[i]);
    }
  }
  return restride(*this, sz, st, storage_offset());
}

Tensor Tensor::squeeze(int64_t d) const {
  d = wrap_dim(d, dim(), "squeeze");
  if (dim() == 0 || sizes()[d] != 1) return restride(*this, sizes(), strides(), storage_offset());
  Shape sz(sizes()), st(strides());
  sz.erase(d);
  st.erase(d);
  return restride(*this, sz, st, storage_offset());
}

Tensor Tensor::unsqueeze(int64_t d) const {
  d = wrap_dim(d, dim() + 1, "unsqueeze");
  Shape sz(sizes()), st(strides());
  const int64_t s = d < dim() ? sizes()[d] * strides()[d] : 1;
  sz.insert(d, 1);
  st.insert(d, s);
  return restride(*this, sz, st, storage_offset());
}

Tensor Tensor::diagonal(int64_t offset, int64_t d1, int64_t d2) const {
  d1 = wrap_dim(d1, dim(), "diagonal");
  d2 = wrap_dim(d2, dim(), "diagonal");
  TSR_CHECK(dim() >= 2, "diagonal: expected a tensor with at least 2 dims, got ", dim());
  TSR_CHECK(d1 != d2, "diagonal: dimensions cannot be identical ", d1, ", ", d2);
  int64_t len;
  int64_t start = storage_offset();
  if (offset >= 0) {
    len = std::max<int64_t>(std::min(sizes()[d1], sizes()[d2] - offset), 0);
    if (len > 0) start += offset * strides()[d2];
  } else {
    len = std::max<int64_t>(std::min(sizes()[d1] + offset, sizes()[d2]), 0);
    if (len > 0) start -= offset * strides()[d1];
  }
  Shape sz, st;
  for (int64_t i = 0; i < dim(); ++i) {
    if (i != d1 && i != d2) {
      sz.push_back(sizes()[i]);
      st.push_back(strides()[i]);
    }
  }
  sz.push_back(len);
  st.push_back(strides()[d1] + strides()[d2]);
  return restride(*this, sz, st, start);
}

Tensor Tensor::as_strided(IntArrayRef sz, IntArrayRef st,
                          std::optional<int64_t> storage_offset) const {
  TSR_CHECK(sz.size() == st.size(), "as_strided: got ", sz.size(), " sizes but ", st.size(),
            " strides");
  const int64_t off = storage_offset.value_or(this->storage_offset());
  checked_numel(sz, "as_strided");
  const auto [lo, hi] = extent(sz, st);
  const int64_t avail = static_cast<int64_t>(storage()->nbytes() / itemsize());
  TSR_CHECK(hi < lo || (off + lo >= 0 && off + hi < avail), "as_strided: sizes ", sz, ", strides ",
            st, " and offset ", off, " reach outside the storage of ", avail, " elements");
  return restride(*this, sz, st, off);
}

namespace {
Tensor complex_part(const Tensor& t, int part, const char* op) {
  TSR_CHECK_AS(TypeError, t.is_complex(), op, ": expected a complex tensor, got ", t.dtype());
  Shape st(t.strides());
  for (auto& s : st) s *= 2;
  return make_tensor(t.storage(), to_real_value(t.dtype()), t.sizes(), st,
                     t.storage_offset() * 2 + part);
}
}  // namespace

Tensor Tensor::real_view() const {
  return complex_part(*this, 0, "real");
}
Tensor Tensor::imag_view() const {
  return complex_part(*this, 1, "imag");
}

std::ostream& operator<<(std::ostream& os, IntArrayRef a) {
  os << '[';
  for (size_t i = 0; i < a.size(); ++i) os << (i ? ", " : "") << a[i];
  return os << ']';
}

}  // namespace tessera
