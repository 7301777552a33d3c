// cpu kernels for 2-d pooling and resampling of contiguous float32/float64 [N, C, H, W]
// (or [C, H, W]) tensors: max_pool (with indices) and avg_pool without ceil_mode or
// dilation, adaptive average and max pooling, interpolate (every mode, 2-d), grid_sample,
// and constant padding with non-negative pads. Planes are split
// over the intra-op threads; windows are walked in the reference's order (the first
// maximum wins, NaN beats every number) so results and indices are the reference's. Other
// cases, and every error, are the reference kernel's.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "api/functions.h"
#include "backends/cpu/kernels/conv_direct.h"
#include "core/parallel.h"
#include "ops/elementwise.h"
#include "ops/grid_sample.h"
#include "ops/handles.h"
#include "ops/interpolate.h"

namespace tessera::cpu {
namespace {

// A 2-d pooling: planes of [h, w] in, [oh, ow] out.
struct Pool2d {
  int64_t planes = 1, h = 0, w = 0, oh = 0, ow = 0, kh = 1, kw = 1, sh = 1, sw = 1, ph = 0, pw = 0;
  Shape out_shape;
};

int64_t pick(IntArrayRef v, size_t i, int64_t fallback) {
  if (v.empty()) return fallback;
  return v[v.size() == 1 ? 0 : i];
}

// The geometry when the kernels below cover the call: a contiguous 3-d or 4-d input of
// dtype T, a 2-d kernel, dilation 1, no ceil_mode, padding at most half the kernel, a
// non-empty output.
template <typename T>
std::optional<Pool2d> plan_pool(const Tensor& self, IntArrayRef kernel, IntArrayRef stride,
                                IntArrayRef padding, IntArrayRef dilation, bool ceil_mode) {
  if (self.dtype() != dtype_of<T> || !self.is_contiguous() || kernel.size() != 2 || ceil_mode ||
      (self.dim() != 3 && self.dim() != 4) || self.numel() == 0 || stride.size() > 2 ||
      padding.size() > 2 || dilation.size() > 2)
    return std::nullopt;
  for (size_t i = 0; i < dilation.size(); ++i) {
    if (dilation[i] != 1) return std::nullopt;
  }
  Pool2d g;
  g.planes = self.numel() / (self.size(-1) * self.size(-2));
  g.h = self.size(-2);
  g.w = self.size(-1);
  g.kh = kernel[0];
  g.kw = kernel[1];
  g.sh = pick(stride, 0, g.kh);
  g.sw = pick(stride, 1, g.kw);
  g.ph = pick(padding, 0, 0);
  g.pw = pick(padding, 1, 0);
  if (g.kh <= 0 || g.kw <= 0 || g.sh <= 0 || g.sw <= 0 || g.ph < 0 || g.pw < 0 || g.ph > g.kh / 2 ||
      g.pw > g.kw / 2)
    return std::nullopt;
  g.oh = (g.h + 2 * g.ph - g.kh) / g.sh + 1;
  g.ow = (g.w + 2 * g.pw - g.kw) / g.sw + 1;
  if (g.h + 2 * g.ph < g.kh || g.w + 2 * g.pw < g.kw || g.oh <= 0 || g.ow <= 0) return std::nullopt;
  g.out_shape = Shape(self.sizes());
  g.out_shape[g.out_shape.size() - 2] = g.oh;
  g.out_shape[g.out_shape.size() - 1] = g.ow;
  return g;
}

// The planes of g split over the threads, f(plane) for each.
template <typename F>
void for_planes(const Pool2d& g, int64_t work_per_plane, F f) {
  parallel_for(0, g.planes, std::max<int64_t>(1, kGrainSize / std::max<int64_t>(work_per_plane, 1)),
               [&](int64_t p0, int64_t p1) {
                 for (int64_t p = p0; p < p1; ++p) f(p);
               });
}

// The window [h0, h1) x [w0, w1) (clipped to the plane) of a plane, its maximum and the
// flat index of it: the first maximum in row-major order, the first NaN over any number.
// Two passes without a serial chain of unpredictable choices: the maximum (max
// instructions), then the first element equal to it (a backward scan of selects).
template <typename T>
void window_max(const T* plane, int64_t width, int64_t h0, int64_t h1, int64_t w0, int64_t w1,
                T& value, int64_t& index) {
  T m = plane[h0 * width + w0];
  bool nan = false;
  for (int64_t i = h0; i < h1; ++i) {
    const T* row = plane + i * width;
    for (int64_t j = w0; j < w1; ++j) {
      const T v = row[j];
      nan |= v != v;
      m = v > m ? v : m;
    }
  }
  int64_t at = h0 * width + w0;
  if (nan) {  // the first NaN
    for (int64_t i = h1 - 1; i >= h0; --i)
      for (int64_t j = w1 - 1; j >= w0; --j)
        at = plane[i * width + j] != plane[i * width + j] ? i * width + j : at;
  } else {
    for (int64_t i = h1 - 1; i >= h0; --i)
      for (int64_t j = w1 - 1; j >= w0; --j) at = plane[i * width + j] == m ? i * width + j : at;
  }
  value = plane[at];
  index = at;
}

using MaxPoolSig = std::tuple<Tensor, Tensor>(const Tensor&, IntArrayRef, IntArrayRef, IntArrayRef,
                                              IntArrayRef, bool);

template <typename T>
std::tuple<Tensor, Tensor> max_pool_kernel(const Tensor& self, IntArrayRef kernel,
                                           IntArrayRef stride, IntArrayRef padding,
                                           IntArrayRef dilation, bool ceil_mode) {
  const auto g = plan_pool<T>(self, kernel, stride, padding, dilation, ceil_mode);
  if (!g) {
    return ops::max_pool_op().typed<MaxPoolSig>().redispatch(kBackendReference, self, kernel,
                                                             stride, padding, dilation, ceil_mode);
  }
  Tensor values = empty(g->out_shape, TensorOptions(dtype_of<T>, self.device()));
  Tensor indices = empty(g->out_shape, TensorOptions(DType::Int64, self.device()));
  // Vectorised (conv_direct.cpp) with indices in int32 lanes: planes under 2^31 elements.
  if (std::is_same_v<T, float> && g->h * g->w < (int64_t{1} << 31)) {
    const Window2d w{g->h, g->w, g->oh, g->ow, g->kh, g->kw, g->sh, g->sw, g->ph, g->pw, 1, 1};
    max_pool2d(static_cast<const float*>(self.data_ptr()), static_cast<float*>(values.data_ptr()),
               static_cast<int64_t*>(indices.data_ptr()), g->planes, w);
    return {values, indices};
  }
  const T* in = static_cast<const T*>(self.data_ptr());
  T* v = static_cast<T*>(values.data_ptr());
  auto* ix = static_cast<int64_t*>(indices.data_ptr());
  for_planes(*g, g->oh * g->ow * g->kh * g->kw, [&](int64_t p) {
    const T* plane = in + p * g->h * g->w;
    const int64_t o = p * g->oh * g->ow;
    for (int64_t i = 0; i < g->oh; ++i) {
      const int64_t h0 = i * g->sh - g->ph;
      const int64_t hlo = std::max<int64_t>(h0, 0), hhi = std::min(h0 + g->kh, g->h);
      for (int64_t j = 0; j < g->ow; ++j) {
        const int64_t w0 = j * g->sw - g->pw;
        const int64_t wlo = std::max<int64_t>(w0, 0), whi = std::min(w0 + g->kw, g->w);
        window_max(plane, g->w, hlo, hhi, wlo, whi, v[o + i * g->ow + j], ix[o + i * g->ow + j]);
      }
    }
  });
  return {values, indices};
}

using AvgPoolSig = Tensor(const Tensor&, IntArrayRef, IntArrayRef, IntArrayRef, bool, bool,
                          std::optional<int64_t>);

template <typename T>
Tensor avg_pool_kernel(const Tensor& self, IntArrayRef kernel, IntArrayRef stride,
                       IntArrayRef padding, bool ceil_mode, bool count_include_pad,
                       std::optional<int64_t> divisor) {
  const auto g = (divisor && *divisor == 0)
                     ? std::nullopt
                     : plan_pool<T>(self, kernel, stride, padding, {}, ceil_mode);
  if (!g) {
    return ops::avg_pool_op().typed<AvgPoolSig>().redispatch(
        kBackendReference, self, kernel, stride, padding, ceil_mode, count_include_pad, divisor);
  }
  Tensor out = empty(g->out_shape, TensorOptions(dtype_of<T>, self.device()));
  const T* in = static_cast<const T*>(self.data_ptr());
  T* o = static_cast<T*>(out.data_ptr());
  for_planes(*g, g->oh * g->ow * g->kh * g->kw, [&](int64_t p) {
    const T* plane = in + p * g->h * g->w;
    T* op = o + p * g->oh * g->ow;
    for (int64_t i = 0; i < g->oh; ++i) {
      const int64_t h0 = i * g->sh - g->ph;
      const int64_t hlo = std::max<int64_t>(h0, 0), hhi = std::min(h0 + g->kh, g->h);
      const int64_t hpad = std::min(h0 + g->kh, g->h + g->ph) - h0;
      for (int64_t j = 0; j < g->ow; ++j) {
        const int64_t w0 = j * g->sw - g->pw;
        const int64_t wlo = std::max<int64_t>(w0, 0), whi = std::min(w0 + g->kw, g->w);
        const int64_t wpad = std::min(w0 + g->kw, g->w + g->pw) - w0;
        double sum = 0;  // as the reference
        for (int64_t a = hlo; a < hhi; ++a)
          for (int64_t b = wlo; b < whi; ++b) sum += double(plane[a * g->w + b]);
        const double div = divisor             ? double(*divisor)
                           : count_include_pad ? double(hpad * wpad)
                                               : double((hhi - hlo) * (whi - wlo));
        op[i * g->ow + j] = T(sum / div);
      }
    }
  });
  return out;
}

// Adaptive pooling over the last two dims: output cell (i, j) covers rows
// [floor(i h / oh), ceil((i + 1) h / oh)) and likewise columns.
template <typename T>
std::optional<Pool2d> plan_adaptive(const Tensor& self, IntArrayRef output_size) {
  if (self.dtype() != dtype_of<T> || !self.is_contiguous() || output_size.size() != 2 ||
      (self.dim() != 3 && self.dim() != 4) || self.numel() == 0 || output_size[0] <= 0 ||
      output_size[1] <= 0)
    return std::nullopt;
  Pool2d g;
  g.h = self.size(-2);
  g.w = self.size(-1);
  g.planes = self.numel() / (g.h * g.w);
  g.oh = output_size[0];
  g.ow = output_size[1];
  g.out_shape = Shape(self.sizes());
  g.out_shape[g.out_shape.size() - 2] = g.oh;
  g.out_shape[g.out_shape.size() - 1] = g.ow;
  return g;
}

// The input range [first, second) of adaptive output cell o along a dim of in -> out.
std::pair<int64_t, int64_t> adaptive_cell(int64_t o, int64_t in, int64_t out) {
  return {o * in / out, ((o + 1) * in + out - 1) / out};
}

template <typename T>
Tensor adaptive_avg_kernel(const Tensor& self, IntArrayRef output_size) {
  const auto g = plan_adaptive<T>(self, output_size);
  if (!g) {
    return ops::adaptive_avg_pool_op().typed<Tensor(const Tensor&, IntArrayRef)>().redispatch(
        kBackendReference, self, output_size);
  }
  // Global pooling is a mean over each plane: the vector reduction.
  if (g->oh == 1 && g->ow == 1) return mean(self, IntArrayRef({-2, -1}), true);
  Tensor out = empty(g->out_shape, TensorOptions(dtype_of<T>, self.device()));
  const T* in = static_cast<const T*>(self.data_ptr());
  T* o = static_cast<T*>(out.data_ptr());
  for_planes(*g, g->h * g->w, [&](int64_t p) {
    const T* plane = in + p * g->h * g->w;
    for (int64_t i = 0; i < g->oh; ++i) {
      const auto [h0, h1] = adaptive_cell(i, g->h, g->oh);
      for (int64_t j = 0; j < g->ow; ++j) {
        const auto [w0, w1] = adaptive_cell(j, g->w, g->ow);
        double sum = 0;
        for (int64_t a = h0; a < h1; ++a)
          for (int64_t b = w0; b < w1; ++b) sum += double(plane[a * g->w + b]);
        o[(p * g->oh + i) * g->ow + j] = T(sum / double((h1 - h0) * (w1 - w0)));
      }
    }
  });
  return out;
}

template <typename T>
std::tuple<Tensor, Tensor> adaptive_max_kernel(const Tensor& self, IntArrayRef output_size) {
  const auto g = plan_adaptive<T>(self, output_size);
  if (!g) {
    return ops::adaptive_max_pool_op()
        .typed<std::tuple<Tensor, Tensor>(const Tensor&, IntArrayRef)>()
        .redispatch(kBackendReference, self, output_size);
  }
  Tensor values = empty(g->out_shape, TensorOptions(dtype_of<T>, self.device()));
  Tensor indices = empty(g->out_shape, TensorOptions(DType::Int64, self.device()));
  const T* in = static_cast<const T*>(self.data_ptr());
  T* v = static_cast<T*>(values.data_ptr());
  auto* ix = static_cast<int64_t*>(indices.data_ptr());
  for_planes(*g, g->h * g->w, [&](int64_t p) {
    const T* plane = in + p * g->h * g->w;
    for (int64_t i = 0; i < g->oh; ++i) {
      const auto [h0, h1] = adaptive_cell(i, g->h, g->oh);
      for (int64_t j = 0; j < g->ow; ++j) {
        const auto [w0, w1] = adaptive_cell(j, g->w, g->ow);
        const int64_t o = (p * g->oh + i) * g->ow + j;
        window_max(plane, g->w, h0, h1, w0, w1, v[o], ix[o]);
      }
    }
  });
  return {values, indices};
}

// Constant padding with non-negative pads of any trailing dims, plane by plane (the last
// two dims; a 1-d tensor is one row): each output row written once, in order (the value,
// the input's row, the value again); planes whose outer coordinates fall in the padding
// are the value throughout.
template <typename T>
Tensor pad_kernel(const Tensor& self, IntArrayRef pads, std::string_view mode,
                  std::optional<double> value) {
  const auto npad = static_cast<int64_t>(pads.size() / 2);
  bool covered = mode == "constant" && pads.size() % 2 == 0 && npad >= 1 && npad <= self.dim() &&
                 self.dtype() == dtype_of<T> && self.is_contiguous() && self.numel() > 0;
  for (size_t i = 0; covered && i < pads.size(); ++i) covered = pads[i] >= 0;
  if (!covered) {
    return ops::pad_op()
        .typed<Tensor(const Tensor&, IntArrayRef, std::string_view, std::optional<double>)>()
        .redispatch(kBackendReference, self, pads, mode, value);
  }
  const int64_t nd = self.dim();
  Shape shape(self.sizes()), lead(static_cast<size_t>(nd), 0);
  for (int64_t i = 0; i < npad; ++i) {
    const auto d = static_cast<size_t>(nd - 1 - i);
    lead[d] = pads[static_cast<size_t>(2 * i)];
    shape[d] += pads[static_cast<size_t>(2 * i)] + pads[static_cast<size_t>(2 * i + 1)];
  }
  Tensor out = empty(shape, TensorOptions(dtype_of<T>, self.device()));
  const T fill = T(value.value_or(0.0));
  // Planes of [h, w] in, [oh, ow] out, the input's rows from row `top` and column `left`.
  const int64_t w = self.size(-1), ow = shape.back(), left = lead.back();
  const int64_t h = nd >= 2 ? self.size(-2) : 1, oh = nd >= 2 ? shape[shape.size() - 2] : 1;
  const int64_t top = nd >= 2 ? lead[lead.size() - 2] : 0;
  const int64_t outer = std::max<int64_t>(0, nd - 2), planes = out.numel() / (oh * ow);
  const T* in = static_cast<const T*>(self.data_ptr());
  T* o = static_cast<T*>(out.data_ptr());
  const auto isizes = self.sizes();
  parallel_for(0, planes, std::max<int64_t>(1, kGrainSize / (oh * ow)),
               [&](int64_t p0, int64_t p1) {
                 for (int64_t p = p0; p < p1; ++p) {
                   T* plane = o + p * oh * ow;
                   // The input plane of output plane p, if its outer coordinates are inside the
                   // input.
                   int64_t src = 0, rest = p, stride = h * w;
                   bool inside = true;
                   for (int64_t d = outer - 1; d >= 0; --d) {
                     const auto k = static_cast<size_t>(d);
                     const int64_t c = rest % shape[k] - lead[k];
                     rest /= shape[k];
                     inside = inside && c >= 0 && c < isizes[k];
                     src += c * stride;
                     stride *= isizes[k];
                   }
                   if (!inside) {
                     std::fill_n(plane, oh * ow, fill);
                     continue;
                   }
                   std::fill_n(plane, top * ow, fill);
                   for (int64_t r = 0; r < h; ++r) {
                     T* row = plane + (top + r) * ow;
                     std::fill_n(row, left, fill);
                     std::memcpy(row + left, in + src + r * w, static_cast<size_t>(w) * sizeof(T));
                     std::fill_n(row + left + w, ow - w - left, fill);
                   }
                   std::fill_n(plane + (top + h) * ow, (oh - top - h) * ow, fill);
                 }
               });
  return out;
}

// 2-d interpolation of a contiguous [N, C, H, W] tensor, any mode, from the reference's
// plan (ops/interpolate.h): per plane, each input row resampled along W into a row buffer,
// then the output rows as weighted sums of those (contiguous, so vectorised by the
// compiler). Weights in T; the reference computes in float64, within T's rounding of it.
template <typename T>
Tensor interpolate_kernel(const Tensor& input, OptionalIntArrayRef size,
                          const std::optional<std::vector<double>>& scale_factor,
                          std::string_view mode, std::optional<bool> align_corners,
                          std::optional<std::string_view> coordinate_mode) {
  if (input.dim() != 4 || input.dtype() != dtype_of<T> || !input.is_contiguous() ||
      input.numel() == 0) {
    return ops::interpolate_op()
        .typed<Tensor(const Tensor&, OptionalIntArrayRef, const std::optional<std::vector<double>>&,
                      std::string_view, std::optional<bool>, std::optional<std::string_view>)>()
        .redispatch(kBackendReference, input, size, scale_factor, mode, align_corners,
                    coordinate_mode);
  }
  const auto plan =
      plan_interpolate(input, size, scale_factor, mode, align_corners, coordinate_mode);
  const ResampleTaps &ty = plan[0], &tx = plan[1];
  const int64_t h = ty.in, w = tx.in, oh = ty.out, ow = tx.out;
  const int64_t planes = input.size(0) * input.size(1);
  Tensor out =
      empty({input.size(0), input.size(1), oh, ow}, TensorOptions(dtype_of<T>, input.device()));
  const T* in = static_cast<const T*>(input.data_ptr());
  T* o = static_cast<T*>(out.data_ptr());
  const std::vector<T> wy(ty.weight.begin(), ty.weight.end()),
      wx(tx.weight.begin(), tx.weight.end());
  // One tap of weight 1 (nearest): a pick, no arithmetic.
  const auto picks = [](const ResampleTaps& r) {
    return r.taps == 1 &&
           std::all_of(r.weight.begin(), r.weight.end(), [](double v) { return v == 1; });
  };
  const bool x_pick = picks(tx), y_pick = picks(ty);
  const int64_t* ix = tx.index.data();
  parallel_for(0, planes, std::max<int64_t>(1, kGrainSize / (oh * ow * ty.taps * tx.taps)),
               [&](int64_t p0, int64_t p1) {
                 std::vector<T> rows(static_cast<size_t>(h * ow));  // input rows along ow
                 for (int64_t p = p0; p < p1; ++p) {
                   const T* plane = in + p * h * w;
                   for (int64_t i = 0; i < h; ++i) {
                     const T* src = plane + i * w;
                     T* dst = rows.data() + i * ow;
                     if (x_pick) {
                       for (int64_t j = 0; j < ow; ++j) dst[j] = src[ix[j]];
                       continue;
                     }
                     if (tx.taps == 2) {  // linear
                       for (int64_t j = 0; j < ow; ++j)
                         dst[j] = wx[j] * src[ix[j]] + wx[ow + j] * src[ix[ow + j]];
                       continue;
                     }
                     for (int64_t j = 0; j < ow; ++j) {
                       T acc = 0;
                       for (int64_t t = 0; t < tx.taps; ++t) {
                         const auto k = static_cast<size_t>(t * ow + j);
                         acc += wx[k] * src[tx.index[k]];
                       }
                       dst[j] = acc;
                     }
                   }
                   T* op = o + p * oh * ow;
                   for (int64_t i = 0; i < oh; ++i) {
                     T* dst = op + i * ow;
                     auto row = [&](int64_t t) {
                       return rows.data() + ty.index[static_cast<size_t>(t * oh + i)] * ow;
                     };
                     auto weight = [&](int64_t t) { return wy[static_cast<size_t>(t * oh + i)]; };
                     if (y_pick) {
                       std::memcpy(dst, row(0), static_cast<size_t>(ow) * sizeof(T));
                     } else if (ty.taps == 2) {  // linear: one pass
                       const T *s0 = row(0), *s1 = row(1);
                       const T w0 = weight(0), w1 = weight(1);
                       for (int64_t j = 0; j < ow; ++j) dst[j] = w0 * s0[j] + w1 * s1[j];
                     } else {
                       std::fill_n(dst, ow, T(0));
                       for (int64_t t = 0; t < ty.taps; ++t) {
                         const T wt = weight(t);
                         const T* src = row(t);
                         for (int64_t j = 0; j < ow; ++j) dst[j] += wt * src[j];
                       }
                     }
                   }
                 }
               });
  return out;
}

// grid_sample of a contiguous input and grid in T (the reference computes in float64), in
// parallel over output rows.
template <typename T>
Tensor grid_sample_kernel(const Tensor& input, const Tensor& grid, std::string_view mode,
                          std::string_view padding_mode, std::optional<bool> align_corners) {
  const GridSampleOptions o = check_grid_sample(input, grid, mode, padding_mode, align_corners);
  if (input.dtype() != dtype_of<T> || !input.is_contiguous() || !grid.is_contiguous()) {
    return ops::grid_sample_op()
        .typed<Tensor(const Tensor&, const Tensor&, std::string_view, std::string_view,
                      std::optional<bool>)>()
        .redispatch(kBackendReference, input, grid, mode, padding_mode, align_corners);
  }
  const int64_t n = input.size(0), c = input.size(1), h = input.size(2), w = input.size(3);
  const int64_t ho = grid.size(1), wo = grid.size(2);
  Tensor out = empty({n, c, ho, wo}, TensorOptions(dtype_of<T>, input.device()));
  const T* x = static_cast<const T*>(input.data_ptr());
  const T* g = static_cast<const T*>(grid.data_ptr());
  T* o_ = static_cast<T*>(out.data_ptr());
  parallel_for(
      0, n * ho, std::max<int64_t>(1, kGrainSize / std::max<int64_t>(1, wo * c)),
      [&](int64_t r0, int64_t r1) { grid_sample_rows<T>(x, g, o_, c, h, w, ho, wo, o, r0, r1); });
  return out;
}

}  // namespace

TSR_REGISTER {
  using F = DTypeList<DType::Float32, DType::Float64>;
  impl_for(ops::grid_sample_op(), kBackendCPU, F{},
           []<typename T>() { return &grid_sample_kernel<T>; });
  impl_for(ops::max_pool_op(), kBackendCPU, F{}, []<typename T>() { return &max_pool_kernel<T>; });
  impl_for(ops::avg_pool_op(), kBackendCPU, F{}, []<typename T>() { return &avg_pool_kernel<T>; });
  impl_for(ops::adaptive_avg_pool_op(), kBackendCPU, F{},
           []<typename T>() { return &adaptive_avg_kernel<T>; });
  impl_for(ops::adaptive_max_pool_op(), kBackendCPU, F{},
           []<typename T>() { return &adaptive_max_kernel<T>; });
  impl_for(ops::pad_op(), kBackendCPU, F{}, []<typename T>() { return &pad_kernel<T>; });
  impl_for(ops::interpolate_op(), kBackendCPU, F{},
           []<typename T>() { return &interpolate_kernel<T>; });
}

}  // namespace tessera::cpu
