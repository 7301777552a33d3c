// Common-subexpression elimination: a node computing what an earlier node computes (the same
// op on the same values and literals) is replaced by the earlier node's outputs.
#include <sstream>
#include <unordered_map>

#include "passes/passes.h"

namespace tessera::passes {
namespace {

// What a node computes, as a string: op, outputs, and each argument's binding.
std::string key_of(const ir::Node& n) {
  std::ostringstream k;
  k << n.op_name() << '/' << n.outputs().size();
  for (int i = 0; i < n.num_args(); ++i) {
    const std::optional<ir::Arg>& a = n.arg(i);
    k << '|';
    if (!a) continue;
    switch (a->kind) {
      case ir::Arg::Kind::Literal:
        k << 'L' << a->literal.kind() << ':' << a->literal;
        break;
      case ir::Arg::Kind::Value:
      case ir::Arg::Kind::ValueList:
        k << 'V' << a->element;
        for (int j = 0; j < a->count; ++j) k << ',' << n.input(a->first + j);
        break;
    }
  }
  return k.str();
}

}  // namespace

int eliminate_common_subexpressions(ir::Graph& g) {
  std::unordered_map<std::string, ir::Node*> seen;
  int removed = 0;
  for (ir::Node* n : g.nodes()) {
    // dropout draws random numbers when training: two of them differ. Control flow is
    // never merged: two nodes with the same inputs may hold different blocks.
    if (n->op_name() == "dropout" || !n->is_op()) continue;
    const auto [it, fresh] = seen.emplace(key_of(*n), n);
    if (fresh) continue;
    for (size_t i = 0; i < n->outputs().size(); ++i) {
      n->outputs()[i]->replace_all_uses_with(it->second->outputs()[i]);
    }
    g.erase(n);
    ++removed;
  }
  return removed;
}

}  // namespace tessera::passes
