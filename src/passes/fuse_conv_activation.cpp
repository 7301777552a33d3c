// Convolution + activation -> convolution_activation, so the backend applies the activation
// while the output is in cache (oneDNN post-ops, the cpu's direct convolutions).
#include <cmath>

#include "passes/match.h"
#include "passes/passes.h"

namespace tessera::passes {
namespace {

// The activation a node applies, as convolution_activation's (activation, params), when its
// parameters are literals; nullopt otherwise.
std::optional<std::pair<std::string, std::vector<double>>> activation_of(const ir::Node& n) {
  const std::string& op = n.op_name();
  const auto bound = [&](const char* arg, double none) -> std::optional<double> {
    const int i = n.schema().find_argument(arg);
    const std::optional<ir::Arg>& a = n.arg(i);
    if (!a) {
      const auto& d = n.schema().arguments[static_cast<size_t>(i)].default_value;
      return d->is_none() ? none : d->to_scalar().to<double>();
    }
    if (a->kind != ir::Arg::Kind::Literal) return std::nullopt;
    return a->literal.is_none() ? none : a->literal.to_scalar().to<double>();
  };
  if (op == "relu") return std::pair{std::string("relu"), std::vector<double>{}};
  if (op == "clamp" || op == "hardtanh") {
    const bool c = op == "clamp";
    const auto lo = bound(c ? "min" : "min_val", -INFINITY);
    const auto hi = bound(c ? "max" : "max_val", INFINITY);
    if (!lo || !hi) return std::nullopt;
    return std::pair{std::string("clamp"), std::vector<double>{*lo, *hi}};
  }
  if (op == "leaky_relu") {
    const auto slope = bound("negative_slope", 0.01);
    if (!slope) return std::nullopt;
    return std::pair{std::string("leaky_relu"), std::vector<double>{*slope}};
  }
  return std::nullopt;
}

}  // namespace

int fuse_conv_activation(ir::Graph& g) {
  // The pairs first: fusing erases nodes a walk over g.nodes() would still visit.
  std::vector<ir::Node*> convs;
  for (ir::Node* n : g.nodes()) {
    if (n->op_name() == "convolution") convs.push_back(n);
  }
  int fused = 0;
  for (ir::Node* conv : convs) {
    ir::Value* y = conv->output();
    if (y->uses().size() != 1 || is_graph_output(y)) continue;
    ir::Node* act_node = y->uses()[0].node;
    const auto act = activation_of(*act_node);
    const auto transposed = literal_of(*conv, "transposed");
    const auto stride = literal_of(*conv, "stride"), padding = literal_of(*conv, "padding"),
               dilation = literal_of(*conv, "dilation"), groups = literal_of(*conv, "groups");
    if (!act || !transposed || transposed->to_bool() || !stride || !padding || !dilation ||
        !groups || act_node->input(0) != y) {
      continue;
    }
    ir::Value* bias = nullptr;
    if (const auto& b = conv->arg(conv->schema().find_argument("bias"));
        b && b->kind == ir::Arg::Kind::Value) {
      bias = conv->input(b->first);
    }
    replace_pattern(g, act_node, "convolution_activation",
                    {conv->input(0), conv->input(1), bias ? ir::Input(bias) : IValue(), *stride,
                     *padding, *dilation, *groups, IValue(act->first), IValue(act->second)},
                    {conv, act_node});
    ++fused;
  }
  return fused;
}

}  // namespace tessera::passes
