// LayerNorm pattern fusion: the decomposition exporters write (ONNX before opset 17 has no
// LayerNormalization) becomes layer_norm:
//
//   m = mean(x, D, keepdim)   d = x - m   v = mean(d^2 or d*d, D, keepdim)
//   y = d / sqrt(v + eps) [* gamma] [+ beta]   ->   layer_norm(x, shape of D, gamma, beta, eps)
//
// D must be x's last dims, every intermediate used only inside the pattern.
#include "passes/match.h"
#include "passes/passes.h"

namespace tessera::passes {
namespace {

// The reduced dims of a mean(x, D, keepdim=True) as x's last k dims: k, or 0 when not.
int64_t trailing_mean(const ir::Node& m, const ir::Value* x) {
  const auto dims = literal_of(m, "dim"), keep = literal_of(m, "keepdim");
  const auto dtype = literal_of(m, "dtype");
  if (m.input(0) != x || !dims || dims->is_none() || !keep || !keep->to_bool() || !dtype ||
      !(dtype->is_none() || (x->type().dtype && dtype->to_dtype() == *x->type().dtype)) ||
      !x->type().shape) {
    return 0;
  }
  const auto rank = static_cast<int64_t>(x->type().shape->size());
  std::vector<int64_t> d = dims->to_int_list();
  for (int64_t& k : d) k = k < 0 ? k + rank : k;
  std::sort(d.begin(), d.end());
  const auto k = static_cast<int64_t>(d.size());
  for (int64_t i = 0; i < k; ++i) {
    if (d[static_cast<size_t>(i)] != rank - k + i) return 0;
  }
  return k;
}

// A layer norm ending in div node n; true when fused.
bool fuse_layer_norm_at(ir::Graph& g, ir::Node* div) {
  if (div->op_name() != "div.Tensor_mode" || !plain(*div)) return false;
  ir::Value* d = div->input(0);
  ir::Node* sub = d->producer();
  ir::Node* sq = only_use_of(div->input(1), "sqrt");
  if (!sub || sub->op_name() != "sub.Tensor" || !plain(*sub) || !sq) return false;
  ir::Value* x = sub->input(0);
  ir::Node* m = only_use_of(sub->input(1), "mean");
  ir::Node* a = only_use_of(sq->input(0), "add.Tensor");
  if (!m || !a || !plain(*a)) return false;
  const int64_t k = trailing_mean(*m, x);
  if (k == 0) return false;
  // v + eps, either way round.
  ir::Node* var = nullptr;
  std::optional<double> eps;
  for (int side = 0; side < 2 && !var; ++side) {
    eps = scalar_constant(a->input(1 - side));
    if (eps) var = only_use_of(a->input(side), "mean");
  }
  if (!var || trailing_mean(*var, var->input(0)) != k) return false;
  ir::Node* p = var->input(0)->producer();
  if (!p || var->input(0)->uses().size() != 1) return false;
  const bool squared = (p->op_name() == "pow.Tensor_Tensor" && p->input(0) == d &&
                        scalar_constant(p->input(1)) == 2.0) ||
                       (p->op_name() == "mul.Tensor" && p->input(0) == d && p->input(1) == d);
  // d's uses: the square (once, or twice as d * d) and the division; nothing outside.
  const size_t d_uses = p->op_name() == "mul.Tensor" ? 3 : 2;
  if (!squared || d->uses().size() != d_uses || is_graph_output(d)) {
    return false;
  }
  const auto& shape = *x->type().shape;
  std::vector<int64_t> normalized;
  for (size_t i = shape.size() - static_cast<size_t>(k); i < shape.size(); ++i) {
    if (!shape[i].is_static()) return false;
    normalized.push_back(shape[i].size);
  }
  std::vector<ir::Node*> pattern{m, sub, p, var, a, sq, div};
  // An affine part: * gamma, then + beta, constants of the normalized shape.
  ir::Node* last = div;
  ir::Value* gamma = nullptr;
  ir::Value* beta = nullptr;
  const auto affine = [&](const ir::Node* n, const ir::Value* from) -> ir::Value* {
    ir::Value* c = other_input(*n, from);
    if (!c || !c->is_constant() || c->constant().dtype() != x->type().dtype ||
        c->constant().dim() != k) {
      return nullptr;
    }
    for (int64_t i = 0; i < k; ++i) {
      if (c->constant().size(i) != normalized[static_cast<size_t>(i)]) return nullptr;
    }
    return c;
  };
  if (div->output()->uses().size() == 1) {
    ir::Node* mul = div->output()->uses()[0].node;
    if (!is_graph_output(div->output()) && mul->op_name() == "mul.Tensor" &&
        (gamma = affine(mul, div->output()))) {
      pattern.push_back(mul);
      last = mul;
      if (mul->output()->uses().size() == 1 && !is_graph_output(mul->output())) {
        ir::Node* add = mul->output()->uses()[0].node;
        if (add->op_name() == "add.Tensor" && plain(*add) && (beta = affine(add, mul->output()))) {
          pattern.push_back(add);
          last = add;
        }
      }
    }
  }
  replace_pattern(g, last, "layer_norm",
                  {x, IValue(normalized), gamma ? ir::Input(gamma) : IValue(),
                   beta ? ir::Input(beta) : IValue(), IValue(*eps)},
                  pattern);
  return true;
}

}  // namespace

int fuse_layer_norm(ir::Graph& g) {
  int fused = 0;
  for (ir::Node* n : anchors(g, "div.Tensor_mode")) fused += fuse_layer_norm_at(g, n) ? 1 : 0;
  return fused;
}

}  // namespace tessera::passes
