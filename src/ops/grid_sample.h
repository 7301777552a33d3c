// grid_sample's options and sampling loop, shared by its reference kernel (float64) and the
// cpu kernel (in the input's own float type, in parallel over output rows).
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <optional>
#include <string_view>
#include <type_traits>
#include <vector>

#include "core/tensor.h"

namespace tessera {

enum class GridMode : uint8_t { Bilinear, Nearest, Bicubic };
enum class GridPadding : uint8_t { Zeros, Border, Reflection };
struct GridSampleOptions {
  GridMode mode;
  GridPadding padding;
  bool align;
};

/// Checks grid_sample's arguments (throwing its errors) and decodes its options.
GridSampleOptions check_grid_sample(const Tensor& input, const Tensor& grid, std::string_view mode,
                                    std::string_view padding_mode,
                                    std::optional<bool> align_corners);

namespace grid_detail {

// A grid coordinate in [-1, 1] as an input coordinate: -1 and 1 are the centres of the
// corner pixels (align) or their outer edges.
template <typename S>
S unnormalize(S c, int64_t size, bool align) {
  const auto s = static_cast<S>(size);
  return align ? (c + 1) / 2 * (s - 1) : ((c + 1) * s - 1) / 2;
}

// x reflected into [low, high] (given doubled, so half-pixel bounds stay integers).
template <typename S>
S reflect(S x, int64_t twice_low, int64_t twice_high) {
  if (twice_low == twice_high) return 0;
  const S low = static_cast<S>(twice_low) / 2;
  const S span = static_cast<S>(twice_high - twice_low) / 2;
  x = std::fabs(x - low);
  const S extra = std::fmod(x, span);
  const auto flips = static_cast<int64_t>(std::floor(x / span));
  return flips % 2 == 0 ? extra + low : span - extra + low;
}

// The coordinate the padding mode reads for x: clamped (border), reflected then clamped
// (reflection), or as it is (zeros: reads outside are 0).
template <typename S>
S padded(S x, int64_t size, GridPadding p, bool align) {
  const auto last = static_cast<S>(size - 1);
  if (p == GridPadding::Border) return std::clamp<S>(x, 0, last);
  if (p == GridPadding::Reflection) {
    x = align ? reflect(x, 0, 2 * (size - 1)) : reflect(x, -1, 2 * size - 1);
    return std::clamp<S>(x, 0, last);
  }
  return x;
}

// x rounded half to even, as std::nearbyint in the default rounding mode, without the
// library call: below 2^(mantissa bits) in magnitude, moving x into the binade where the
// spacing is 1 and back leaves the nearest integer (ties to even); larger values are
// integers already, and NaN stays NaN.
template <typename S>
S round_half_even(S x) {
  constexpr S two_m = std::is_same_v<S, float> ? S(8388608.0) : S(4503599627370496.0);
  if (!(std::fabs(x) < two_m)) return x;
  // volatile: the compiler must not fold the addition and subtraction away.
  const volatile S shifted = x >= 0 ? x + two_m : x - two_m;
  return x >= 0 ? shifted - two_m : shifted + two_m;
}

// Keys' cubic convolution weights (A = -0.75) of the taps at -1, 0, 1, 2 from floor(x),
// t = x - floor(x).
template <typename S>
std::array<S, 4> cubic_weights(S t) {
  constexpr S A = -0.75;
  const auto near = [](S x) { return ((A + 2) * x - (A + 3)) * x * x + 1; };
  const auto far = [](S x) { return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A; };
  return {far(t + 1), near(t), near(1 - t), far(2 - t)};
}

}  // namespace grid_detail

/// Output rows [row_begin, row_end) (a row: one batch b and output line i, b * ho + i) of
/// grid_sample of contiguous x [n, c, h, w] at grid [n, ho, wo, 2] into out [n, c, ho, wo].
/// Each output point's taps (1 nearest, 4 bilinear, 16 bicubic: an offset in the plane and
/// a weight; -1 for a tap outside, which reads 0) are found once per row, then every
/// channel is a pass over them writing the row's points in order.
template <typename S>
void grid_sample_rows(const S* x, const S* grid, S* out, int64_t c, int64_t h, int64_t w,
                      int64_t ho, int64_t wo, const GridSampleOptions& o, int64_t row_begin,
                      int64_t row_end) {
  using namespace grid_detail;
  const int taps = o.mode == GridMode::Nearest ? 1 : o.mode == GridMode::Bilinear ? 4 : 16;
  std::vector<int64_t> offset(static_cast<size_t>(wo * taps));
  std::vector<S> weight(static_cast<size_t>(wo * taps));
  const auto tap = [&](int64_t j, int k, int64_t yi, int64_t xi, S wt) {
    const bool inside = yi >= 0 && yi < h && xi >= 0 && xi < w;
    offset[static_cast<size_t>(j * taps + k)] = inside ? yi * w + xi : -1;
    weight[static_cast<size_t>(j * taps + k)] = wt;
  };
  for (int64_t row = row_begin; row < row_end; ++row) {
    const int64_t b = row / ho, i = row % ho;
    for (int64_t j = 0; j < wo; ++j) {
      const S* q = grid + (row * wo + j) * 2;
      if (o.mode == GridMode::Bicubic) {
        // Taps around the unpadded location; each tap's coordinate padded on its own.
        const S ix = unnormalize(q[0], w, o.align), iy = unnormalize(q[1], h, o.align);
        const S fx = std::floor(ix), fy = std::floor(iy);
        const auto wx = cubic_weights<S>(ix - fx), wy = cubic_weights<S>(iy - fy);
        for (int r = 0; r < 4; ++r) {
          const auto yi = static_cast<int64_t>(padded<S>(fy - 1 + r, h, o.padding, o.align));
          for (int k = 0; k < 4; ++k) {
            const auto xi = static_cast<int64_t>(padded<S>(fx - 1 + k, w, o.padding, o.align));
            tap(j, r * 4 + k, yi, xi, wy[static_cast<size_t>(r)] * wx[static_cast<size_t>(k)]);
          }
        }
        continue;
      }
      const S ix = padded(unnormalize(q[0], w, o.align), w, o.padding, o.align);
      const S iy = padded(unnormalize(q[1], h, o.align), h, o.padding, o.align);
      if (o.mode == GridMode::Nearest) {  // half to even
        tap(j, 0, static_cast<int64_t>(round_half_even(iy)),
            static_cast<int64_t>(round_half_even(ix)), S(1));
        continue;
      }
      const S fx = std::floor(ix), fy = std::floor(iy);
      const S tx = ix - fx, ty = iy - fy;
      const auto x0 = static_cast<int64_t>(fx), y0 = static_cast<int64_t>(fy);
      tap(j, 0, y0, x0, (1 - ty) * (1 - tx));
      tap(j, 1, y0, x0 + 1, (1 - ty) * tx);
      tap(j, 2, y0 + 1, x0, ty * (1 - tx));
      tap(j, 3, y0 + 1, x0 + 1, ty * tx);
    }
    // The tap count a compile-time constant, so each point's taps unroll (the same sums).
    const auto channels = [&]<int Taps>() {
      for (int64_t ch = 0; ch < c; ++ch) {
        const S* plane = x + (b * c + ch) * h * w;
        S* dst = out + ((b * c + ch) * ho + i) * wo;
        const int64_t* off = offset.data();
        const S* wt = weight.data();
        for (int64_t j = 0; j < wo; ++j, off += Taps, wt += Taps) {
          S sum = 0;
          for (int k = 0; k < Taps; ++k) {
            if (off[k] >= 0) sum += wt[k] * plane[off[k]];
          }
          dst[j] = sum;
        }
      }
    };
    if (taps == 1) {
      channels.template operator()<1>();
    } else if (taps == 4) {
      channels.template operator()<4>();
    } else {
      channels.template operator()<16>();
    }
  }
}

}  // namespace tessera
