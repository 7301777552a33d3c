// Depthwise convolution on NCHW planes (see conv_direct.h): each plane is copied into a
// zero-padded one, and each vector of an output row sums every tap of the kernel in
// registers (stride 2 through pairwise loads that keep the even columns).

// Highway's per-target re-inclusion needs this order.
// clang-format off
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "backends/cpu/kernels/conv_direct.cpp"
#include <hwy/foreach_target.h>  // NOLINT: re-includes this file once per target
#include <hwy/highway.h>
// clang-format on

#include <algorithm>
#include <vector>

#include "backends/cpu/kernels/conv_direct.h"
#include "core/parallel.h"

HWY_BEFORE_NAMESPACE();
namespace tessera::cpu::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// lanes consecutive columns of stride 1, or the even ones of 2 * lanes for stride 2.
template <int S, class D>
HWY_INLINE hn::Vec<D> Load(D d, const float* p) {
  if constexpr (S == 1) {
    return hn::LoadU(d, p);
  } else {
    hn::Vec<D> even, odd;
    hn::LoadInterleaved2(d, p, even, odd);
    return even;
  }
}

// Stores the first n (< lanes) columns of v at p.
template <class D>
HWY_INLINE void StorePart(D d, hn::Vec<D> v, float* p, int64_t n) {
  HWY_ALIGN float tail[hn::MaxLanes(d)];
  hn::Store(v, d, tail);
  std::copy(tail, tail + n, p);
}

// R output rows from row i, V vectors from column j: R * V independent chains of
// multiply-adds, so the adds' latency is hidden. Columns past ow are computed from the
// padding and not stored.
// S: the column stride (1 or 2); K: the kernel's width and height when 3 (0: any).
template <int R, int V, int S, int K, class D>
HWY_INLINE void Block(D d, const float* padded, int64_t wp, const float* k, hn::Vec<D> bias,
                      hn::Vec<D> lo, hn::Vec<D> hi, float* out, int64_t i, int64_t j,
                      const Window2d& g) {
  const int64_t kh = K ? K : g.kh, kw = K ? K : g.kw;
  const auto lanes = static_cast<int64_t>(hn::Lanes(d));
  hn::Vec<D> acc[R][V];
  for (int r = 0; r < R; ++r) {
    for (int v = 0; v < V; ++v) acc[r][v] = bias;
  }
  for (int64_t a = 0; a < kh; ++a) {
    for (int64_t t = 0; t < kw; ++t) {
      const auto w = hn::Set(d, k[a * kw + t]);
      for (int r = 0; r < R; ++r) {
        const float* q = padded + ((i + r) * g.sh + a * g.dh) * wp + j * S + t * g.dw;
        for (int v = 0; v < V; ++v) {
          acc[r][v] = hn::MulAdd(w, Load<S>(d, q + v * lanes * S), acc[r][v]);
        }
      }
    }
  }
  for (int r = 0; r < R; ++r) {
    float* row = out + (i + r) * g.ow;
    for (int v = 0; v < V; ++v) {
      acc[r][v] = hn::Min(hn::Max(acc[r][v], lo), hi);
      const int64_t col = j + v * lanes;
      if (col + lanes <= g.ow) {
        hn::StoreU(acc[r][v], d, row + col);
      } else if (col < g.ow) {
        StorePart(d, acc[r][v], row + col, g.ow - col);
      }
    }
  }
}

template <int S, int K>
void DepthwiseFor(const float* x, const float* weight, const float* bias, float* out, int64_t p0,
                  int64_t p1, int64_t channels, const Window2d& g, float lo, float hi) {
  const hn::ScalableTag<float> d;
  const auto lanes = static_cast<int64_t>(hn::Lanes(d));
  const int64_t vecs = (g.ow + lanes - 1) / lanes;  // vectors per output row
  // Blocks of about four vectors: along the row when it is wide, over rows when it is not.
  const int rows = vecs >= 3 ? 1 : vecs == 2 ? 2 : 4;
  const int64_t cols = std::min<int64_t>(vecs, 4);  // vectors per block
  const int64_t blocks = (vecs + cols - 1) / cols;
  // The plane is copied into a zero-padded one wide and tall enough that every block reads
  // inside it (stride 2 reads pairs: one column more).
  const int64_t wp =
      std::max(g.w + 2 * g.pw, (blocks * cols * lanes - 1) * g.sw + (g.kw - 1) * g.dw + 2);
  const int64_t hp = std::max(g.h + 2 * g.ph, (g.oh + rows - 1) * g.sh + (g.kh - 1) * g.dh + 1);
  std::vector<float> padded(static_cast<size_t>(hp * wp), 0.0f);
  for (int64_t p = p0; p < p1; ++p) {
    const int64_t c = p % channels;
    const float* plane = x + p * g.h * g.w;
    for (int64_t r = 0; r < g.h; ++r) {
      std::copy(plane + r * g.w, plane + (r + 1) * g.w, padded.data() + (r + g.ph) * wp + g.pw);
    }
    const float* k = weight + c * g.kh * g.kw;
    float* o = out + p * g.oh * g.ow;
    const auto b = hn::Set(d, bias ? bias[c] : 0.0f);
    const auto vlo = hn::Set(d, lo), vhi = hn::Set(d, hi);
    int64_t i = 0;
    for (; i + rows <= g.oh; i += rows) {
      for (int64_t blk = 0; blk < blocks; ++blk) {
        const int64_t j = blk * cols * lanes;
        const int64_t v = std::min(cols, vecs - blk * cols);
        if (rows == 4) {
          Block<4, 1, S, K>(d, padded.data(), wp, k, b, vlo, vhi, o, i, j, g);
        } else if (rows == 2) {
          Block<2, 2, S, K>(d, padded.data(), wp, k, b, vlo, vhi, o, i, j, g);
        } else if (v == 4) {
          Block<1, 4, S, K>(d, padded.data(), wp, k, b, vlo, vhi, o, i, j, g);
        } else if (v == 3) {
          Block<1, 3, S, K>(d, padded.data(), wp, k, b, vlo, vhi, o, i, j, g);
        } else if (v == 2) {
          Block<1, 2, S, K>(d, padded.data(), wp, k, b, vlo, vhi, o, i, j, g);
        } else {
          Block<1, 1, S, K>(d, padded.data(), wp, k, b, vlo, vhi, o, i, j, g);
        }
      }
    }
    for (; i < g.oh; ++i) {  // rows left over from blocks of several rows
      for (int64_t j = 0; j < g.ow; j += lanes)
        Block<1, 1, S, K>(d, padded.data(), wp, k, b, vlo, vhi, o, i, j, g);
    }
  }
}

void DepthwisePlanes(const float* x, const float* weight, const float* bias, float* out, int64_t p0,
                     int64_t p1, int64_t channels, const Window2d& g, float lo, float hi) {
  const bool k3 = g.kh == 3 && g.kw == 3;
  if (g.sw == 1) {
    (k3 ? DepthwiseFor<1, 3> : DepthwiseFor<1, 0>)(x, weight, bias, out, p0, p1, channels, g, lo,
                                                   hi);
  } else {
    (k3 ? DepthwiseFor<2, 3> : DepthwiseFor<2, 0>)(x, weight, bias, out, p0, p1, channels, g, lo,
                                                   hi);
  }
}

}  // namespace tessera::cpu::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace tessera::cpu {

HWY_EXPORT(DepthwisePlanes);

void depthwise_conv2d(const float* x, const float* weight, const float* bias, float* out,
                      int64_t planes, int64_t channels, const Window2d& g, float lo, float hi) {
  const int64_t work = std::max<int64_t>(1, g.oh * g.ow * g.kh * g.kw);
  parallel_for(0, planes, std::max<int64_t>(1, kGrainSize / work), [&](int64_t p0, int64_t p1) {
    HWY_DYNAMIC_DISPATCH(DepthwisePlanes)(x, weight, bias, out, p0, p1, channels, g, lo, hi);
  });
}

}  // namespace tessera::cpu
#endif  // HWY_ONCE
