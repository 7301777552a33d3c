// Helpers the rewriting passes share to match patterns and replace them.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "ir/graph.h"

namespace tessera::passes {

/// The literal bound to argument a of n (the schema's default when unbound); nullopt when a
/// value gives it at run time.
std::optional<IValue> literal_of(const ir::Node& n, std::string_view a);

/// Whether v is one of its graph's outputs.
bool is_graph_output(const ir::Value* v);

/// The node producing v when it runs op and v has exactly `uses` uses and is not a graph
/// output (an intermediate a fusion may absorb); null otherwise.
ir::Node* only_use_of(const ir::Value* v, std::string_view op, size_t uses = 1);

/// The element of a one-element floating constant, as a double; nullopt for anything else.
std::optional<double> scalar_constant(const ir::Value* v);

/// The input of a two-input node other than v; null when v is not one of them.
ir::Value* other_input(const ir::Node& n, const ir::Value* v);

/// The permutation a permute or transpose.int node applies (output dim i is input dim p[i]),
/// dims made non-negative; nullopt for other nodes or when the input's rank or the dims are
/// not known.
std::optional<std::vector<int64_t>> permutation_of(const ir::Node& n);

/// Whether n is arithmetic without extras: add or sub with alpha 1, div without a rounding
/// mode; any other op is.
bool plain(const ir::Node& n);

/// The nodes running op, found before a pass rewrites any (fusing erases nodes after its
/// anchor, and never another anchor).
std::vector<ir::Node*> anchors(const ir::Graph& g, std::string_view op);

/// Replaces the output of `last` by a new node op(args), given last's output name and type
/// and the name of the pattern's first node, then erases `pattern` (the nodes replaced, in
/// graph order, last among them).
ir::Node* replace_pattern(ir::Graph& g, ir::Node* last, std::string_view op,
                          std::vector<ir::Input> args, const std::vector<ir::Node*>& pattern,
                          std::vector<std::pair<std::string, ir::Input>> keyword = {});

}  // namespace tessera::passes
