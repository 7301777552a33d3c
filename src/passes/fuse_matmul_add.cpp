// MatMul + Add -> Gemm: add(matmul(x, W), b) with W a constant [K, N] and b a constant of N
// elements (shaped [N] or [1, ..., N], so the add broadcasts nothing new) becomes one
// linear(x, W^T, b), whose backend adds the bias inside the GEMM.
#include "passes/passes.h"

namespace tessera::passes {

int fuse_matmul_add(ir::Graph& g) {
  int fused = 0;
  for (ir::Node* add : g.nodes()) {
    if (add->op().name() != "add.Tensor" || add->inputs().size() != 2) continue;
    const std::optional<ir::Arg>& alpha = add->arg(add->schema().find_argument("alpha"));
    if (alpha &&
        (alpha->kind != ir::Arg::Kind::Literal || alpha->literal.to_scalar().to<double>() != 1.0)) {
      continue;
    }
    // Either operand may be the product.
    for (int side = 0; side < 2; ++side) {
      ir::Node* mm = add->input(side)->producer();
      const ir::Value* b = add->input(1 - side);
      if (mm == nullptr || mm->op().name() != "matmul" || !b->is_constant()) continue;
      const ir::Value* y = mm->output();
      const auto& outs = g.outputs();
      if (y->uses().size() != 1 || std::find(outs.begin(), outs.end(), y) != outs.end()) continue;
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
      g.set_insertion_point(add);
      ir::Node* f = g.create("linear", {mm->input(0), weight, bias_row});
      g.set_insertion_point(nullptr);
      f->set_name(mm->name());
      ir::Value* out = add->output();
      const std::string name = out->name();
      f->output()->set_type(out->type());
      out->replace_all_uses_with(f->output());
      g.erase(add);
      g.erase(mm);
      g.rename(f->output(), name);
      ++fused;
      break;
    }
  }
  return fused;
}

}  // namespace tessera::passes
