// grid_sample: each output point reads the input at a location the grid gives in [-1, 1]
// coordinates (PyTorch's torch.nn.functional.grid_sample and ONNX's GridSample, 2-d).
// Schema and reference kernel, computed in float64 and rounded once.
#include "ops/grid_sample.h"
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

template <typename T>
Tensor grid_sample_kernel(const Tensor& input, const Tensor& grid, std::string_view mode,
                          std::string_view padding_mode, std::optional<bool> align_corners) {
  const GridSampleOptions o = check_grid_sample(input, grid, mode, padding_mode, align_corners);
  const int64_t n = input.size(0), c = input.size(1), h = input.size(2), w = input.size(3);
  const int64_t ho = grid.size(1), wo = grid.size(2);
  const Tensor x = cast(input, DType::Float64).contiguous();
  const Tensor g = cast(grid, DType::Float64).contiguous();
  Tensor out = empty({n, c, ho, wo}, DType::Float64);
  grid_sample_rows<double>(x.data<double>(), g.data<double>(), out.data<double>(), c, h, w, ho, wo,
                           o, 0, n * ho);
  return cast(out, dtype_of<T>);
}

}  // namespace

GridSampleOptions check_grid_sample(const Tensor& input, const Tensor& grid, std::string_view mode,
                                    std::string_view padding_mode,
                                    std::optional<bool> align_corners) {
  TSR_CHECK(input.dim() == 4, "grid_sample: expected a 4-D input [N, C, H, W], got ", input.dim(),
            "-D");
  TSR_CHECK(grid.dim() == 4 && grid.size(3) == 2,
            "grid_sample: expected a grid of shape [N, H_out, W_out, 2], got ", grid.sizes());
  TSR_CHECK(grid.size(0) == input.size(0), "grid_sample: the grid's batch (", grid.size(0),
            ") differs from the input's (", input.size(0), ")");
  TSR_CHECK(grid.dtype() == input.dtype(),
            "grid_sample: expected input and grid of one dtype, got ", input.dtype(), " and ",
            grid.dtype());
  TSR_CHECK(input.size(2) > 0 && input.size(3) > 0,
            "grid_sample: the input's spatial dims are empty");
  GridSampleOptions o{};
  if (mode == "bilinear") {
    o.mode = GridMode::Bilinear;
  } else if (mode == "nearest") {
    o.mode = GridMode::Nearest;
  } else if (mode == "bicubic") {
    o.mode = GridMode::Bicubic;
  } else {
    detail::throw_error<Error>("grid_sample: mode must be bilinear, nearest or bicubic, got '",
                               mode, "'");
  }
  if (padding_mode == "zeros") {
    o.padding = GridPadding::Zeros;
  } else if (padding_mode == "border") {
    o.padding = GridPadding::Border;
  } else if (padding_mode == "reflection") {
    o.padding = GridPadding::Reflection;
  } else {
    detail::throw_error<Error>(
        "grid_sample: padding_mode must be zeros, border or reflection, got '", padding_mode, "'");
  }
  o.align = align_corners.value_or(false);
  return o;
}

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
