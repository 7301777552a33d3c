// Graph passes: each rewrites an IR graph in place (one file each, text-in/text-out tests in
// tests/passes).
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "ir/graph.h"

namespace tessera::passes {

/// The types a node's outputs have, from its inputs' types and its literals (Note [Type
/// inference]): what is not known stays unknown. Throws Error naming the node when its
/// inputs' types contradict the op (sizes that do not broadcast, a dim out of range).
std::vector<ir::TensorType> infer_output_types(const ir::Node& n);

/// Whether op is elementwise: each output element reads only the same element of each
/// input, after broadcasting (add.Tensor, relu, where.self, ...).
bool is_elementwise(std::string_view op);

/// Refines the types of n's outputs by infer_output_types: unknown dtypes and dims are
/// filled, symbols become sizes where inference knows them; a contradiction with a type
/// already known throws Error naming the node. Returns whether a type changed.
bool refine_output_types(ir::Node& n);

/// Shape and dtype inference over the whole graph, in order. Returns how many nodes had an
/// output's type refined.
int infer_types(ir::Graph& g);

/// When every input of n is a constant, runs n now and replaces it by constants holding its
/// results, named as its outputs were, and returns them; otherwise returns nullopt. Throws
/// the op's Error when it refuses its inputs.
std::optional<std::vector<ir::Value*>> fold_constant(ir::Graph& g, ir::Node* n);

/// Folds every node whose inputs are all constants. Returns how many it folded.
int fold_constants(ir::Graph& g);

/// Removes nodes that pass their input through unchanged: clone, inference dropout, a cast
/// to the input's dtype, identity permutes and transposes, and shape ops (reshape, flatten,
/// expand, squeeze, a forward slice) whose output has the input's static shape. Returns how
/// many it removed.
int eliminate_identities(ir::Graph& g);

/// Merges chains of shape ops: permute/transpose of a permute/transpose becomes one permute
/// (or none), a reshape of a reshape/flatten/squeeze/unsqueeze reshapes the original, and
/// squeeze.dim of the dim unsqueeze added gives the original back. Returns how many nodes it
/// rewrote.
int cancel_transposes(ir::Graph& g);

/// Folds an inference batch_norm whose statistics and parameters are constants into the
/// convolution (not transposed) or 2-d linear whose only use it is, when that one's weight
/// and bias are constants. Returns how many it folded.
int fold_batch_norm(ir::Graph& g);

/// Rewrites add(matmul(x, W), b), W a constant [K, N] and b a constant of N elements, as
/// linear(x, W^T, b). Returns how many it fused.
int fuse_matmul_add(ir::Graph& g);

/// Fuses the decomposed layer norm exporters write (mean, subtract, square, mean, add eps,
/// sqrt, divide, then optionally * gamma and + beta over the last dims) into layer_norm.
/// Returns how many it fused.
int fuse_layer_norm(ir::Graph& g);

/// Fuses x * 0.5 * (1 + erf(x / sqrt 2)), in either association, into gelu. Returns how
/// many it fused.
int fuse_gelu(ir::Graph& g);

/// Fuses matmul(softmax(matmul(q [/ c or * c], k^T) [+ mask], -1), v) into
/// scaled_dot_product_attention. Returns how many it fused.
int fuse_attention(ir::Graph& g);

/// Fuses trees of float32 elementwise ops (add, sub, mul, div, maximum, minimum and the unary
/// ops of Note [Fused elementwise programs]) whose intermediate values have no other use into
/// one fused_elementwise node, when every tensor input has the output's static shape or one
/// element and numbers are scalar constants. Returns how many it made.
int fuse_elementwise(ir::Graph& g);

/// Removes nodes none of whose outputs is used or a graph output, and unused constants.
/// Returns how many nodes it removed.
int eliminate_dead_code(ir::Graph& g);

/// Replaces each node that computes what an earlier one computes (same op, values and
/// literals) by the earlier one's outputs. Returns how many nodes it removed.
int eliminate_common_subexpressions(ir::Graph& g);

/// Fuses a convolution whose only use is relu, clamp or hardtanh (literal bounds) or
/// leaky_relu (literal slope) into one convolution_activation node. Returns how many it fused.
int fuse_conv_activation(ir::Graph& g);

/// One buffer of a memory plan: the value that first owns it (an in-place output takes it
/// over), its place in the arena, and the nodes (by index in the graph's order) from its
/// definition to its last use (the node count for graph outputs).
struct BufferPlacement {
  const ir::Value* value;
  int64_t offset = 0, bytes = 0;
  int first = 0, last = 0;
};

/// A static memory plan (Note [Static memory plan]).
struct MemoryPlan {
  std::vector<BufferPlacement> buffers;
  int64_t peak_bytes = 0;   // the arena: the highest offset + bytes
  int64_t total_bytes = 0;  // every buffer on its own, without reuse
  int views = 0;            // values sharing another's buffer (reshape, permute, slice, ...)
  int in_place = 0;         // elementwise outputs written over an input that dies there
  std::vector<const ir::Value*> unsized;  // values whose sizes are not static: not planned
};

/// Plans the intermediate values of g into one arena by their lifetimes: views share their
/// base's buffer, elementwise outputs reuse a dying input's, buffers whose lives do not
/// overlap share memory.
MemoryPlan plan_memory(const ir::Graph& g);

/// How much optimize() does: nothing; the simplifications that change no kernel (type
/// inference, constant folding, identities, shape-op chains, common subexpressions, dead
/// code); those and the fusions (batch_norm folding, matmul + add, conv + activation,
/// elementwise chains).
enum class Level { None, Basic, All };

/// Parses "none", "basic" or "all"; throws Error naming the string otherwise.
Level parse_level(std::string_view s);

/// Runs the passes of a level, in order, and verifies the result.
void optimize(ir::Graph& g, Level level);

}  // namespace tessera::passes
