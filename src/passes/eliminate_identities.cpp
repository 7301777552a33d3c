// No-op and identity removal: nodes whose output is their input, unchanged.
#include "passes/match.h"
#include "passes/passes.h"

namespace tessera::passes {
namespace {

// Whether the node's first output has the static shape of its first input (inference's
// types: the shape ops below then move no element).
bool same_static_shape(const ir::Node& n) {
  const auto in = n.input(0)->type().static_shape();
  const auto out = n.output()->type().static_shape();
  return in && out && *in == *out;
}

// The value n passes through unchanged, or null.
ir::Value* passed_through(const ir::Node& n) {
  const std::string& op = n.op_name();
  if (n.outputs().size() != 1 || n.inputs().empty()) return nullptr;
  ir::Value* x = n.input(0);
  if (op == "clone") return x;
  if (op == "dropout") {
    const auto train = literal_of(n, "train");
    return train && !train->to_bool() ? x : nullptr;
  }
  if (op == "cast") {
    const auto d = literal_of(n, "dtype");
    return d && x->type().dtype && d->to_dtype() == *x->type().dtype ? x : nullptr;
  }
  if (const auto p = permutation_of(n)) {
    for (size_t i = 0; i < p->size(); ++i) {
      if ((*p)[i] != static_cast<int64_t>(i)) return nullptr;
    }
    return x;
  }
  // Shape ops that leave a static shape as it is.
  if (op == "reshape" || op == "flatten.using_ints" || op == "expand" || op == "squeeze" ||
      op == "squeeze.dim") {
    return same_static_shape(n) ? x : nullptr;
  }
  if (op == "slice.Tensor") {  // the whole dim, forwards
    const auto step = literal_of(n, "step");
    return step && step->to_int() == 1 && same_static_shape(n) ? x : nullptr;
  }
  return nullptr;
}

}  // namespace

int eliminate_identities(ir::Graph& g) {
  int removed = 0;
  for (ir::Node* n : g.nodes()) {
    ir::Value* x = passed_through(*n);
    if (!x) continue;
    ir::Value* y = n->output();
    // A graph output stays computed when its input is a graph input or a constant (an
    // output is then never the caller's own tensor).
    if (x->producer() == nullptr && is_graph_output(y)) continue;
    // The output's type may be more precise (a declared symbol): the input keeps its own.
    y->replace_all_uses_with(x);
    g.erase(n);
    ++removed;
  }
  return removed;
}

}  // namespace tessera::passes
