// Reading the PyTorch reference cases written by tests/reference/make_torch_cases.py.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "tessera.h"

namespace tessera::testing {

/// The parsed case file; the path comes from $TESSERA_TORCH_CASES (set by ctest).
const nlohmann::json& torch_cases();
/// A tensor from its JSON form ({"dtype", "shape", "data", optional "layout"}).
Tensor decode_tensor(const nlohmann::json& j);
/// An argument from its JSON form (see make_torch_cases.py).
IValue decode_arg(const nlohmann::json& j);
/// Empty if actual matches expected within the dtype's tolerance (DESIGN.md), else why not.
std::string compare_tensors(const Tensor& actual, const Tensor& expected);

}  // namespace tessera::testing
