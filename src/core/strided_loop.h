// strided_loop: walks K strided operands of one shape, handing 1-D runs to an inner loop.
#pragma once

#include <array>
#include <cstdint>

#include "core/array_ref.h"

namespace tessera {

/// Operand layout for strided_loop: a base address and a byte stride per dimension.
struct StridedOperand {
  char* data;
  IntArrayRef byte_strides;  // one per dimension of the shape
};

/// Calls inner(ptrs, strides, n) for runs of the innermost dimension, where ptrs[k] is the
/// address of operand k's first element of the run and strides[k] its byte stride. Size-1
/// dimensions are dropped and dimensions that are contiguous for every operand are merged,
/// so a contiguous tensor is one call. A 0-d shape is one run of one element; an empty
/// shape makes no call.
template <size_t K, typename Inner>
void strided_loop(IntArrayRef shape, const std::array<StridedOperand, K>& ops, Inner&& inner) {
  const size_t nd = shape.size();
  for (int64_t s : shape) {
    if (s == 0) return;
  }
  // Coalesce into local arrays, innermost first.
  SmallVector<int64_t, 8> sizes;
  std::array<SmallVector<int64_t, 8>, K> strides;
  for (size_t i = nd; i-- > 0;) {
    if (shape[i] == 1) continue;
    bool merge = !sizes.empty();
    for (size_t k = 0; merge && k < K; ++k) {
      merge = ops[k].byte_strides[i] == strides[k].back() * sizes.back();
    }
    if (merge) {
      sizes.back() *= shape[i];
    } else {
      sizes.push_back(shape[i]);
      for (size_t k = 0; k < K; ++k) strides[k].push_back(ops[k].byte_strides[i]);
    }
  }
  std::array<char*, K> ptrs;
  std::array<int64_t, K> inner_strides{};
  for (size_t k = 0; k < K; ++k) ptrs[k] = ops[k].data;
  if (sizes.empty()) {
    inner(ptrs, inner_strides, int64_t{1});
    return;
  }
  for (size_t k = 0; k < K; ++k) inner_strides[k] = strides[k][0];
  const size_t outer = sizes.size() - 1;
  if (outer == 0) {
    inner(ptrs, inner_strides, sizes[0]);
    return;
  }
  SmallVector<int64_t, 8> counter(outer, 0);
  for (;;) {
    inner(ptrs, inner_strides, sizes[0]);
    // Increment the counter over dims 1..outer (innermost of them first).
    size_t d = 0;
    for (; d < outer; ++d) {
      for (size_t k = 0; k < K; ++k) ptrs[k] += strides[k][d + 1];
      if (++counter[d] < sizes[d + 1]) break;
      for (size_t k = 0; k < K; ++k) ptrs[k] -= strides[k][d + 1] * sizes[d + 1];
      counter[d] = 0;
    }
    if (d == outer) return;
  }
}

/// Byte strides of a tensor layout: element strides times itemsize.
inline Shape byte_strides(IntArrayRef strides, size_t itemsize) {
  Shape out(strides.size());
  for (size_t i = 0; i < strides.size(); ++i) out[i] = strides[i] * static_cast<int64_t>(itemsize);
  return out;
}

}  // namespace tessera
