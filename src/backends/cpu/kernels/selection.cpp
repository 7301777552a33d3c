// cpu kernels that choose elements: topk along the last dim of a contiguous float32/float64
// tensor (a bounded heap per row instead of sorting it), and nonzero of a contiguous
// tensor (counted first, coordinates stepped rather than divided out). Results are the
// reference's exactly: topk orders as its stable sort does (NaN largest, ties by index).
// Other cases are the reference kernel's.
#include <algorithm>
#include <cmath>
#include <numeric>
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

}  // namespace

TSR_REGISTER {
  impl_for(ops::topk_op(), kBackendCPU, DTypeList<DType::Float32, DType::Float64>{},
           []<typename T>() { return &topk_kernel<T>; });
  impl_for(ops::nonzero_op(), kBackendCPU, AllDTypes{},
           []<typename T>() { return &nonzero_kernel<T>; });
}

}  // namespace tessera::cpu
