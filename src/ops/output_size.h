// Output sizes of windowed ops along one dim, and their per-dim parameters, shared by the
// kernels (which check them) and by graph type inference (passes/infer_types.cpp), so the
// two cannot disagree.
#pragma once

#include <cmath>
#include <cstdint>

#include "core/array_ref.h"

namespace tessera::ops {

/// Element i of a per-dim window parameter (stride, padding, dilation) given as one value
/// for every dim or one per dim; fallback when it is empty.
inline int64_t window_param(IntArrayRef v, int64_t i, int64_t fallback) {
  if (v.empty()) return fallback;
  return v[v.size() == 1 ? 0 : static_cast<size_t>(i)];
}

/// A convolution's output size along one spatial dim (PyTorch's formula; transposed: the
/// deconvolution's). 0 or less when the dilated kernel does not fit the padded input.
inline int64_t conv_output_size(int64_t in, int64_t kernel, int64_t stride, int64_t padding,
                                int64_t dilation, bool transposed, int64_t output_padding) {
  const int64_t span = dilation * (kernel - 1) + 1;
  if (transposed) return (in - 1) * stride - 2 * padding + span + output_padding;
  if (in + 2 * padding < span) return 0;
  return (in + 2 * padding - span) / stride + 1;
}

/// A pooling's output size along one dim; with ceil_mode the last window must still start
/// inside the input or its left padding. 0 or less when no window fits.
inline int64_t pool_output_size(int64_t in, int64_t kernel, int64_t stride, int64_t padding,
                                int64_t dilation, bool ceil_mode) {
  const int64_t span = dilation * (kernel - 1) + 1;
  const int64_t num = in + 2 * padding - span;
  int64_t o = (num >= 0 ? (ceil_mode ? (num + stride - 1) / stride : num / stride) : -1) + 1;
  if (ceil_mode && o > 0 && (o - 1) * stride >= in + padding) --o;
  return o;
}

/// interpolate's output size along one spatial dim when a scale factor sets it.
inline int64_t interpolate_output_size(int64_t in, double scale_factor) {
  return static_cast<int64_t>(std::floor(static_cast<double>(in) * scale_factor));
}

}  // namespace tessera::ops
