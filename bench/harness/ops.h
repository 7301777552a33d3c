// The op catalogue of the benchmark: how each op is called, and its work (FLOPs, bytes).
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tessera.h"

namespace tessera::bench {

/// How the op's work is counted: FLOPs per output element, per input element, or 2*M*N*K.
enum class Cost { Elementwise, Reduction, Matmul, Linear, Conv, Attention };

struct OpInfo {
  std::string name;                 // as in specs and runners: "add"
  std::string dispatch;             // tessera op: "add.Tensor"
  int arity;                        // number of tensor inputs
  std::vector<std::string> params;  // accepted params: "dim", "keepdim", "to"
  Cost cost;
  bool chainable;  // output has input 0's shape and dtype
  std::vector<std::optional<DType>>
      inputs;  // a fixed dtype per input (where's condition), else the config's
};

/// Every op the harness knows, in a fixed order.
const std::vector<OpInfo>& all_ops();
/// Throws tessera::Error listing the known ops if name is not one.
const OpInfo& op_info(std::string_view name);

/// The arguments of a tessera call: inputs, then params as keyword arguments.
Stack bind_call(const OpInfo& op, const std::vector<Tensor>& inputs, const nlohmann::json& params);
/// Floating-point operations of one call (counted as the FLOP-ish unit of the op family).
double flops(const OpInfo& op, const std::vector<Tensor>& inputs, const Tensor& output);
/// Bytes read and written by one call, at one touch per element.
double bytes(const std::vector<Tensor>& inputs, const Tensor& output);

}  // namespace tessera::bench
