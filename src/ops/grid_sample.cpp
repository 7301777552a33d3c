// grid_sample: each output point reads the input at a location the grid gives in [-1, 1]
// coordinates (PyTorch's torch.nn.functional.grid_sample and ONNX's GridSample, 2-d).
// Schema and reference kernel, computed in float64 and rounded once.
#include <array>
#include <cmath>

#include "api/functions.h"
#include "core/factories.h"
#include "dispatch/registration.h"
#include "ops/handles.h"

namespace tessera {
namespace ops {
TSR_OP(grid_sample,
       "grid_sample(Tensor input, Tensor grid, str mode='bilinear', str padding_mode='zeros', "
       "bool? align_corners=None) -> Tensor",
       OpOptions{.dispatch_dtype_args = {0, 1}})
}  // namespace ops
using namespace ops;

namespace {

enum class Padding : uint8_t { Zeros, Border, Reflection };

// A grid coordinate in [-1, 1] as an input coordinate: -1 and 1 are the centres of the
// corner pixels (align_corners) or their outer edges.
double unnormalize(double c, int64_t size, bool align) {
  const auto s = static_cast<double>(size);
  return align ? (c + 1) / 2 * (s - 1) : ((c + 1) * s - 1) / 2;
}

// x reflected into [low, high] (given doubled, so half-pixel bounds stay integers).
double reflect(double x, int64_t twice_low, int64_t twice_high) {
  if (twice_low == twice_high) return 0;
  const double low = static_cast<double>(twice_low) / 2;
  const double span = static_cast<double>(twice_high - twice_low) / 2;
  x = std::fabs(x - low);
  const double extra = std::fmod(x, span);
  const auto flips = static_cast<int64_t>(std::floor(x / span));
  return flips % 2 == 0 ? extra + low : span - extra + low;
}

// The coordinate the padding mode reads for x: clamped (border), reflected then clamped
// (reflection), or as it is (zeros: reads outside are 0).
double padded(double x, int64_t size, Padding p, bool align) {
  const double last = static_cast<double>(size - 1);
  if (p == Padding::Border) return std::clamp(x, 0.0, last);
  if (p == Padding::Reflection) {
    x = align ? reflect(x, 0, 2 * (size - 1)) : reflect(x, -1, 2 * size - 1);
    return std::clamp(x, 0.0, last);
  }
  return x;
}

// Keys' cubic convolution weights (A = -0.75) of the taps at -1, 0, 1, 2 from floor(x),
// t = x - floor(x).
std::array<double, 4> cubic_weights(double t) {
  constexpr double A = -0.75;
  const auto near = [](double x) { return ((A + 2) * x - (A + 3)) * x * x + 1; };
  const auto far = [](double x) { return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A; };
  return {far(t + 1), near(t), near(1 - t), far(2 - t)};
}

template <typename T>
Tensor grid_sample_kernel(const Tensor& input, const Tensor& grid, std::string_view mode,
                          std::string_view padding_mode, std::optional<bool> align_corners) {
  TSR_CHECK(input.dim() == 4, "grid_sample: expected a 4-D input [N, C, H, W], got ", input.dim(),
            "-D");
  TSR_CHECK(grid.dim() == 4 && grid.size(3) == 2,
            "grid_sample: expected a grid of shape [N, H_out, W_out, 2], got ", grid.sizes());
  TSR_CHECK(grid.size(0) == input.size(0), "grid_sample: the grid's batch (", grid.size(0),
            ") differs from the input's (", input.size(0), ")");
  TSR_CHECK(grid.dtype() == input.dtype(),
            "grid_sample: expected input and grid of one dtype, got ", input.dtype(), " and ",
            grid.dtype());
  TSR_CHECK(mode == "bilinear" || mode == "nearest" || mode == "bicubic",
            "grid_sample: mode must be bilinear, nearest or bicubic, got '", mode, "'");
  TSR_CHECK(padding_mode == "zeros" || padding_mode == "border" || padding_mode == "reflection",
            "grid_sample: padding_mode must be zeros, border or reflection, got '", padding_mode,
            "'");
  TSR_CHECK(input.size(2) > 0 && input.size(3) > 0,
            "grid_sample: the input's spatial dims are empty");
  const Padding pad = padding_mode == "zeros"    ? Padding::Zeros
                      : padding_mode == "border" ? Padding::Border
                                                 : Padding::Reflection;
  const bool align = align_corners.value_or(false);
  const int64_t n = input.size(0), c = input.size(1), h = input.size(2), w = input.size(3);
  const int64_t ho = grid.size(1), wo = grid.size(2);
  const Tensor x = cast(input, DType::Float64).contiguous();
  const Tensor g = cast(grid, DType::Float64).contiguous();
  Tensor out = empty({n, c, ho, wo}, DType::Float64);
  const double* px = x.data<double>();
  const double* pg = g.data<double>();
  double* po = out.data<double>();
  // input[b, ch, yi, xi], or 0 outside.
  auto at = [&](int64_t b, int64_t ch, int64_t yi, int64_t xi) {
    if (yi < 0 || yi >= h || xi < 0 || xi >= w) return 0.0;
    return px[((b * c + ch) * h + yi) * w + xi];
  };
  for (int64_t b = 0; b < n; ++b) {
    for (int64_t i = 0; i < ho; ++i) {
      for (int64_t j = 0; j < wo; ++j) {
        const double* q = pg + ((b * ho + i) * wo + j) * 2;
        double* o = po + b * c * ho * wo + i * wo + j;
        if (mode == "bicubic") {
          // Taps around the unpadded location; each tap's coordinate padded on its own.
          const double ix = unnormalize(q[0], w, align), iy = unnormalize(q[1], h, align);
          const double fx = std::floor(ix), fy = std::floor(iy);
          const auto wx = cubic_weights(ix - fx), wy = cubic_weights(iy - fy);
          for (int64_t ch = 0; ch < c; ++ch) {
            double sum = 0;
            for (int r = 0; r < 4; ++r) {
              const auto yi = static_cast<int64_t>(padded(fy - 1 + r, h, pad, align));
              double row = 0;
              for (int k = 0; k < 4; ++k) {
                const auto xi = static_cast<int64_t>(padded(fx - 1 + k, w, pad, align));
                row += wx[static_cast<size_t>(k)] * at(b, ch, yi, xi);
              }
              sum += wy[static_cast<size_t>(r)] * row;
            }
            o[ch * ho * wo] = sum;
          }
          continue;
        }
        const double ix = padded(unnormalize(q[0], w, align), w, pad, align);
        const double iy = padded(unnormalize(q[1], h, align), h, pad, align);
        if (mode == "nearest") {  // half to even, as std::nearbyint rounds by default
          const auto xi = static_cast<int64_t>(std::nearbyint(ix));
          const auto yi = static_cast<int64_t>(std::nearbyint(iy));
          for (int64_t ch = 0; ch < c; ++ch) o[ch * ho * wo] = at(b, ch, yi, xi);
          continue;
        }
        const double fx = std::floor(ix), fy = std::floor(iy);
        const double tx = ix - fx, ty = iy - fy;
        const auto x0 = static_cast<int64_t>(fx), y0 = static_cast<int64_t>(fy);
        for (int64_t ch = 0; ch < c; ++ch) {
          o[ch * ho * wo] =
              (1 - ty) * ((1 - tx) * at(b, ch, y0, x0) + tx * at(b, ch, y0, x0 + 1)) +
              ty * ((1 - tx) * at(b, ch, y0 + 1, x0) + tx * at(b, ch, y0 + 1, x0 + 1));
        }
      }
    }
  }
  return cast(out, dtype_of<T>);
}

}  // namespace

TSR_REGISTER {
  impl_for(grid_sample_op(), kBackendReference, FloatingDTypes{},
           []<typename T>() { return &grid_sample_kernel<T>; });
}

Tensor grid_sample(const Tensor& input, const Tensor& grid, std::string_view mode,
                   std::string_view padding_mode, std::optional<bool> align_corners) {
  static const auto op = grid_sample_op()
                             .typed<Tensor(const Tensor&, const Tensor&, std::string_view,
                                           std::string_view, std::optional<bool>)>();
  return op.call(input, grid, mode, padding_mode, align_corners);
}

}  // namespace tessera
