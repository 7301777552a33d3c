// Depthwise and pointwise convolution on NCHW planes (see conv_direct.h). Depthwise: each
// plane is copied into a zero-padded one (for column stride 2 split into its even and odd
// columns), and each vector of an output row sums every tap of the kernel in registers;
// narrow planes (AVX2) go eight at a time with vectors across the channels instead.
// Pointwise: register tiles of 6 output channels by two vectors of columns accumulate over
// the input channels, bias first and clamp last, so each output is written once; on small
// planes, tiles of two vectors of output channels by 6 pixels over weights packed in panels.

// Highway's per-target re-inclusion needs this order.
// clang-format off
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "backends/cpu/kernels/conv_direct.cpp"
#include <hwy/foreach_target.h>  // NOLINT: re-includes this file once per target
#include <hwy/highway.h>
#include <hwy/aligned_allocator.h>
// clang-format on

#include <algorithm>
#include <cmath>
#include <type_traits>
#include <vector>

#include "backends/cpu/kernels/conv_direct.h"
#include "core/parallel.h"

HWY_BEFORE_NAMESPACE();
namespace tessera::cpu::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// x clamped to [lo, hi], a NaN kept (as PyTorch's clamp keeps it): x86's min and max return
// their second operand when either is NaN, so x goes second.
template <class V>
HWY_INLINE V ClampKeepNaN(V x, V lo, V hi) {
  return hn::Max(lo, hn::Min(hi, x));
}

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

// A plane copied with its zero padding, as depthwise blocks read it: as is for column stride
// 1; for stride 2 split into its even and odd padded columns, so that every tap of a
// vector of outputs is one load of consecutive floats.
struct Padded {
  const float* even;  // the padded plane (stride 1), or its even columns
  const float* odd;   // stride 2: the odd columns
  int64_t stride;     // floats per row
};

// The first input of output column col for a tap `off` (= t * dw) columns into the window.
template <int S>
HWY_INLINE const float* Tap(const Padded& src, int64_t row, int64_t col, int64_t off) {
  if constexpr (S == 1) {
    return src.even + row * src.stride + col + off;
  } else {
    return ((off & 1) ? src.odd : src.even) + row * src.stride + col + (off >> 1);
  }
}

// R output rows from row i, V vectors from column j: R * V independent chains of
// multiply-adds, so the adds' latency is hidden. Columns past ow are computed from the
// padding; with spill they are stored too where they stay inside the plane (into the rows
// after, which are stored later and overwrite them), else they are not stored.
// S: the column stride (1 or 2); K: the kernel's width and height when 3 (0: any).
template <int R, int V, int S, int K, class D>
HWY_INLINE void Block(D d, const Padded& src, const float* k, hn::Vec<D> bias, hn::Vec<D> lo,
                      hn::Vec<D> hi, float* out, int64_t i, int64_t j, bool spill,
                      const Window2d& g) {
  const int64_t kh = K ? K : g.kh, kw = K ? K : g.kw;
  const auto lanes = static_cast<int64_t>(hn::Lanes(d));
  hn::Vec<D> acc[R][V];
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) {
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) acc[r][v] = bias;
  }
#pragma GCC unroll 3
  for (int64_t a = 0; a < kh; ++a) {
#pragma GCC unroll 3
    for (int64_t t = 0; t < kw; ++t) {
      const auto w = hn::Set(d, k[a * kw + t]);
#pragma GCC unroll 8
      for (int r = 0; r < R; ++r) {
        const float* q = Tap<S>(src, (i + r) * g.sh + a * g.dh, j, t * g.dw);
#pragma GCC unroll 4
        for (int v = 0; v < V; ++v) {
          acc[r][v] = hn::MulAdd(w, hn::LoadU(d, q + v * lanes), acc[r][v]);
        }
      }
    }
  }
  for (int r = 0; r < R; ++r) {
    float* row = out + (i + r) * g.ow;
    for (int v = 0; v < V; ++v) {
      acc[r][v] = ClampKeepNaN(acc[r][v], lo, hi);
      const int64_t col = j + v * lanes;
      // A whole vector may spill into the rows after, all inside the plane.
      const bool whole = spill && (i + r) * g.ow + col + lanes <= g.oh * g.ow;
      if (col + lanes <= g.ow || (whole && col < g.ow)) {
        hn::StoreU(acc[r][v], d, row + col);
      } else if (col < g.ow) {
        StorePart(d, acc[r][v], row + col, g.ow - col);
      }
    }
  }
}

// Rows i .. i + r of vectors from column j .. j + v lanes: the block of that size (the sizes
// DepthwiseFor makes), or one vector at a time.
template <int S, int K, class D>
HWY_INLINE void AnyBlock(D d, int r, int64_t v, const Padded& src, const float* k, hn::Vec<D> b,
                         hn::Vec<D> lo, hn::Vec<D> hi, float* out, int64_t i, int64_t j, bool spill,
                         const Window2d& g) {
  const auto lanes = static_cast<int64_t>(hn::Lanes(d));
#define TSR_BLOCK(R, V) \
  case R * 8 + V:       \
    return Block<R, V, S, K>(d, src, k, b, lo, hi, out, i, j, spill, g)
  switch (r * 8 + v) {
    TSR_BLOCK(1, 1);
    TSR_BLOCK(1, 2);
    TSR_BLOCK(1, 3);
    TSR_BLOCK(1, 4);
    TSR_BLOCK(2, 1);
    TSR_BLOCK(2, 2);
    TSR_BLOCK(2, 3);
    TSR_BLOCK(2, 4);
    TSR_BLOCK(3, 1);
    TSR_BLOCK(3, 2);
    TSR_BLOCK(4, 1);
    TSR_BLOCK(4, 2);
    TSR_BLOCK(5, 1);
    TSR_BLOCK(6, 1);
    TSR_BLOCK(7, 1);
    TSR_BLOCK(8, 1);
    default:
      break;
  }
#undef TSR_BLOCK
  for (int rr = 0; rr < r; ++rr) {
    for (int64_t c = 0; c < v; ++c) {
      Block<1, 1, S, K>(d, src, k, b, lo, hi, out, i + rr, j + c * lanes, spill, g);
    }
  }
}

// Copies row x[0, w) into a padded row at column pw, in vectors: the lanes past w are zeros
// (the row's right padding; any that reach the next row are overwritten when it is copied).
template <class D>
HWY_INLINE void CopyRow(D d, const float* x, int64_t w, float* to) {
  const auto lanes = static_cast<int64_t>(hn::Lanes(d));
  const auto tail = hn::FirstN(d, static_cast<size_t>(w % lanes));
  // One loop, the last vector masked when the row ends inside it: a loop of plain copies
  // alone GCC would turn into a call to memcpy (a call per row costs more than a short
  // row's copy).
  for (int64_t c = 0; c < w; c += lanes) {
    hn::StoreU(c + lanes <= w ? hn::LoadU(d, x + c) : hn::MaskedLoad(tail, d, x + c), d, to + c);
  }
}

// Copies row x[0, w) into the even and odd columns of a padded row (column c + pw of the
// padded row is column (c + pw) / 2 of even or odd), two vectors of columns at a time; the
// last ones through a zero-filled copy, whose zeros land in the right padding.
template <class D>
HWY_INLINE void SplitRow(D d, const float* x, int64_t w, int64_t pw, float* even, float* odd) {
  const auto lanes = static_cast<int64_t>(hn::Lanes(d));
  int64_t c = pw % 2;  // the first column that lands in even
  if (c == 1 && w > 0) odd[pw / 2] = x[0];
  HWY_ALIGN float tail[2 * hn::MaxLanes(d)];
  for (; c < w; c += 2 * lanes) {
    hn::Vec<D> e, o;
    if (c + 2 * lanes <= w) {
      hn::LoadInterleaved2(d, x + c, e, o);
    } else {
      const auto part = [&](int64_t from) {
        const int64_t n = std::clamp<int64_t>(w - from, 0, lanes);
        return hn::MaskedLoad(hn::FirstN(d, static_cast<size_t>(n)), d, x + from);
      };
      hn::Store(part(c), d, tail);
      hn::Store(part(c + lanes), d, tail + lanes);
      hn::LoadInterleaved2(d, tail, e, o);
    }
    hn::StoreU(e, d, even + (c + pw) / 2);
    hn::StoreU(o, d, odd + (c + pw) / 2);
  }
}

template <int S, int K>
void DepthwiseFor(const float* x, const float* weight, const float* bias, float* out, int64_t p0,
                  int64_t p1, int64_t channels, const Window2d& g, float lo, float hi) {
  const hn::ScalableTag<float> d;
  const auto lanes = static_cast<int64_t>(hn::Lanes(d));
  const int64_t vecs = (g.ow + lanes - 1) / lanes;  // vectors per output row
  // Blocks of up to eight vectors, eight independent chains of multiply-adds (fewer leave
  // the FMA units waiting on their latency): four along the row and two rows when the row
  // is wide, more rows when it is not.
  const int64_t cols = std::min<int64_t>(vecs, 4);  // vectors per block
  const int rows = cols >= 3 ? 2 : cols == 2 ? 4 : 8;
  const int64_t blocks = (vecs + cols - 1) / cols;
  // One block per row stores its rows in order, so its last vector may spill.
  const bool spill = blocks == 1;
  // The padded plane: wide and tall enough that every block reads inside it, and that a
  // copied row's last vector fits (stride 2: each half).
  const int64_t reach = blocks * cols * lanes + ((g.kw - 1) * g.dw) / S + 1;  // per half
  const int64_t wp = S * std::max(reach, (g.w + 2 * g.pw + S - 1) / S + lanes);
  const int64_t hp = std::max(g.h + 2 * g.ph, (g.oh - 1) * g.sh + (g.kh - 1) * g.dh + 1) + 1;
  std::vector<float> buffer(static_cast<size_t>(hp * wp), 0.0f);
  const int64_t stride = wp / S;
  float* even = buffer.data();
  float* odd = S == 2 ? buffer.data() + hp * stride : nullptr;
  const Padded src{even, odd, stride};
  for (int64_t p = p0; p < p1; ++p) {
    const int64_t c = p % channels;
    const float* plane = x + p * g.h * g.w;
    for (int64_t r = 0; r < g.h; ++r) {
      const int64_t at = (r + g.ph) * stride;
      if constexpr (S == 1) {
        CopyRow(d, plane + r * g.w, g.w, even + at + g.pw);
      } else {
        SplitRow(d, plane + r * g.w, g.w, g.pw, even + at, odd + at);
      }
    }
    const float* k = weight + c * g.kh * g.kw;
    float* o = out + p * g.oh * g.ow;
    const auto b = hn::Set(d, bias ? bias[c] : 0.0f);
    const auto vlo = hn::Set(d, lo), vhi = hn::Set(d, hi);
    for (int64_t i = 0; i < g.oh; i += rows) {
      const int r = static_cast<int>(std::min<int64_t>(rows, g.oh - i));
      for (int64_t blk = 0; blk < blocks; ++blk) {
        const int64_t v = std::min(cols, vecs - blk * cols);
        AnyBlock<S, K>(d, r, v, src, k, b, vlo, vhi, o, i, blk * cols * lanes, spill, g);
      }
    }
  }
}

#if HWY_TARGET == HWY_AVX2
// r[i][j] -> r[j][i] for eight vectors of eight floats.
HWY_INLINE void Transpose8x8(__m256 (&r)[8]) {
  __m256 t[8], u[8];
  for (int i = 0; i < 4; ++i) {
    t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  for (int h = 0; h < 2; ++h) {  // rows 0-3, then 4-7
    u[4 * h] = _mm256_shuffle_ps(t[4 * h], t[4 * h + 2], _MM_SHUFFLE(1, 0, 1, 0));
    u[4 * h + 1] = _mm256_shuffle_ps(t[4 * h], t[4 * h + 2], _MM_SHUFFLE(3, 2, 3, 2));
    u[4 * h + 2] = _mm256_shuffle_ps(t[4 * h + 1], t[4 * h + 3], _MM_SHUFFLE(1, 0, 1, 0));
    u[4 * h + 3] = _mm256_shuffle_ps(t[4 * h + 1], t[4 * h + 3], _MM_SHUFFLE(3, 2, 3, 2));
  }
  for (int i = 0; i < 4; ++i) {
    r[i] = _mm256_permute2f128_ps(u[i], u[i + 4], 0x20);
    r[i + 4] = _mm256_permute2f128_ps(u[i], u[i + 4], 0x31);
  }
}

// Depthwise convolution of small planes eight at a time, vectors across the eight
// channels (as NCHWc layouts compute it): the planes are transposed into one zero-padded
// [row][column][8] buffer, each output pixel is the sum of its taps' aligned vectors times
// the taps' weights (no lane idle however narrow the plane), and the rows are transposed
// back. Planes [p0, p0 + 8 * groups).
void DepthwiseChannels8(const float* x, const float* weight, const float* bias, float* out,
                        int64_t p0, int64_t groups, int64_t channels, const Window2d& g, float lo,
                        float hi) {
  const int64_t taps = g.kh * g.kw;
  const int64_t vecs = (g.ow + 7) / 8;  // of output pixels per row
  const int64_t wp = std::max(g.w + 2 * g.pw, (vecs * 8 - 1) * g.sw + (g.kw - 1) * g.dw + 1);
  const int64_t hp = g.h + 2 * g.ph;
  const auto size = static_cast<size_t>((hp * wp + 8) * 8);  // and the last row's spill
  const auto buffer = hwy::AllocateAligned<float>(size);
  float* buf = buffer.get();
  std::fill(buf, buf + size, 0.0f);
  HWY_ALIGN float w[25 * 8];  // each tap's weights for the eight channels
  const hn::Full256<float> d;
  const auto vlo = hn::Set(d, lo), vhi = hn::Set(d, hi);
  const int64_t in_plane = g.h * g.w, out_plane = g.oh * g.ow;
  for (int64_t grp = 0; grp < groups; ++grp) {
    const int64_t p = p0 + 8 * grp;
    for (int64_t k = 0; k < taps; ++k) {
      for (int l = 0; l < 8; ++l) w[k * 8 + l] = weight[(p + l) % channels * taps + k];
    }
    HWY_ALIGN float lane[8];
    for (int l = 0; l < 8; ++l) lane[l] = bias ? bias[(p + l) % channels] : 0.0f;
    const __m256 b = _mm256_load_ps(lane);
    // In: eight columns of the eight planes' row at a time, transposed to eight pixels.
    for (int64_t r = 0; r < g.h; ++r) {
      for (int64_t c = 0; c < g.w; c += 8) {
        const auto mask = hn::FirstN(d, static_cast<size_t>(std::min<int64_t>(8, g.w - c)));
        __m256 v[8];
        for (int l = 0; l < 8; ++l) {
          v[l] = hn::MaskedLoad(mask, d, x + (p + l) * in_plane + r * g.w + c).raw;
        }
        Transpose8x8(v);
        // All eight pixels: those past the row are zeros (masked out of the loads), landing
        // in its right padding or the next row, which is copied later.
        float* to = buf + ((r + g.ph) * wp + c + g.pw) * 8;
        for (int k = 0; k < 8; ++k) _mm256_store_ps(to + k * 8, v[k]);
      }
    }
    // Each output row: eight pixels at a time (eight independent sums), then out.
    for (int64_t i = 0; i < g.oh; ++i) {
      for (int64_t j = 0; j < vecs * 8; j += 8) {
        __m256 acc[8];
        for (int k = 0; k < 8; ++k) acc[k] = b;
        for (int64_t a = 0; a < g.kh; ++a) {
          const float* row = buf + ((i * g.sh + a * g.dh) * wp + j * g.sw) * 8;
          for (int64_t t = 0; t < g.kw; ++t) {
            const __m256 wv = _mm256_load_ps(w + (a * g.kw + t) * 8);
            const float* in = row + t * g.dw * 8;
            for (int k = 0; k < 8; ++k) {
              acc[k] = _mm256_fmadd_ps(wv, _mm256_load_ps(in + k * g.sw * 8), acc[k]);
            }
          }
        }
        for (int k = 0; k < 8; ++k) acc[k] = ClampKeepNaN(hn::Vec256<float>{acc[k]}, vlo, vhi).raw;
        Transpose8x8(acc);
        const int64_t n = std::min<int64_t>(8, g.ow - j);
        for (int l = 0; l < 8; ++l) {
          float* o = out + (p + l) * out_plane + i * g.ow + j;
          // Past the row's end lie the next rows, stored later: a whole vector is stored
          // when it stays inside the plane.
          if (i * g.ow + j + 8 <= out_plane) {
            _mm256_storeu_ps(o, acc[l]);
          } else {
            _mm256_store_ps(lane, acc[l]);
            std::copy(lane, lane + n, o);
          }
        }
      }
    }
  }
}
#endif

void DepthwisePlanes(const float* x, const float* weight, const float* bias, float* out, int64_t p0,
                     int64_t p1, int64_t channels, const Window2d& g, float lo, float hi) {
#if HWY_TARGET == HWY_AVX2
  // Narrow planes eight at a time across channels (where vectors of a row leave lanes idle
  // and each plane's setup costs more than its sums); the planes left one by one below.
  if (g.ow <= 16 && g.kh * g.kw <= 25 && p1 - p0 >= 8) {
    const int64_t groups = (p1 - p0) / 8;
    DepthwiseChannels8(x, weight, bias, out, p0, groups, channels, g, lo, hi);
    p0 += 8 * groups;
    if (p0 == p1) return;
  }
#endif
  const bool k3 = g.kh == 3 && g.kw == 3;
  if (g.sw == 1) {
    (k3 ? DepthwiseFor<1, 3> : DepthwiseFor<1, 0>)(x, weight, bias, out, p0, p1, channels, g, lo,
                                                   hi);
  } else {
    (k3 ? DepthwiseFor<2, 3> : DepthwiseFor<2, 0>)(x, weight, bias, out, p0, p1, channels, g, lo,
                                                   hi);
  }
}

// One output of a max pool, its window clipped to the plane: the first maximum, a NaN
// over any number. Returns the flat index in the plane.
HWY_INLINE int64_t WindowMax(const float* plane, int64_t i, int64_t j, const Window2d& g,
                             float& value) {
  int64_t at = -1;
  float m = 0;
  for (int64_t a = 0; a < g.kh; ++a) {
    const int64_t r = i * g.sh - g.ph + a * g.dh;
    if (r < 0 || r >= g.h) continue;
    for (int64_t t = 0; t < g.kw; ++t) {
      const int64_t c = j * g.sw - g.pw + t * g.dw;
      if (c < 0 || c >= g.w) continue;
      const float v = plane[r * g.w + c];
      if (at < 0 || v > m || (v != v && m == m)) {
        m = v;
        at = r * g.w + c;
      }
    }
  }
  value = m;
  return at;
}

template <int S>
void MaxPoolFor(const float* x, float* values, int64_t* indices, int64_t p0, int64_t p1,
                const Window2d& g) {
  const hn::ScalableTag<float> d;
  const hn::RebindToSigned<decltype(d)> di;
  const auto lanes = static_cast<int64_t>(hn::Lanes(d));
  // Interior columns: every tap's column inside the row.
  const int64_t jlo = std::min(g.ow, (g.pw + S - 1) / S);
  const int64_t last = g.w - 1 - (g.kw - 1) * g.dw + g.pw;  // j * S <= last
  int64_t jhi = last < 0 ? 0 : std::min(g.ow, last / S + 1);
  // Stride 2 loads pairs: the last pair of a row must not read past the plane.
  jhi = std::max(jlo, jhi);
  // Tap offsets and indices in int32 lanes (max_pool2d takes planes under 2^31 elements),
  // widened to int64 as they are stored.
  HWY_ALIGN int32_t at[hn::MaxLanes(d)];
  const auto lane_step = hn::Mul(hn::Iota(di, 0), hn::Set(di, S));
  for (int64_t p = p0; p < p1; ++p) {
    const float* plane = x + p * g.h * g.w;
    float* v = values + p * g.oh * g.ow;
    int64_t* ix = indices + p * g.oh * g.ow;
    for (int64_t i = 0; i < g.oh; ++i) {
      const int64_t r0 = i * g.sh - g.ph;
      int64_t a0 = 0;  // the first kernel row inside the plane
      while (a0 < g.kh && r0 + a0 * g.dh < 0) ++a0;
      for (int64_t j = 0; j < std::min(jlo, g.ow); ++j) {
        ix[i * g.ow + j] = WindowMax(plane, i, j, g, v[i * g.ow + j]);
      }
      // lanes outputs from column j; false (nothing done) where stride 2's pairs would
      // read past the plane.
      const auto vector = [&](int64_t j) {
        if constexpr (S == 2) {
          const int64_t reach =
              (r0 + (g.kh - 1) * g.dh) * g.w + 2 * (j + lanes) - g.pw + (g.kw - 1) * g.dw;
          if (reach > g.h * g.w) return false;
        }
        auto m = hn::Set(d, 0.0f);
        auto tap = hn::Set(di, -1);
        bool first = true;
        for (int64_t a = a0; a < g.kh; ++a) {
          const int64_t r = r0 + a * g.dh;
          if (r >= g.h) break;
          const float* in = plane + r * g.w + j * S - g.pw;
          for (int64_t t = 0; t < g.kw; ++t) {
            const auto x_ = Load<S>(d, in + t * g.dw);
            const auto id = hn::Set(di, static_cast<int32_t>(a * g.dh * g.w + t * g.dw));
            if (first) {
              m = x_;
              tap = id;
              first = false;
              continue;
            }
            // Later taps win when greater, or NaN over a number (the first NaN).
            const auto win = hn::Or(hn::Gt(x_, m), hn::AndNot(hn::IsNaN(m), hn::IsNaN(x_)));
            m = hn::IfThenElse(win, x_, m);
            tap = hn::IfThenElse(hn::RebindMask(di, win), id, tap);
          }
        }
        hn::StoreU(m, d, v + i * g.ow + j);
        // Each lane's flat index: its window's first input plus the winning tap's offset.
        const auto index = hn::Add(
            tap, hn::Add(hn::Set(di, static_cast<int32_t>(r0 * g.w + j * S - g.pw)), lane_step));
        hn::Store(index, di, at);
        std::copy(at, at + lanes, ix + i * g.ow + j);
        return true;
      };
      int64_t j = jlo;
      while (j + lanes <= jhi && vector(j)) j += lanes;
      // The last interior columns: one more vector ending at jhi, over some already done
      // (the same values again).
      if (j < jhi && jhi - lanes >= jlo && vector(jhi - lanes)) j = jhi;
      for (; j < g.ow; ++j) ix[i * g.ow + j] = WindowMax(plane, i, j, g, v[i * g.ow + j]);
    }
  }
}

void MaxPoolPlanes(const float* x, float* values, int64_t* indices, int64_t p0, int64_t p1,
                   const Window2d& g) {
  if (g.sw == 1) {
    MaxPoolFor<1>(x, values, indices, p0, p1, g);
  } else if (g.sw == 2) {
    MaxPoolFor<2>(x, values, indices, p0, p1, g);
  } else {
    for (int64_t p = p0; p < p1; ++p) {
      for (int64_t k = 0; k < g.oh * g.ow; ++k) {
        indices[p * g.oh * g.ow + k] =
            WindowMax(x + p * g.h * g.w, k / g.ow, k % g.ow, g, values[p * g.oh * g.ow + k]);
      }
    }
  }
}

// Pointwise convolution, one register tile: R output channels from o, two vectors of
// columns from j: bias, the products summed over every input channel, the clamp, one store.
template <int R, class D>
HWY_INLINE void PointwiseTile(D d, const float* w, const float* x, const float* bias, float* y,
                              int64_t cin, int64_t plane, int64_t o, int64_t j, float lo,
                              float hi) {
  using V = hn::Vec<D>;
  const auto n = static_cast<int64_t>(hn::Lanes(d));
  V acc0[R], acc1[R];
  for (int r = 0; r < R; ++r) {
    acc0[r] = hn::Set(d, bias ? bias[o + r] : 0.0f);
    acc1[r] = acc0[r];
  }
  for (int64_t c = 0; c < cin; ++c) {
    const V x0 = hn::LoadU(d, x + c * plane + j), x1 = hn::LoadU(d, x + c * plane + j + n);
    for (int r = 0; r < R; ++r) {
      const V wv = hn::Set(d, w[(o + r) * cin + c]);
      acc0[r] = hn::MulAdd(wv, x0, acc0[r]);
      acc1[r] = hn::MulAdd(wv, x1, acc1[r]);
    }
  }
  const V vlo = hn::Set(d, lo), vhi = hn::Set(d, hi);
  for (int r = 0; r < R; ++r) {
    hn::StoreU(ClampKeepNaN(acc0[r], vlo, vhi), d, y + (o + r) * plane + j);
    hn::StoreU(ClampKeepNaN(acc1[r], vlo, vhi), d, y + (o + r) * plane + j + n);
  }
}

// Output channels [o0, o1) and columns [j0, j1) of one image (see pointwise_conv).
void PointwiseBlock(const float* w, const float* x, const float* bias, float* y, int64_t cin,
                    int64_t plane, int64_t o0, int64_t o1, int64_t j0, int64_t j1, float lo,
                    float hi) {
  const hn::ScalableTag<float> d;
  const auto step = static_cast<int64_t>(2 * hn::Lanes(d));
  int64_t o = o0;
  const auto rows = [&](auto tile, int64_t count) {
    for (; o + count <= o1; o += count) {
      for (int64_t j = j0; j + step <= j1; j += step) tile(o, j);
    }
  };
  rows(
      [&](int64_t oo, int64_t j) { PointwiseTile<6>(d, w, x, bias, y, cin, plane, oo, j, lo, hi); },
      6);
  rows(
      [&](int64_t oo, int64_t j) { PointwiseTile<2>(d, w, x, bias, y, cin, plane, oo, j, lo, hi); },
      2);
  rows(
      [&](int64_t oo, int64_t j) { PointwiseTile<1>(d, w, x, bias, y, cin, plane, oo, j, lo, hi); },
      1);
  // Columns past the last whole pair of vectors.
  const int64_t tail = j0 + (j1 - j0) / step * step;
  for (int64_t oo = o0; oo < o1; ++oo) {
    for (int64_t j = tail; j < j1; ++j) {
      float acc = bias ? bias[oo] : 0.0f;
      for (int64_t c = 0; c < cin; ++c) acc = std::fma(w[oo * cin + c], x[c * plane + j], acc);
      y[oo * plane + j] = std::min(std::max(acc, lo), hi);
    }
  }
}

#if HWY_TARGET == HWY_AVX2
// Six vectors of eight output channels, one per pixel, stored as eight rows of six pixels
// (row r at y + r * ld): transposed in registers, four pixels and then two per row.
HWY_INLINE void StoreTransposed8x6(const __m256 (&v)[6], float* y, int64_t ld) {
  const __m256 t0 = _mm256_unpacklo_ps(v[0], v[1]), t1 = _mm256_unpackhi_ps(v[0], v[1]);
  const __m256 t2 = _mm256_unpacklo_ps(v[2], v[3]), t3 = _mm256_unpackhi_ps(v[2], v[3]);
  const auto pairs = [](__m256 a, __m256 b, bool high) {
    const __m256d x = _mm256_castps_pd(a), z = _mm256_castps_pd(b);
    return _mm256_castpd_ps(high ? _mm256_unpackhi_pd(x, z) : _mm256_unpacklo_pd(x, z));
  };
  // u[m] holds rows m (low half) and m + 4 (high half), pixels 0-3.
  const __m256 u[4] = {pairs(t0, t2, false), pairs(t0, t2, true), pairs(t1, t3, false),
                       pairs(t1, t3, true)};
  // s0 holds rows 0, 1 | 4, 5 and s1 rows 2, 3 | 6, 7, pixels 4-5.
  const __m256 s0 = _mm256_unpacklo_ps(v[4], v[5]), s1 = _mm256_unpackhi_ps(v[4], v[5]);
  for (int m = 0; m < 4; ++m) {
    _mm_storeu_ps(y + m * ld, _mm256_castps256_ps128(u[m]));
    _mm_storeu_ps(y + (m + 4) * ld, _mm256_extractf128_ps(u[m], 1));
  }
  for (int h = 0; h < 2; ++h) {  // the low and high halves: rows 0-3, then 4-7
    const __m128 a = h ? _mm256_extractf128_ps(s0, 1) : _mm256_castps256_ps128(s0);
    const __m128 b = h ? _mm256_extractf128_ps(s1, 1) : _mm256_castps256_ps128(s1);
    float* row = y + 4 * h * ld + 4;
    _mm_storel_pi(reinterpret_cast<__m64*>(row), a);
    _mm_storeh_pi(reinterpret_cast<__m64*>(row + ld), a);
    _mm_storel_pi(reinterpret_cast<__m64*>(row + 2 * ld), b);
    _mm_storeh_pi(reinterpret_cast<__m64*>(row + 3 * ld), b);
  }
}
#endif

// Pointwise convolution with vectors across output channels (pointwise_conv_panels): one
// tile is V vectors of output channels by P output pixels; each input channel adds its
// panel row (V vectors) times each pixel's input (broadcast) into P * V accumulators.
template <int V, int P, class D>
HWY_INLINE void PanelTile(D d, const float* panel, int64_t width, const float* x, int64_t cin,
                          int64_t plane, const float* bias, float* y, int64_t o, int64_t rows,
                          int64_t j, float lo, float hi) {
  using Vec = hn::Vec<D>;
  const auto n = static_cast<int64_t>(hn::Lanes(d));
  Vec acc[P][V];
  for (int p = 0; p < P; ++p) {
    for (int v = 0; v < V; ++v) acc[p][v] = hn::Zero(d);
  }
  for (int64_t c = 0; c < cin; ++c) {
    const float* w = panel + c * width;
    const float* xc = x + c * plane + j;
    Vec wv[V];
    for (int v = 0; v < V; ++v) wv[v] = hn::LoadU(d, w + v * n);
    for (int p = 0; p < P; ++p) {
      const Vec xb = hn::Set(d, xc[p]);
      for (int v = 0; v < V; ++v) acc[p][v] = hn::MulAdd(wv[v], xb, acc[p][v]);
    }
  }
#if HWY_TARGET == HWY_AVX2
  // Whole tiles: bias and clamp on the vectors, then transposed in registers.
  if constexpr (P == 6) {
    if (rows == V * n) {
      const Vec vlo = hn::Set(d, lo), vhi = hn::Set(d, hi);
      for (int v = 0; v < V; ++v) {
        const Vec b = bias ? hn::LoadU(d, bias + o + v * n) : hn::Zero(d);
        __m256 out[6];
        for (int p = 0; p < 6; ++p) out[p] = ClampKeepNaN(hn::Add(acc[p][v], b), vlo, vhi).raw;
        StoreTransposed8x6(out, y + (o + v * n) * plane + j, plane);
      }
      return;
    }
  }
#endif
  // Out through a buffer: each output channel's P pixels are consecutive in y.
  HWY_ALIGN float tile[P][V * hn::MaxLanes(d)];
  for (int p = 0; p < P; ++p) {
    for (int v = 0; v < V; ++v) hn::Store(acc[p][v], d, tile[p] + v * n);
  }
  for (int64_t r = 0; r < rows; ++r) {
    const float b = bias ? bias[o + r] : 0.0f;
    float* out = y + (o + r) * plane + j;
    for (int p = 0; p < P; ++p) out[p] = std::min(std::max(tile[p][r] + b, lo), hi);
  }
}

int64_t PanelWidth() {
  return 2 * static_cast<int64_t>(hn::Lanes(hn::ScalableTag<float>()));
}

// Panel q of out = clamp(bias + panels x, lo, hi) for pixels [j0, j1) of one image: the
// panel stays in cache while it meets every pixel.
void PanelBlock(const float* panels, const float* x, const float* bias, float* y, int64_t cin,
                int64_t cout, int64_t plane, int64_t q, int64_t j0, int64_t j1, float lo,
                float hi) {
  const hn::ScalableTag<float> d;
  const int64_t width = PanelWidth(), n = width / 2;
  constexpr int kPixels = 6;
  const float* panel = panels + q * width * cin;
  const int64_t o = q * width, rows = std::min(width, cout - o);
  const auto tile = [&](auto vecs) {
    constexpr int V = decltype(vecs)::value;
    int64_t j = j0;
    for (; j + kPixels <= j1; j += kPixels) {
      PanelTile<V, kPixels>(d, panel, width, x, cin, plane, bias, y, o, rows, j, lo, hi);
    }
    switch (j1 - j) {
#define TSR_TAIL(P) \
  case P:           \
    return PanelTile<V, P>(d, panel, width, x, cin, plane, bias, y, o, rows, j, lo, hi)
      TSR_TAIL(1);
      TSR_TAIL(2);
      TSR_TAIL(3);
      TSR_TAIL(4);
      TSR_TAIL(5);
#undef TSR_TAIL
      default:
        return;
    }
  };
  if (rows > n) {
    tile(std::integral_constant<int, 2>());
  } else {
    tile(std::integral_constant<int, 1>());
  }
}

}  // namespace tessera::cpu::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace tessera::cpu {

HWY_EXPORT(DepthwisePlanes);
HWY_EXPORT(MaxPoolPlanes);
HWY_EXPORT(PointwiseBlock);
HWY_EXPORT(PanelWidth);
HWY_EXPORT(PanelBlock);

void pointwise_conv(const float* x, const float* weight, const float* bias, float* out,
                    int64_t images, int64_t cin, int64_t cout, int64_t plane, float lo, float hi) {
  // Items of kRows output channels by kCols columns of one image: each item's input
  // columns stay in cache while every row tile reads them.
  constexpr int64_t kRows = 48, kCols = 512;
  const int64_t row_blocks = (cout + kRows - 1) / kRows, col_blocks = (plane + kCols - 1) / kCols;
  const int64_t per_image = row_blocks * col_blocks;
  const int64_t work = std::max<int64_t>(1, kRows * kCols * cin);
  parallel_for(
      0, images * per_image, std::max<int64_t>(1, kGrainSize * 16 / work),
      [&](int64_t k0, int64_t k1) {
        for (int64_t k = k0; k < k1; ++k) {
          const int64_t b = k / per_image, cb = (k % per_image) / row_blocks, rb = k % row_blocks;
          HWY_DYNAMIC_DISPATCH(PointwiseBlock)
          (weight, x + b * cin * plane, bias, out + b * cout * plane, cin, plane, rb * kRows,
           std::min(cout, (rb + 1) * kRows), cb * kCols, std::min(plane, (cb + 1) * kCols), lo, hi);
        }
      });
}

int64_t pointwise_panel_width() {
  return HWY_DYNAMIC_DISPATCH(PanelWidth)();
}

void pack_pointwise_panels(const float* weight, int64_t cin, int64_t cout, float* panels) {
  const int64_t width = pointwise_panel_width();
  const int64_t count = (cout + width - 1) / width;
  for (int64_t q = 0; q < count; ++q) {
    float* panel = panels + q * width * cin;
    for (int64_t c = 0; c < cin; ++c) {
      for (int64_t r = 0; r < width; ++r) {
        const int64_t o = q * width + r;
        panel[c * width + r] = o < cout ? weight[o * cin + c] : 0.0f;
      }
    }
  }
}

void pointwise_conv_panels(const float* x, const float* panels, const float* bias, float* out,
                           int64_t images, int64_t cin, int64_t cout, int64_t plane, float lo,
                           float hi) {
  const int64_t width = pointwise_panel_width();
  const int64_t count = (cout + width - 1) / width;
  // Items of one panel by a block of pixels: enough of them that the threads stay busy
  // when there are few panels; consecutive items share their panel.
  const int64_t threads = get_num_threads();
  const int64_t blocks = std::clamp<int64_t>((8 * threads + images * count - 1) / (images * count),
                                             1, (plane + 5) / 6);
  const int64_t per_block = (plane + blocks - 1) / blocks;
  const int64_t work = std::max<int64_t>(1, width * per_block * cin);
  parallel_for(0, images * count * blocks, std::max<int64_t>(1, kGrainSize * 16 / work),
               [&](int64_t k0, int64_t k1) {
                 for (int64_t k = k0; k < k1; ++k) {
                   const int64_t b = k / (count * blocks), q = k / blocks % count;
                   const int64_t j0 = k % blocks * per_block;
                   HWY_DYNAMIC_DISPATCH(PanelBlock)
                   (panels, x + b * cin * plane, bias, out + b * cout * plane, cin, cout, plane, q,
                    j0, std::min(plane, j0 + per_block), lo, hi);
                 }
               });
}

void max_pool2d(const float* x, float* values, int64_t* indices, int64_t planes,
                const Window2d& g) {
  const int64_t work = std::max<int64_t>(1, g.oh * g.ow * g.kh * g.kw);
  parallel_for(0, planes, std::max<int64_t>(1, kGrainSize / work), [&](int64_t p0, int64_t p1) {
    HWY_DYNAMIC_DISPATCH(MaxPoolPlanes)(x, values, indices, p0, p1, g);
  });
}

void depthwise_conv2d(const float* x, const float* weight, const float* bias, float* out,
                      int64_t planes, int64_t channels, const Window2d& g, float lo, float hi) {
  const int64_t work = std::max<int64_t>(1, g.oh * g.ow * g.kh * g.kw);
  parallel_for(0, planes, std::max<int64_t>(1, kGrainSize / work), [&](int64_t p0, int64_t p1) {
    HWY_DYNAMIC_DISPATCH(DepthwisePlanes)(x, weight, bias, out, p0, p1, channels, g, lo, hi);
  });
}

}  // namespace tessera::cpu
#endif  // HWY_ONCE
