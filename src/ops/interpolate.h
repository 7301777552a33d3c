// The sampling plan of interpolate, shared by its reference kernel and the cpu kernel.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "core/tensor.h"

namespace tessera {

/// One spatial dim of an interpolation: output position j reads input positions
/// index[t * out + j] with weights weight[t * out + j], for t < taps (1 for nearest, 2 for
/// linear, 4 for cubic); indices are clamped to the input.
struct ResampleTaps {
  int64_t in = 0, out = 0, taps = 1;
  std::vector<int64_t> index;
  std::vector<double> weight;
};

/// Checks interpolate's arguments (throwing its errors) and returns the taps of each
/// spatial dim of input ([N, C, *]), first to last.
std::vector<ResampleTaps> plan_interpolate(const Tensor& input, OptionalIntArrayRef size,
                                           const std::optional<std::vector<double>>& scale_factor,
                                           std::string_view mode, std::optional<bool> align_corners,
                                           std::optional<std::string_view> coordinate_mode);

}  // namespace tessera
