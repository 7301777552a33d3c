// MatMul + Add -> Gemm: add(matmul(x, W), b) with W a constant [K, N] and b a constant of N
// elements (shaped [N] or [1, ..., N], so the add broadcasts nothing new) becomes one
// linear(x, W^T, b), whose backend adds the bias inside the GEMM.
#include "passes/match.h"
#include "passes/passes.h"

namespace tessera::passes {

int fuse_matmul_add(ir::Graph& g) {
  int fused = 0;
  for (ir::Node* add : g.nodes()) {
    if (add->op_name() != "add.Tensor" || add->inputs().size() != 2) continue;
    const auto alpha = literal_of(*add, "alpha");
    if (!alpha || alpha->to_scalar().to<double>() != 1.0) continue;
    // Either operand may be the product.
    for (int side = 0; side < 2; ++side) {
      ir::Node* mm = add->input(side)->producer();
      const ir::Value* b = add->input(1 - side);
      if (mm == nullptr || mm->op_name() != "matmul" || !b->is_constant()) continue;
      const ir::Value* y = mm->output();
      if (y->uses().size() != 1 || is_graph_output(y)) continue;
      const ir::Value* w = mm->input(1);
      const auto& xs = mm->input(0)->type().shape;
      if (!w->is_constant() || w->constant().dim() != 2 || !xs || xs->empty() || !y->type().shape) {
        continue;
      }
      const Tensor& wt = w->constant();
      const Tensor& bias = b->constant();
      const int64_t n = wt.size(1);
      bool row = bias.numel() == n && bias.dim() >= 1 && bias.dtype() == wt.dtype() &&
                 bias.dim() <= static_cast<int64_t>(y->type().shape->size());
      for (int64_t d = 0; row && d + 1 < bias.dim(); ++d) row = bias.size(d) == 1;
      if (!row || !add->output()->type().shape || add->output()->type() != y->type()) continue;
      ir::Value* weight =
          g.add_constant(g.fresh_name(w->name() + ".t"), wt.transpose(0, 1).contiguous());
      ir::Value* bias_row = g.add_constant(g.fresh_name(b->name() + ".row"), bias.reshape({n}));
      replace_pattern(g, add, "linear", {mm->input(0), weight, bias_row}, {mm, add});
      ++fused;
      break;
    }
  }
  return fused;
}

}  // namespace tessera::passes
