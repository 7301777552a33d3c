// Elementwise-chain fusion: a tree of elementwise ops whose intermediate values have no other
// use becomes one fused_elementwise node (Note [Fused elementwise programs]), which the cpu
// backend runs in one pass over memory.
#include <algorithm>
#include <cstdio>
#include <unordered_map>
#include <unordered_set>

#include "ops/fused_elementwise.h"
#include "passes/match.h"
#include "passes/passes.h"

namespace tessera::passes {
namespace {

// The cpu kernel's limit (deeper programs run op by op in the reference kernel).
constexpr int kMaxDepth = 8;

// The program op a node computes, or empty when it cannot join a chain: a float32 output of
// static shape from one of the program's ops.
std::string program_op(const ir::Node& n) {
  if (!n.is_op() || n.outputs().size() != 1) return {};
  const ir::TensorType& t = n.output()->type();
  if (t.dtype != DType::Float32 || !t.static_shape()) return {};
  const std::string& op = n.op_name();
  if (op == "add.Tensor" || op == "sub.Tensor") return plain(n) ? op.substr(0, 3) : "";
  if (op == "mul.Tensor") return "mul";
  if (op == "div.Tensor_mode") return plain(n) ? "div" : "";
  if (op == "maximum" || op == "minimum") return op;
  if (ops::is_fused_unary(op) && n.inputs().size() == 1) return op;
  return {};
}

// A chain being collected from its last node: the program, its tensor inputs, its nodes.
struct Chain {
  std::string program;
  std::vector<ir::Value*> inputs;
  std::vector<ir::Node*> nodes;
  std::vector<int64_t> shape;  // the last node's
  bool ok = true;
};

void collect(Chain& c, ir::Node* n) {
  c.nodes.push_back(n);
  for (ir::Value* v : n->inputs()) {
    ir::Node* p = v->producer();
    if (p != nullptr && v->uses().size() == 1 && !is_graph_output(v) && !program_op(*p).empty()) {
      collect(c, p);
      continue;
    }
    // A scalar constant is written as a number, unless its rank exceeds the output's (a
    // number cannot give the output its dims).
    if (const auto x = scalar_constant(v);
        x && static_cast<size_t>(v->constant().dim()) <= c.shape.size()) {
      char text[32];
      std::snprintf(text, sizeof text, "%.17g", *x);
      c.program += std::string(text) + " ";
      continue;
    }
    // A tensor input: of the output's shape or one element (the cpu kernel's cases).
    const auto s = v->type().static_shape();
    int64_t numel = 1;
    for (int64_t d : s.value_or(std::vector<int64_t>{})) numel *= d;
    c.ok = c.ok && s && v->type().dtype == DType::Float32 && (*s == c.shape || numel == 1) &&
           (numel != 1 || s->size() <= c.shape.size());
    const auto at = std::find(c.inputs.begin(), c.inputs.end(), v);
    c.program += "x" + std::to_string(at - c.inputs.begin()) + " ";
    if (at == c.inputs.end()) c.inputs.push_back(v);
  }
  c.program += program_op(*n) + " ";
}

}  // namespace

int fuse_elementwise(ir::Graph& g) {
  const std::vector<ir::Node*> nodes = g.nodes();
  std::unordered_map<const ir::Node*, size_t> order;
  for (size_t i = 0; i < nodes.size(); ++i) order[nodes[i]] = i;
  std::unordered_set<const ir::Node*> taken;  // fused (and erased) already
  int fused = 0;
  // From the last node back: each chain starts at its last node.
  for (auto it = nodes.rbegin(); it != nodes.rend(); ++it) {
    ir::Node* n = *it;
    if (taken.contains(n) || program_op(*n).empty()) continue;
    Chain c;
    c.shape = *n->output()->type().static_shape();
    collect(c, n);
    c.program.pop_back();
    if (!c.ok || c.nodes.size() < 2 || c.inputs.empty() ||
        ops::fused_program_depth(ops::parse_fused_program(
            c.program, static_cast<int64_t>(c.inputs.size()))) > kMaxDepth) {
      continue;
    }
    for (const ir::Node* m : c.nodes) taken.insert(m);
    std::sort(c.nodes.begin(), c.nodes.end(),
              [&](const ir::Node* a, const ir::Node* b) { return order[a] < order[b]; });
    replace_pattern(g, n, "fused_elementwise", {c.inputs, IValue(c.program)}, c.nodes);
    ++fused;
  }
  return fused;
}

}  // namespace tessera::passes
