// Convolutions the cpu backend computes without oneDNN's blocked layouts (and so without
// reordering activations in and out of them): depthwise, directly on NCHW planes.
#pragma once

#include <cstdint>

namespace tessera::cpu {

/// The geometry of a 2-d convolution window over one plane.
struct Window2d {
  int64_t h, w;    // input plane
  int64_t oh, ow;  // output plane
  int64_t kh, kw, sh, sw, ph, pw, dh, dw;
};

/// Depthwise convolution of contiguous float32 planes: out plane p = bias[p % channels] +
/// the window of kernel plane (p % channels) over input plane p (zero padding), clamped to
/// [lo, hi]. Column strides 1 and 2. Planes are split over the intra-op threads.
void depthwise_conv2d(const float* x, const float* weight, const float* bias, float* out,
                      int64_t planes, int64_t channels, const Window2d& g, float lo, float hi);

}  // namespace tessera::cpu
