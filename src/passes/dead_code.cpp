// Dead-code elimination: nodes whose outputs nobody reads, last to first, then constants.
#include <algorithm>

#include "passes/match.h"
#include "passes/passes.h"

namespace tessera::passes {

int eliminate_dead_code(ir::Graph& g) {
  int removed = 0;
  const std::vector<ir::Node*> nodes = g.nodes();
  for (auto it = nodes.rbegin(); it != nodes.rend(); ++it) {
    ir::Node* n = *it;
    const bool live = std::any_of(n->outputs().begin(), n->outputs().end(), [&](ir::Value* v) {
      return !v->uses().empty() || is_graph_output(v);
    });
    if (live) continue;
    g.erase(n);
    ++removed;
  }
  const std::vector<ir::Value*> constants = g.constants();
  for (ir::Value* c : constants) {
    if (c->uses().empty() && !is_graph_output(c)) g.erase_value(c);
  }
  return removed;
}

}  // namespace tessera::passes
