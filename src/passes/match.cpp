// Helpers the rewriting passes share (see match.h).
#include "passes/match.h"

#include <algorithm>

namespace tessera::passes {

std::optional<IValue> literal_of(const ir::Node& n, std::string_view a) {
  const int i = n.schema().find_argument(a);
  TSR_ASSERT(i >= 0, n.op_name(), " has no argument ", a);
  const std::optional<ir::Arg>& b = n.arg(i);
  if (!b) return n.schema().arguments[static_cast<size_t>(i)].default_value;
  if (b->kind != ir::Arg::Kind::Literal) return std::nullopt;
  return b->literal;
}

bool is_graph_output(const ir::Value* v) {
  const auto& outs = v->graph().outputs();
  return std::find(outs.begin(), outs.end(), v) != outs.end();
}

ir::Node* only_use_of(const ir::Value* v, std::string_view op, size_t uses) {
  ir::Node* p = v->producer();
  if (p == nullptr || p->op_name() != op || v->uses().size() != uses || is_graph_output(v)) {
    return nullptr;
  }
  return p;
}

std::optional<double> scalar_constant(const ir::Value* v) {
  if (!v->is_constant() || v->constant().numel() != 1 || !is_floating(v->constant().dtype())) {
    return std::nullopt;
  }
  return v->constant().to(DType::Float64).reshape({}).item().to<double>();
}

ir::Value* other_input(const ir::Node& n, const ir::Value* v) {
  if (n.inputs().size() != 2) return nullptr;
  return n.input(0) == v ? n.input(1) : n.input(1) == v ? n.input(0) : nullptr;
}

std::optional<std::vector<int64_t>> permutation_of(const ir::Node& n) {
  const std::string& op = n.op_name();
  const auto& shape = n.input(0)->type().shape;
  if ((op != "permute" && op != "transpose.int") || !shape) return std::nullopt;
  const auto rank = static_cast<int64_t>(shape->size());
  const auto norm = [rank](int64_t d) { return d < 0 ? d + rank : d; };
  std::vector<int64_t> p;
  if (op == "permute") {
    const auto dims = literal_of(n, "dims");
    if (!dims) return std::nullopt;
    for (int64_t d : dims->to_int_list()) p.push_back(norm(d));
  } else {
    const auto a = literal_of(n, "dim0"), b = literal_of(n, "dim1");
    if (!a || !b || rank == 0) return std::nullopt;
    for (int64_t d = 0; d < rank; ++d) p.push_back(d);
    std::swap(p[static_cast<size_t>(norm(a->to_int()))], p[static_cast<size_t>(norm(b->to_int()))]);
  }
  if (static_cast<int64_t>(p.size()) != rank) return std::nullopt;
  for (int64_t d : p) {
    if (d < 0 || d >= rank) return std::nullopt;
  }
  return p;
}

bool plain(const ir::Node& n) {
  const std::string& op = n.op_name();
  if (op == "add.Tensor" || op == "sub.Tensor") {
    const auto a = literal_of(n, "alpha");
    return a && a->to_scalar().to<double>() == 1.0;
  }
  if (op == "div.Tensor_mode") {
    const auto m = literal_of(n, "rounding_mode");
    return m && m->is_none();
  }
  return true;
}

std::vector<ir::Node*> anchors(const ir::Graph& g, std::string_view op) {
  std::vector<ir::Node*> out;
  for (ir::Node* n : g.nodes()) {
    if (n->op_name() == op) out.push_back(n);
  }
  return out;
}

ir::Node* replace_pattern(ir::Graph& g, ir::Node* last, std::string_view op,
                          std::vector<ir::Input> args, const std::vector<ir::Node*>& pattern,
                          std::vector<std::pair<std::string, ir::Input>> keyword) {
  g.set_insertion_point(last);
  ir::Node* f = g.create(op, std::move(args), std::move(keyword));
  g.set_insertion_point(nullptr);
  f->set_name(pattern.empty() ? last->name() : pattern.front()->name());
  ir::Value* out = last->output();
  const std::string name = out->name();
  f->output()->set_type(out->type());
  out->replace_all_uses_with(f->output());
  for (auto it = pattern.rbegin(); it != pattern.rend(); ++it) g.erase(*it);
  g.rename(f->output(), name);
  return f;
}

}  // namespace tessera::passes
