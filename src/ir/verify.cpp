// The graph IR's verifier: the checks a graph built by hand, parsed or rewritten must pass.
#include "ir/verify.h"

#include <algorithm>
#include <unordered_set>

namespace tessera::ir {

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
    const Schema& s = n->schema();
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
    for (const Value* out : n->outputs()) {
      TSR_ASSERT(out->producer() == n, "%", out->name(), " does not name its producer");
      for (const Use& u : out->uses()) {
        TSR_ASSERT(u.node->input(u.input) == out, "%", out->name(), " lists a stale use");
      }
      defined.insert(out);
    }
  }
}

}  // namespace tessera::ir
