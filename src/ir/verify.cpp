// The graph IR's verifier: the checks a graph built by hand, parsed or rewritten must pass.
#include "ir/verify.h"

#include <algorithm>
#include <unordered_set>

namespace tessera::ir {

namespace {

// Whether a value of type `from` may be bound where `to` is declared: their dtypes and
// static sizes agree where both are known.
bool compatible(const TensorType& from, const TensorType& to) {
  if (from.dtype && to.dtype && *from.dtype != *to.dtype) return false;
  if (!from.shape || !to.shape) return true;
  if (from.shape->size() != to.shape->size()) return false;
  for (size_t i = 0; i < from.shape->size(); ++i) {
    const Dim &a = (*from.shape)[i], &b = (*to.shape)[i];
    if (a.is_static() && b.is_static() && a.size != b.size) return false;
  }
  return true;
}

// The node's blocks agree with its inputs and outputs (Note [Control flow]), and verify.
void verify_control_flow(const Node& n) {
  const auto fail = [&n](const auto&... msg) {
    detail::throw_error<Error>("verify: ", n.describe(), ": ", msg...);
  };
  // Block inputs from `skip` on are bound to the node's inputs from `first` on.
  const auto binds = [&](const Graph& b, size_t skip, size_t first) {
    if (b.inputs().size() < skip || b.inputs().size() - skip != n.inputs().size() - first) {
      fail("block '", b.name(), "' takes ", b.inputs().size(), " inputs, not ",
           skip + n.inputs().size() - first);
    }
    for (size_t k = skip; k < b.inputs().size(); ++k) {
      const Value* in = n.input(static_cast<int>(first + k - skip));
      if (!compatible(in->type(), b.inputs()[k]->type())) {
        fail("block '", b.name(), "' takes %", b.inputs()[k]->name(), ": ",
             b.inputs()[k]->type().str(), " but is given %", in->name(), ": ", in->type().str());
      }
    }
  };
  // Block outputs from `skip` on give the node's first `count` outputs.
  const auto returns = [&](const Graph& b, size_t skip, size_t count) {
    if (b.outputs().size() != skip + n.outputs().size()) {
      fail("block '", b.name(), "' returns ", b.outputs().size(), " values, not ",
           skip + n.outputs().size());
    }
    for (size_t k = 0; k < count; ++k) {
      const Value *out = b.outputs()[skip + k], *to = n.output(static_cast<int>(k));
      if (!compatible(out->type(), to->type())) {
        fail("block '", b.name(), "' returns %", out->name(), ": ", out->type().str(),
             " as output %", to->name(), ": ", to->type().str());
      }
    }
  };
  if (n.kind() == NodeKind::If) {
    if (n.blocks().size() != 2) fail("an if has two blocks, not ", n.blocks().size());
    for (const auto& b : n.blocks()) {
      binds(*b, 0, 1);
      returns(*b, 0, n.outputs().size());
    }
  } else {
    if (n.blocks().size() != 1) fail("a loop has one block, not ", n.blocks().size());
    const auto carried = static_cast<size_t>(n.num_carried());
    if (n.inputs().size() < 2 + carried || n.outputs().size() < carried) {
      fail("a loop takes its trip count, its condition and ", carried, " carried values");
    }
    binds(n.block(0), 2, 2);
    returns(n.block(0), 1, carried);
  }
  for (const auto& b : n.blocks()) verify(*b);
}

}  // namespace

void verify(const Graph& g) {
  std::unordered_set<const Value*> defined;
  for (const Value* v : g.inputs()) defined.insert(v);
  for (const Value* c : g.constants()) {
    TSR_CHECK(TensorType::of(c->constant()) == c->type(), "verify: constant %", c->name(),
              " is typed ", c->type().str(), " but its data is ",
              TensorType::of(c->constant()).str());
    defined.insert(c);
  }
  for (const Node* n : g.nodes()) {
    const auto fail = [n](const auto&... msg) {
      detail::throw_error<Error>("verify: ", n->describe(), ": ", msg...);
    };
    for (int i = 0; i < static_cast<int>(n->inputs().size()); ++i) {
      const Value* v = n->input(i);
      if (!defined.contains(v)) fail("input %", v->name(), " is used before it is defined");
      const auto& uses = v->uses();
      TSR_ASSERT(std::find(uses.begin(), uses.end(), Use{const_cast<Node*>(n), i}) != uses.end(),
                 "%", v->name(), " does not list its use by ", n->describe());
    }
    for (const Value* out : n->outputs()) {
      TSR_ASSERT(out->producer() == n, "%", out->name(), " does not name its producer");
      for (const Use& u : out->uses()) {
        TSR_ASSERT(u.node->input(u.input) == out, "%", out->name(), " lists a stale use");
      }
    }
    if (!n->is_op()) {
      verify_control_flow(*n);
      for (const Value* out : n->outputs()) defined.insert(out);
      continue;
    }
    const Schema& s = n->schema();
    // The arguments' values partition the inputs, in argument order.
    int next_input = 0;
    for (int i = 0; i < n->num_args(); ++i) {
      const Argument& a = s.arguments[static_cast<size_t>(i)];
      const std::optional<Arg>& arg = n->arg(i);
      if (!arg) {
        if (!a.default_value) fail("missing argument '", a.name, "'");
        continue;
      }
      if (arg->kind != Arg::Kind::Literal) {
        TSR_ASSERT(arg->first == next_input, "argument '", a.name, "' of ", n->describe(),
                   " does not start at input ", next_input);
        next_input += arg->count;
      }
      const std::string problem = arg_problem(s, i, *arg, n->inputs());
      if (!problem.empty()) fail(problem);
    }
    TSR_ASSERT(next_input == static_cast<int>(n->inputs().size()), n->describe(),
               " has inputs no argument reads");
    const bool variadic = s.returns.size() == 1 && s.returns[0].type.is_list;
    if (!variadic && n->outputs().size() != s.returns.size()) {
      fail("the op returns ", s.returns.size(), " tensors but the node has ", n->outputs().size(),
           " outputs");
    }
    for (const Value* out : n->outputs()) defined.insert(out);
  }
}

}  // namespace tessera::ir
