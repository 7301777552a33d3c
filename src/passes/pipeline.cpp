// The optimisation levels: which passes run, in which order.
#include "ir/verify.h"
#include "passes/passes.h"

namespace tessera::passes {

Level parse_level(std::string_view s) {
  if (s == "none") return Level::None;
  if (s == "basic") return Level::Basic;
  if (s == "all") return Level::All;
  detail::throw_error<Error>("optimize: level must be none, basic or all, not '", s, "'");
}

void optimize(ir::Graph& g, Level level) {
  if (level == Level::None) return;
  for (const ir::Node* n : g.nodes()) {  // blocks first: their types give the node's
    for (const auto& b : n->blocks()) optimize(*b, level);
  }
  infer_types(g);
  fold_constants(g);
  eliminate_identities(g);
  cancel_transposes(g);
  eliminate_identities(g);  // what cancelling made the identity
  eliminate_common_subexpressions(g);
  eliminate_dead_code(g);
  if (level == Level::All) {
    fold_batch_norm(g);
    fuse_layer_norm(g);
    fuse_gelu(g);
    fuse_attention(g);
    fuse_matmul_add(g);
    fuse_conv_activation(g);
    fuse_elementwise(g);  // last: what the other fusions leave
    eliminate_dead_code(g);
  }
  ir::verify(g);
}

}  // namespace tessera::passes
