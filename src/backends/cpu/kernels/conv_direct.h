// Window kernels on NCHW planes that the cpu backend computes without oneDNN's blocked
// layouts (and so without reordering activations in and out of them): depthwise and
// pointwise convolution and 2-d max pooling.
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

/// Pointwise (1x1, stride 1, unpadded) convolution of contiguous float32 NCHW images:
/// out[b, o, j] = clamp(bias[o] + sum_c weight[o, c] x[b, c, j], lo, hi) for j < plane (H * W).
/// bias may be null. Blocks of output channels and columns are split over the intra-op threads.
void pointwise_conv(const float* x, const float* weight, const float* bias, float* out,
                    int64_t images, int64_t cin, int64_t cout, int64_t plane, float lo, float hi);

/// Pointwise convolution as pointwise_conv, with the weights packed by pack_pointwise_panels
/// and vectors across output channels instead of pixels: for small planes, where vectors of
/// pixels would leave most lanes of the last one idle.
void pointwise_conv_panels(const float* x, const float* panels, const float* bias, float* out,
                           int64_t images, int64_t cin, int64_t cout, int64_t plane, float lo,
                           float hi);

/// Output channels per panel of pack_pointwise_panels (two vectors of the running CPU).
int64_t pointwise_panel_width();

/// [cout, cin] weights as panels of pointwise_panel_width() output channels, each [cin][width]
/// (zeros past cout): ceil(cout / width) * width * cin floats.
void pack_pointwise_panels(const float* weight, int64_t cin, int64_t cout, float* panels);

/// 2-d max pooling of contiguous float32 planes with the flat index (h * w + col) of each
/// maximum: the first in row-major order, a NaN over any number (the reference's choice).
/// Windows are clipped to the plane (padding takes no part); column strides 1 and 2 are
/// vectorised. Planes have fewer than 2^31 elements. Planes are split over the intra-op
/// threads.
void max_pool2d(const float* x, float* values, int64_t* indices, int64_t planes, const Window2d& g);

}  // namespace tessera::cpu
