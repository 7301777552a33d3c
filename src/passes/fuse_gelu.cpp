// GELU pattern fusion: the decomposition exporters write (ONNX has no Gelu before opset
// 20), x * (1 + erf(x / sqrt(2))) * 0.5 with the products in either association (and
// x * (1 / sqrt(2)) for the division), becomes gelu(x).
#include <cmath>

#include "passes/match.h"
#include "passes/passes.h"

namespace tessera::passes {
namespace {

// A GELU around erf node e; true when fused.
bool fuse_gelu_at(ir::Graph& g, ir::Node* e) {
  if (e->op_name() != "erf" || e->output()->uses().size() != 1) return false;
  // u = x / sqrt(2) or x * (1 / sqrt(2)).
  ir::Node* u = e->input(0)->producer();
  if (!u || e->input(0)->uses().size() != 1 || !plain(*u)) return false;
  const auto c = scalar_constant(u->input(1));
  const bool scaled = c && ((u->op_name() == "div.Tensor_mode" && std::abs(*c - M_SQRT2) < 1e-6) ||
                            (u->op_name() == "mul.Tensor" && std::abs(*c - M_SQRT1_2) < 1e-6));
  if (!scaled) return false;
  ir::Value* x = u->input(0);
  ir::Node* plus = e->output()->uses()[0].node;
  const ir::Value* one = other_input(*plus, e->output());
  if (plus->op_name() != "add.Tensor" || !plain(*plus) || !one || scalar_constant(one) != 1.0 ||
      plus->output()->uses().size() != 1) {
    return false;
  }
  if (is_graph_output(e->output()) || is_graph_output(plus->output())) return false;
  // The product of x, (1 + erf) and 0.5 in two multiplications, either association.
  ir::Node* m1 = plus->output()->uses()[0].node;
  if (m1->op_name() != "mul.Tensor") return false;
  ir::Value* f = other_input(*m1, plus->output());
  std::vector<ir::Node*> pattern{u, e, plus};
  ir::Node* last = nullptr;
  if (f == x) {  // (x * (1 + erf)) * 0.5
    if (m1->output()->uses().size() != 1 || is_graph_output(m1->output())) return false;
    ir::Node* m2 = m1->output()->uses()[0].node;
    if (m2->op_name() != "mul.Tensor" || scalar_constant(other_input(*m2, m1->output())) != 0.5)
      return false;
    pattern.insert(pattern.end(), {m1, m2});
    last = m2;
  } else if (ir::Node* h = f ? only_use_of(f, "mul.Tensor") : nullptr;
             h && other_input(*h, x) &&
             scalar_constant(other_input(*h, x)) == 0.5) {  // (x * 0.5) * (1 + erf)
    pattern.insert(pattern.begin(), h);
    pattern.push_back(m1);
    last = m1;
  } else {
    return false;
  }
  // In graph order, so that replace_with erases users before what they read.
  const auto nodes = g.nodes();
  const auto at = [&](const ir::Node* n) { return std::find(nodes.begin(), nodes.end(), n); };
  std::sort(pattern.begin(), pattern.end(),
            [&](const ir::Node* a, const ir::Node* b) { return at(a) < at(b); });
  replace_pattern(g, last, "gelu", {x}, pattern);
  return true;
}

}  // namespace

int fuse_gelu(ir::Graph& g) {
  int fused = 0;
  for (ir::Node* n : anchors(g, "erf")) fused += fuse_gelu_at(g, n) ? 1 : 0;
  return fused;
}

}  // namespace tessera::passes
