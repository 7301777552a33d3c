// Transpose and reshape cancellation: a permute of a permute is one permute (none when the
// two undo each other), a reshape of a reshaped value reshapes the original, and squeezing
// the dim just unsqueezed gives the original back. What the rewritten nodes no longer
// read is left to dead-code elimination.
#include "passes/match.h"
#include "passes/passes.h"

namespace tessera::passes {
namespace {

bool reshapes(const ir::Node& n) {
  const std::string& op = n.op_name();
  return op == "reshape" || op == "flatten.using_ints" || op == "squeeze" || op == "squeeze.dim" ||
         op == "unsqueeze";
}

// Replaces n by a value that computes what it does (erasing n).
void replace(ir::Graph& g, ir::Node* n, ir::Value* by) {
  n->output()->replace_all_uses_with(by);
  g.erase(n);
}

}  // namespace

int cancel_transposes(ir::Graph& g) {
  int rewritten = 0;
  for (ir::Node* n : g.nodes()) {
    ir::Node* inner = n->inputs().empty() ? nullptr : n->input(0)->producer();
    if (inner == nullptr) continue;
    const bool is_output = is_graph_output(n->output());
    if (const auto outer = permutation_of(*n)) {
      const auto first = permutation_of(*inner);
      if (!first) continue;
      std::vector<int64_t> both;
      bool identity = true;
      for (size_t i = 0; i < outer->size(); ++i) {
        both.push_back((*first)[static_cast<size_t>((*outer)[i])]);
        identity = identity && both.back() == static_cast<int64_t>(i);
      }
      ir::Value* x = inner->input(0);
      if (identity) {
        if (is_output && x->producer() == nullptr) continue;  // see eliminate_identities
        replace(g, n, x);
      } else {
        replace_pattern(g, n, "permute", {x, IValue(both)}, {n});
      }
      ++rewritten;
      continue;
    }
    const std::string& op = n->op_name();
    if (op == "reshape" && literal_of(*n, "shape") && reshapes(*inner)) {
      n->replace_input(0, inner->input(0));
      ++rewritten;
      continue;
    }
    if (op == "squeeze.dim" && inner->op_name() == "unsqueeze") {
      const auto& shape = n->input(0)->type().shape;
      const auto a = literal_of(*n, "dim"), b = literal_of(*inner, "dim");
      if (!shape || !a || !b) continue;
      const auto rank = static_cast<int64_t>(shape->size());
      const auto norm = [rank](int64_t d) { return d < 0 ? d + rank : d; };
      ir::Value* x = inner->input(0);
      if (norm(a->to_int()) != norm(b->to_int()) || (is_output && x->producer() == nullptr)) {
        continue;
      }
      replace(g, n, x);
      ++rewritten;
    }
  }
  return rewritten;
}

}  // namespace tessera::passes
