// Constant folding: a node whose inputs are all constants runs once, now, and its results
// become constants (shape arithmetic on static shapes folds away this way).
#include "passes/passes.h"

namespace tessera::passes {

std::optional<std::vector<ir::Value*>> fold_constant(ir::Graph& g, ir::Node* n) {
  const auto& ins = n->inputs();
  if (!n->is_op() || ins.empty() ||
      !std::all_of(ins.begin(), ins.end(), [](const ir::Value* v) { return v->is_constant(); })) {
    return std::nullopt;
  }
  Stack stack = ir::node_arguments(*n, [](const ir::Value* v) { return v->constant(); });
  n->op().call_boxed(stack);
  const std::vector<Tensor> results = ir::node_results(*n, stack);
  // The constants take the outputs' places and then their names.
  std::vector<ir::Value*> constants;
  std::vector<std::string> names;
  for (size_t i = 0; i < results.size(); ++i) {
    ir::Value* out = n->output(static_cast<int>(i));
    names.push_back(out->name());
    constants.push_back(g.add_constant(g.fresh_name(out->name()), results[i]));
    out->replace_all_uses_with(constants.back());
  }
  g.erase(n);
  for (size_t i = 0; i < constants.size(); ++i) g.rename(constants[i], names[i]);
  return constants;
}

int fold_constants(ir::Graph& g) {
  int folded = 0;
  for (ir::Node* n : g.nodes()) folded += fold_constant(g, n) ? 1 : 0;
  return folded;
}

}  // namespace tessera::passes
