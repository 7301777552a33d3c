// The graph IR's text form: a printer and a parser that round-trip (see Note [IR text form]).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "ir/graph.h"

namespace tessera::ir {

// Note [IR text form]
//   graph main(%x: float32[N,3,8,8]) -> (%y) {
//     const %w: float32[4,3,3,3] = @w
//     const %shape: int64[2] = [-1, 256]
//     %c: float32[N,4,8,8] = convolution(%x, %w, padding=[1, 1]) loc("Conv_0")
//     %y = reshape(%c, shape=%shape)
//   }
// - Values are %name (%"any text" when the name has characters outside [A-Za-z0-9_.]);
//   a value's type follows its definition, left out when nothing of it is known. Types:
//   float32[N,3,224,224] (dims: sizes, symbols, ?), float32[] for 0-d, float32 when the
//   rank is unknown, ? for an unknown dtype.
// - Constants holding at most kInlineConstant real or bool elements are written inline, in
//   row-major order; larger ones as @name, their data given to the parser in a table.
// - %v[k] reads element k of a 1-d value as a non-tensor argument.
// - A node's arguments follow Python's call syntax over its op's schema: positional in
//   schema order, then name=value; unbound arguments take the schema's default. Literals
//   are written as schema defaults are: 1, 1.0, True, None, "str", [1, 2], float32,
//   complex(1.0, -2.0), device("cpu"). loc("...") keeps the node's original name.
// - Control flow (Note [Control flow]) lists its inputs and then its blocks, each a graph:
//     %y: float32[2] = if(%c, %a) {
//       graph then(%a.1: float32[2]) -> (%r) { ... }
//       graph else(%a.2: float32[2]) -> (%a.2) { }
//     }
//     %v, %s = loop(%max, %cond, %v0, %w, carried=1) { graph body(...) -> (...) { ... } }
// - # starts a comment to the end of the line.

/// Constants with at most this many elements are written inline.
inline constexpr int64_t kInlineConstant = 16;

/// The text form of g.
std::string print(const Graph& g);

/// Data of the constants written as @name, by name.
using ConstantTable = std::map<std::string, Tensor, std::less<>>;

/// The constants of g that print() writes as @name.
ConstantTable referenced_constants(const Graph& g);

/// Parses the text form. Throws Error naming the line and column and what was expected.
/// The graph is not verified (see verify()).
std::unique_ptr<Graph> parse(std::string_view text, const ConstantTable& constants = {});

}  // namespace tessera::ir
