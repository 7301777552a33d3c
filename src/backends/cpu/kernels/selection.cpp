// cpu kernels that choose elements: topk along the last dim of a contiguous float32/float64
// tensor (a bounded heap per row instead of sorting it); sort, argsort (along the last
// dim) and unique by radix sorts (Note [CPU radix sort]); and nonzero of a contiguous
// tensor (counted first, coordinates stepped rather than divided out). Results are the
// reference's exactly: the orders of its stable sort (NaN largest, ties by index).
// Other cases are the reference kernel's.
#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <memory>
#include <numeric>
#include <optional>
#include <type_traits>
#include <vector>

#include "core/parallel.h"
#include "ops/elementwise.h"
#include "ops/handles.h"

namespace tessera::cpu {
namespace {

using TopkSig = std::tuple<Tensor, Tensor>(const Tensor&, int64_t, int64_t, bool, bool);

// Whether element a of row comes before element b in topk's order: larger first (smaller
// when !largest), NaN as the largest, ties by index.
template <typename T>
struct Before {
  const T* row;
  bool largest;
  bool operator()(int64_t a, int64_t b) const {
    const T x = row[a], y = row[b];
    const bool xn = std::isnan(x), yn = std::isnan(y);
    if (xn || yn) {
      if (xn != yn) return largest ? xn : yn;  // NaN first when largest, last otherwise
      return a < b;
    }
    if (x != y) return largest ? x > y : x < y;
    return a < b;
  }
};

// The k first indices of row[0..n) in topk's order, into out.
template <typename T>
void top_of_row(const T* row, int64_t n, int64_t k, bool largest, int64_t* out) {
  if (k == 0) return;
  const Before<T> before{row, largest};
  std::vector<int64_t> heap;  // the best k so far, the worst of them on top
  heap.reserve(static_cast<size_t>(k));
  int64_t j = 0;
  for (; j < n && j < k; ++j) {
    heap.push_back(j);
    std::push_heap(heap.begin(), heap.end(), before);
  }
  // Most elements lose to the worst kept one at a glance: an element equal to it comes
  // later, so it loses too; NaN on either side fails the comparison and takes the full
  // order.
  T worst = row[heap.front()];
  for (; j < n; ++j) {
    const T x = row[j];
    if (largest ? x <= worst : x >= worst) continue;
    if (before(j, heap.front())) {
      std::pop_heap(heap.begin(), heap.end(), before);
      heap.back() = j;
      std::push_heap(heap.begin(), heap.end(), before);
      worst = row[heap.front()];
    }
  }
  std::sort_heap(heap.begin(), heap.end(), before);
  std::copy(heap.begin(), heap.end(), out);
}

template <typename T>
std::tuple<Tensor, Tensor> topk_kernel(const Tensor& self, int64_t k, int64_t dim, bool largest,
                                       bool sorted) {
  const int64_t nd = self.dim();
  const bool last = nd > 0 && (dim == -1 || dim == nd - 1);
  // A heap pays off while k is a small part of the row.
  if (!last || !self.is_contiguous() || k < 0 || k > self.size(-1) || self.numel() == 0 ||
      k > std::max<int64_t>(1, self.size(-1) / 8)) {
    return ops::topk_op().typed<TopkSig>().redispatch(kBackendReference, self, k, dim, largest,
                                                      sorted);
  }
  const int64_t n = self.size(-1), rows = self.numel() / n;
  Shape shape(self.sizes());
  shape.back() = k;
  Tensor values = empty(shape, TensorOptions(dtype_of<T>, self.device()));
  Tensor indices = empty(shape, TensorOptions(DType::Int64, self.device()));
  const T* in = static_cast<const T*>(self.data_ptr());
  T* v = static_cast<T*>(values.data_ptr());
  auto* ix = static_cast<int64_t*>(indices.data_ptr());
  parallel_for(0, rows, std::max<int64_t>(1, kGrainSize / n), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      top_of_row(in + r * n, n, k, largest, ix + r * k);
      for (int64_t j = 0; j < k; ++j) v[r * k + j] = in[r * n + ix[r * k + j]];
    }
  });
  return {values, indices};
}

template <typename T>
Tensor nonzero_kernel(const Tensor& self) {
  if (!self.is_contiguous()) {
    return ops::nonzero_op().typed<Tensor(const Tensor&)>().redispatch(kBackendReference, self);
  }
  const T* p = static_cast<const T*>(self.data_ptr());
  const int64_t numel = self.numel(), nd = self.dim();
  int64_t count = 0;
  for (int64_t i = 0; i < numel; ++i) count += is_nonzero(p[i]) ? 1 : 0;
  Tensor out = empty({count, nd}, TensorOptions(DType::Int64, self.device()));
  auto* o = static_cast<int64_t*>(out.data_ptr());
  // Row by row along the last dim: a hit writes the row's coordinates, then its column.
  const int64_t width = nd == 0 ? 1 : self.size(-1);
  std::vector<int64_t> coord(static_cast<size_t>(std::max<int64_t>(nd - 1, 0)), 0);
  for (int64_t r = 0; r < numel / std::max<int64_t>(width, 1); ++r) {
    const T* row = p + r * width;
    for (int64_t j = 0; j < width; ++j) {
      if (!is_nonzero(row[j])) continue;
      for (size_t c = 0; c < coord.size(); ++c) o[c] = coord[c];
      if (nd > 0) o[nd - 1] = j;
      o += nd;
    }
    for (int64_t d = nd - 2; d >= 0; --d) {  // the next row's coordinates
      if (++coord[static_cast<size_t>(d)] < self.size(d)) break;
      coord[static_cast<size_t>(d)] = 0;
    }
  }
  return out;
}

// ---- sort, argsort, unique: LSD radix sorts of order-preserving integer keys ----
//
// Note [CPU radix sort]
// Each element becomes an unsigned key whose integer order is the reference's order:
// floats by their bits with the sign folded (negatives complemented), -0 taken as +0 (the
// reference's comparison finds them equal) and every NaN as the largest key; integers with
// their sign bit flipped; descending complements the key. The (key, index) pairs start in
// index order and are sorted a byte at a time from the lowest, each pass stable, so ties
// keep index order: the reference's stable sort exactly. Bytes in which all keys agree
// are skipped.

template <typename T>
using KeyOf = std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>;

template <typename T>
KeyOf<T> sort_key(T x) {
  using U = KeyOf<T>;
  constexpr U kSign = U(1) << (8 * sizeof(U) - 1);
  if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(x)) return ~U(0);
    if (x == 0) x = 0;  // -0 as +0
    const U bits = std::bit_cast<U>(x);
    return (bits & kSign) ? ~bits : bits | kSign;
  } else {
    return std::bit_cast<U>(x) ^ kSign;
  }
}

// Sorts (keys, idx) of n pairs by key, stably, using (tk, ti) of n as the other buffer;
// returns the buffers that hold the result. Only the bytes in which keys differ get a pass.
template <typename U>
std::pair<U*, uint32_t*> radix_sort(U* keys, uint32_t* idx, U* tk, uint32_t* ti, size_t n) {
  constexpr size_t kBytes = sizeof(U);
  U any = 0, all = ~U(0);
  for (size_t i = 0; i < n; ++i) {
    any |= keys[i];
    all &= keys[i];
  }
  const U varying = any ^ all;
  U *src_k = keys, *dst_k = tk;
  uint32_t *src_i = idx, *dst_i = ti;
  for (size_t b = 0; b < kBytes; ++b) {
    const unsigned shift = 8 * static_cast<unsigned>(b);
    if (((varying >> shift) & 0xff) == 0) continue;
    std::array<uint32_t, 256> start{};
    for (size_t i = 0; i < n; ++i) ++start[(src_k[i] >> shift) & 0xff];
    uint32_t sum = 0;
    for (uint32_t& c : start) {
      const uint32_t count = c;
      c = sum;
      sum += count;
    }
    for (size_t i = 0; i < n; ++i) {
      const uint32_t at = start[(src_k[i] >> shift) & 0xff]++;
      dst_k[at] = src_k[i];
      dst_i[at] = src_i[i];
    }
    std::swap(src_k, dst_k);
    std::swap(src_i, dst_i);
  }
  return {src_k, src_i};
}

// Scratch for sorting rows of up to n elements: keys and indices, twice.
template <typename T>
struct SortBuffers {
  explicit SortBuffers(size_t n) : keys(new KeyOf<T>[2 * n]), idx(new uint32_t[2 * n]), n(n) {}
  std::unique_ptr<KeyOf<T>[]> keys;
  std::unique_ptr<uint32_t[]> idx;
  size_t n;
};

// The order of row[0..n) as the reference's stable sort: (sorted keys, indices), pointers
// into buf.
template <typename T>
std::pair<const KeyOf<T>*, const uint32_t*> sort_row(const T* row, size_t n, bool descending,
                                                     SortBuffers<T>& buf) {
  KeyOf<T>* keys = buf.keys.get();
  uint32_t* idx = buf.idx.get();
  for (size_t i = 0; i < n; ++i) {
    const KeyOf<T> k = sort_key(row[i]);
    keys[i] = descending ? ~k : k;
    idx[i] = static_cast<uint32_t>(i);
  }
  return radix_sort(keys, idx, keys + buf.n, idx + buf.n, n);
}

using SortSig = std::tuple<Tensor, Tensor>(const Tensor&, std::optional<bool>, int64_t, bool);

// Rows along the last dim of a contiguous tensor of fewer than 2^32 elements a row; the
// values (unless only the indices are wanted: an undefined tensor) and indices of each row
// in sorted order.
template <typename T>
std::optional<std::tuple<Tensor, Tensor>> try_sort(const Tensor& self, int64_t dim, bool descending,
                                                   bool want_values) {
  const int64_t nd = self.dim();
  if (nd == 0 || (dim != -1 && dim != nd - 1) || !self.is_contiguous() || self.numel() == 0 ||
      self.size(-1) >= (int64_t{1} << 32))
    return std::nullopt;
  const int64_t n = self.size(-1), rows = self.numel() / n;
  Tensor values =
      want_values ? empty(self.sizes(), TensorOptions(dtype_of<T>, self.device())) : Tensor();
  Tensor indices = empty(self.sizes(), TensorOptions(DType::Int64, self.device()));
  const T* in = static_cast<const T*>(self.data_ptr());
  T* v = want_values ? static_cast<T*>(values.data_ptr()) : nullptr;
  auto* ix = static_cast<int64_t*>(indices.data_ptr());
  parallel_for(0, rows, std::max<int64_t>(1, kGrainSize / (8 * n)), [&](int64_t r0, int64_t r1) {
    SortBuffers<T> buf(static_cast<size_t>(n));
    for (int64_t r = r0; r < r1; ++r) {
      const T* row = in + r * n;
      const uint32_t* idx = sort_row(row, static_cast<size_t>(n), descending, buf).second;
      for (int64_t j = 0; j < n; ++j) ix[r * n + j] = idx[j];
      if (v) {
        for (int64_t j = 0; j < n; ++j) v[r * n + j] = row[idx[j]];
      }
    }
  });
  return std::tuple{values, indices};
}

template <typename T>
std::tuple<Tensor, Tensor> sort_kernel(const Tensor& self, std::optional<bool> stable, int64_t dim,
                                       bool descending) {
  if (auto r = try_sort<T>(self, dim, descending, true)) return *r;
  return ops::sort_op().typed<SortSig>().redispatch(kBackendReference, self, stable, dim,
                                                    descending);
}

template <typename T>
Tensor argsort_kernel(const Tensor& self, bool stable, int64_t dim, bool descending) {
  if (auto r = try_sort<T>(self, dim, descending, false)) return std::get<1>(*r);
  return ops::argsort_op().typed<Tensor(const Tensor&, bool, int64_t, bool)>().redispatch(
      kBackendReference, self, stable, dim, descending);
}

// unique of a contiguous tensor of fewer than 2^32 elements: one radix sort of the whole,
// then runs of equal keys (each NaN its own, as the reference) give the values, counts
// and each element's position among them.
template <typename T>
std::tuple<Tensor, Tensor, Tensor> unique_kernel(const Tensor& self, bool sorted,
                                                 bool return_inverse, bool return_counts) {
  const int64_t n = self.numel();
  if (!self.is_contiguous() || n == 0 || n >= (int64_t{1} << 32)) {
    return ops::unique_op()
        .typed<std::tuple<Tensor, Tensor, Tensor>(const Tensor&, bool, bool, bool)>()
        .redispatch(kBackendReference, self, sorted, return_inverse, return_counts);
  }
  const T* in = static_cast<const T*>(self.data_ptr());
  SortBuffers<T> buf(static_cast<size_t>(n));
  const auto [keys, idx] = sort_row(in, static_cast<size_t>(n), false, buf);
  Tensor inv = empty(self.sizes(), TensorOptions(DType::Int64, self.device()));
  auto* inverse = static_cast<int64_t*>(inv.data_ptr());
  std::vector<T> values;
  std::vector<int64_t> counts;
  // A run starts where the key changes; every NaN (the largest key) starts its own.
  constexpr bool kFloat = std::is_floating_point_v<T>;
  for (size_t j = 0; j < static_cast<size_t>(n); ++j) {
    if (j == 0 || keys[j] != keys[j - 1] || (kFloat && keys[j] == ~KeyOf<T>(0))) {
      values.push_back(in[idx[j]]);
      counts.push_back(0);
    }
    ++counts.back();
    inverse[idx[j]] = static_cast<int64_t>(values.size()) - 1;
  }
  const auto u = static_cast<int64_t>(values.size());
  Tensor v = empty({u}, TensorOptions(dtype_of<T>, self.device()));
  Tensor c = empty({u}, TensorOptions(DType::Int64, self.device()));
  std::copy(values.begin(), values.end(), static_cast<T*>(v.data_ptr()));
  std::copy(counts.begin(), counts.end(), static_cast<int64_t*>(c.data_ptr()));
  return {v, inv, c};
}

}  // namespace

TSR_REGISTER {
  using Sortable = DTypeList<DType::Float32, DType::Float64, DType::Int32, DType::Int64>;
  impl_for(ops::sort_op(), kBackendCPU, Sortable{}, []<typename T>() { return &sort_kernel<T>; });
  impl_for(ops::argsort_op(), kBackendCPU, Sortable{},
           []<typename T>() { return &argsort_kernel<T>; });
  impl_for(ops::unique_op(), kBackendCPU, Sortable{},
           []<typename T>() { return &unique_kernel<T>; });
  impl_for(ops::topk_op(), kBackendCPU, DTypeList<DType::Float32, DType::Float64>{},
           []<typename T>() { return &topk_kernel<T>; });
  impl_for(ops::nonzero_op(), kBackendCPU, AllDTypes{},
           []<typename T>() { return &nonzero_kernel<T>; });
}

}  // namespace tessera::cpu
