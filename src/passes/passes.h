// Graph passes: each rewrites an IR graph in place (one file each, text-in/text-out tests in
// tests/passes).
#pragma once

#include <string_view>

#include "ir/graph.h"

namespace tessera::passes {

/// Removes nodes none of whose outputs is used or a graph output, and unused constants.
/// Returns how many nodes it removed.
int eliminate_dead_code(ir::Graph& g);

/// Replaces each node that computes what an earlier one computes (same op, values and
/// literals) by the earlier one's outputs. Returns how many nodes it removed.
int eliminate_common_subexpressions(ir::Graph& g);

/// Fuses a convolution whose only use is relu, clamp or hardtanh (literal bounds) or
/// leaky_relu (literal slope) into one convolution_activation node. Returns how many it fused.
int fuse_conv_activation(ir::Graph& g);

/// How much optimize() does: nothing; dead code and common subexpressions; everything.
enum class Level { None, Basic, All };

/// Parses "none", "basic" or "all"; throws Error naming the string otherwise.
Level parse_level(std::string_view s);

/// Runs the passes of a level, in order, and verifies the result.
void optimize(ir::Graph& g, Level level);

}  // namespace tessera::passes
