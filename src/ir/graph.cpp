// The graph IR's values, nodes and graphs: construction, uses, rewriting.
#include "ir/graph.h"

#include <algorithm>

namespace tessera::ir {

std::string Dim::str() const {
  if (is_static()) return std::to_string(size);
  return is_symbol() ? symbol : "?";
}

TensorType TensorType::of(const Tensor& t) {
  std::vector<Dim> dims;
  for (int64_t s : t.sizes()) dims.push_back(Dim::of(s));
  return TensorType{t.dtype(), std::move(dims)};
}

bool TensorType::admits(const Tensor& t) const {
  if (dtype && *dtype != t.dtype()) return false;
  if (!shape) return true;
  if (static_cast<int64_t>(shape->size()) != t.dim()) return false;
  for (size_t i = 0; i < shape->size(); ++i) {
    const Dim& d = (*shape)[i];
    if (d.is_static() && d.size != t.size(static_cast<int64_t>(i))) return false;
  }
  return true;
}

TensorType join(const TensorType& a, const TensorType& b) {
  TensorType t;
  if (a.dtype == b.dtype) t.dtype = a.dtype;
  if (a.shape && b.shape && a.shape->size() == b.shape->size()) {
    t.shape.emplace();
    for (size_t i = 0; i < a.shape->size(); ++i) {
      const Dim &x = (*a.shape)[i], &y = (*b.shape)[i];
      t.shape->push_back(x == y ? x : Dim::unknown());
    }
  }
  return t;
}

std::optional<std::vector<int64_t>> TensorType::static_shape() const {
  if (!shape) return std::nullopt;
  std::vector<int64_t> out;
  for (const Dim& d : *shape) {
    if (!d.is_static()) return std::nullopt;
    out.push_back(d.size);
  }
  return out;
}

std::string TensorType::str() const {
  std::string s = dtype ? std::string(tessera::name(*dtype)) : "?";
  if (shape) {
    s += "[";
    for (size_t i = 0; i < shape->size(); ++i) s += (i ? "," : "") + (*shape)[i].str();
    s += "]";
  }
  return s;
}

void Value::replace_all_uses_with(Value* v) {
  TSR_ASSERT(v != nullptr && &v->graph() == graph_, "replacing a value by one of another graph");
  if (v == this) return;
  const std::vector<Use> uses = uses_;
  for (const Use& u : uses) u.node->replace_input(u.input, v);
  for (size_t i = 0; i < graph_->outputs().size(); ++i) {
    if (graph_->outputs()[i] == this) graph_->set_output(static_cast<int>(i), v);
  }
}

const std::string& Node::op_name() const {
  static const std::string if_name = "if", loop_name = "loop";
  switch (kind_) {
    case NodeKind::If:
      return if_name;
    case NodeKind::Loop:
      return loop_name;
    case NodeKind::Op:
      break;
  }
  return op_.name();
}

const Schema& Node::schema() const {
  TSR_ASSERT(is_op(), "the ", op_name(), " node has no schema");
  return op_.schema();
}

const IValue* Node::literal(std::string_view arg_name) const {
  if (!is_op()) return nullptr;
  const int i = schema().find_argument(arg_name);
  if (i < 0 || !args_[i] || args_[i]->kind != Arg::Kind::Literal) return nullptr;
  return &args_[i]->literal;
}

void Node::set_literal(std::string_view arg_name, IValue v) {
  const int i = schema().find_argument(arg_name);
  TSR_CHECK(i >= 0, op_.name(), ": has no argument '", arg_name, "'");
  TSR_CHECK(!args_[i] || args_[i]->kind == Arg::Kind::Literal, op_.name(), ": argument '", arg_name,
            "' is bound to a value, not a literal");
  Arg a;
  a.literal = coerce_argument(schema().arguments[i], std::move(v));
  const std::string problem = arg_problem(schema(), i, a, inputs_);
  TSR_CHECK(problem.empty(), op_.name(), ": ", problem);
  args_[i] = std::move(a);
}

void Node::replace_input(int i, Value* v) {
  Value* old = inputs_.at(static_cast<size_t>(i));
  TSR_ASSERT(v != nullptr && &v->graph() == graph_, "an input from another graph");
  auto& uses = old->uses_;
  uses.erase(std::find(uses.begin(), uses.end(), Use{this, i}));
  inputs_[static_cast<size_t>(i)] = v;
  v->uses_.push_back(Use{this, i});
}

std::string Node::describe() const {
  std::string s = "node #";
  const std::vector<Node*> order = graph_->nodes();
  s += std::to_string(std::find(order.begin(), order.end(), this) - order.begin());
  if (!name_.empty()) s += " \"" + name_ + "\"";
  s += " (" + op_name();
  for (size_t i = 0; i < outputs_.size(); ++i) {
    s += (i ? ", %" : " -> %") + outputs_[i]->name();
  }
  return s + ")";
}

std::vector<Node*> Graph::nodes() const {
  std::vector<Node*> out;
  out.reserve(nodes_.size());
  for (const auto& n : nodes_) out.push_back(n.get());
  return out;
}

void Graph::check_name(const std::string& name) const {
  TSR_CHECK(!by_name_.contains(name), "graph '", name_, "': the name %", name, " is defined twice");
}

Value* Graph::new_value(std::string name) {
  if (name.empty()) name = fresh_name("");
  check_name(name);
  values_.push_back(std::unique_ptr<Value>(new Value(this, name)));
  Value* v = values_.back().get();
  by_name_.emplace(std::move(name), v);
  return v;
}

Value* Graph::add_input(std::string name, TensorType type) {
  Value* v = new_value(std::move(name));
  v->type_ = std::move(type);
  inputs_.push_back(v);
  return v;
}

Value* Graph::add_constant(std::string name, Tensor t) {
  TSR_CHECK(t.defined(), "graph '", name_, "': constant %", name, " has no data");
  Value* v = new_value(std::move(name));
  v->type_ = TensorType::of(t);
  v->constant_ = std::move(t);
  constants_.push_back(v);
  return v;
}

void Graph::add_output(Value* v) {
  TSR_ASSERT(v != nullptr && &v->graph() == this, "an output from another graph");
  outputs_.push_back(v);
}

void Graph::set_output(int i, Value* v) {
  TSR_ASSERT(v != nullptr && &v->graph() == this, "an output from another graph");
  outputs_.at(static_cast<size_t>(i)) = v;
}

Value* Graph::find(std::string_view name) const {
  const auto it = by_name_.find(std::string(name));
  return it == by_name_.end() ? nullptr : it->second;
}

std::string Graph::fresh_name(std::string_view base) const {
  const auto taken = [this](const std::string& s) {
    return by_name_.contains(s) || reserved_.contains(s);
  };
  if (base.empty()) {
    for (size_t i = values_.size();; ++i) {
      if (!taken(std::to_string(i))) return std::to_string(i);
    }
  }
  if (!taken(std::string(base))) return std::string(base);
  for (int i = 1;; ++i) {
    std::string s = std::string(base) + "." + std::to_string(i);
    if (!taken(s)) return s;
  }
}

void Graph::rename(Value* v, std::string name) {
  if (v->name_ == name) return;
  check_name(name);
  by_name_.erase(v->name_);
  v->name_ = std::move(name);
  by_name_.emplace(v->name_, v);
}

void Graph::reserve_names(const std::vector<std::string>& names) {
  reserved_.insert(names.begin(), names.end());
}

Node* Graph::create(std::string_view op, std::vector<Input> positional,
                    std::vector<std::pair<std::string, Input>> keyword, int num_outputs,
                    std::vector<std::string> output_names) {
  return create(Dispatcher::get().find_or_throw(op), std::move(positional), std::move(keyword),
                num_outputs, std::move(output_names));
}

Node* Graph::create(OperatorHandle op, std::vector<Input> positional,
                    std::vector<std::pair<std::string, Input>> keyword, int num_outputs,
                    std::vector<std::string> output_names) {
  const Schema& s = op.schema();
  const size_t n = s.arguments.size();
  std::vector<std::string_view> names;
  for (const auto& [k, v] : keyword) names.push_back(k);
  const std::vector<int> at = keyword_slots(s, positional.size(), names, op.name());
  std::vector<std::optional<Input>> slots(n);
  for (size_t i = 0; i < positional.size(); ++i) slots[i] = std::move(positional[i]);
  for (size_t k = 0; k < keyword.size(); ++k) {
    slots[static_cast<size_t>(at[k])] = std::move(keyword[k].second);
  }
  // Returns: a fixed count, or any count for one Tensor[].
  const bool variadic = s.returns.size() == 1 && s.returns[0].type.is_list;
  for (const Return& r : s.returns) {
    TSR_CHECK(r.type.kind == TypeKind::Tensor, op.name(), ": returns ", r.type.str(),
              "; graph nodes run ops that return tensors");
  }
  if (num_outputs < 0) {
    TSR_CHECK(!variadic, op.name(), ": returns Tensor[], so the node needs its output count");
    num_outputs = static_cast<int>(s.returns.size());
  }
  TSR_CHECK(num_outputs > 0, op.name(), ": a node has at least one output");
  TSR_CHECK(variadic || num_outputs == static_cast<int>(s.returns.size()), op.name(), ": returns ",
            s.returns.size(), " tensors but the node has ", num_outputs, " outputs");

  auto node = std::unique_ptr<Node>(new Node(this, op));
  node->args_.resize(n);
  for (size_t i = 0; i < n; ++i) {
    if (!slots[i]) continue;
    Arg a;
    if (auto* lit = std::get_if<IValue>(&*slots[i])) {
      a.literal = coerce_argument(s.arguments[i], std::move(*lit));
    } else {
      const bool list = std::holds_alternative<std::vector<Value*>>(*slots[i]);
      std::vector<Value*> vals;
      if (list) {
        vals = std::get<std::vector<Value*>>(*slots[i]);
      } else if (auto* e = std::get_if<ValueElement>(&*slots[i])) {
        vals = {e->value};
        a.element = e->index;
        TSR_CHECK(e->index >= 0, op.name(), ": argument '", s.arguments[i].name, "' reads element ",
                  e->index, " of a value");
      } else {
        vals = {std::get<Value*>(*slots[i])};
      }
      a.kind = list ? Arg::Kind::ValueList : Arg::Kind::Value;
      a.first = static_cast<int>(node->inputs_.size());
      a.count = static_cast<int>(vals.size());
      for (Value* v : vals) {
        TSR_CHECK(v != nullptr && &v->graph() == this, op.name(), ": argument '",
                  s.arguments[i].name, "' is bound to no value of this graph");
        node->inputs_.push_back(v);
      }
    }
    const std::string problem = arg_problem(s, static_cast<int>(i), a, node->inputs_);
    TSR_CHECK(problem.empty(), op.name(), ": ", problem);
    node->args_[i] = std::move(a);
  }
  for (size_t i = 0; i < n; ++i) {
    TSR_CHECK(node->args_[i] || s.arguments[i].default_value.has_value(), op.name(),
              ": missing argument '", s.arguments[i].name, "'");
  }
  return add_node(std::move(node), num_outputs, output_names);
}

Node* Graph::add_node(std::unique_ptr<Node> node, int num_outputs,
                      const std::vector<std::string>& output_names) {
  TSR_CHECK(output_names.empty() || static_cast<int>(output_names.size()) == num_outputs,
            node->op_name(), ": ", output_names.size(), " output names for ", num_outputs,
            " outputs");
  for (Value* v : node->inputs_) {
    TSR_CHECK(v != nullptr && &v->graph() == this, node->op_name(),
              ": an input is no value of this graph");
  }
  // Only now, when nothing can throw, does the graph change.
  std::vector<Value*> outs;
  for (int i = 0; i < num_outputs; ++i) {
    const std::string want = output_names.empty() ? "" : output_names[static_cast<size_t>(i)];
    TSR_CHECK(want.empty() || !by_name_.contains(want), node->op_name(), ": the name %", want,
              " is defined twice");
  }
  for (int i = 0; i < num_outputs; ++i) {
    Value* v = new_value(output_names.empty() ? "" : output_names[static_cast<size_t>(i)]);
    v->producer_ = node.get();
    v->output_index_ = i;
    outs.push_back(v);
  }
  node->outputs_ = std::move(outs);
  for (size_t i = 0; i < node->inputs_.size(); ++i) {
    node->inputs_[i]->uses_.push_back(Use{node.get(), static_cast<int>(i)});
  }
  Node* raw = node.get();
  auto pos = nodes_.end();
  if (insert_before_ != nullptr) {
    pos = std::find_if(nodes_.begin(), nodes_.end(),
                       [&](const auto& p) { return p.get() == insert_before_; });
  }
  nodes_.insert(pos, std::move(node));
  return raw;
}

Node* Graph::create_if(Value* cond, std::vector<Value*> captured,
                       std::unique_ptr<Graph> then_branch, std::unique_ptr<Graph> else_branch,
                       std::vector<std::string> output_names) {
  TSR_CHECK(then_branch && else_branch, "if: a branch is missing");
  for (const Graph* b : {then_branch.get(), else_branch.get()}) {
    TSR_CHECK(b->inputs().size() == captured.size(), "if: branch '", b->name(), "' takes ",
              b->inputs().size(), " inputs but the node captures ", captured.size(), " values");
  }
  const size_t n = then_branch->outputs().size();
  TSR_CHECK(n > 0, "if: the branches return nothing");
  TSR_CHECK(else_branch->outputs().size() == n, "if: branch 'then' returns ", n,
            " values but 'else' returns ", else_branch->outputs().size());
  auto node = std::unique_ptr<Node>(new Node(this, OperatorHandle(nullptr)));
  node->kind_ = NodeKind::If;
  node->inputs_.push_back(cond);
  node->inputs_.insert(node->inputs_.end(), captured.begin(), captured.end());
  node->blocks_.push_back(std::move(then_branch));
  node->blocks_.push_back(std::move(else_branch));
  return add_node(std::move(node), static_cast<int>(n), output_names);
}

Node* Graph::create_loop(Value* max_trips, Value* cond, std::vector<Value*> carried,
                         std::vector<Value*> captured, std::unique_ptr<Graph> body,
                         std::vector<std::string> output_names) {
  TSR_CHECK(body != nullptr, "loop: the body is missing");
  const size_t takes = 2 + carried.size() + captured.size();
  TSR_CHECK(body->inputs().size() == takes, "loop: the body takes ", body->inputs().size(),
            " inputs, not 2 + ", carried.size(), " carried + ", captured.size(), " captured");
  TSR_CHECK(body->outputs().size() >= 1 + carried.size(), "loop: the body returns ",
            body->outputs().size(), " values, fewer than its condition and ", carried.size(),
            " carried");
  const auto n = static_cast<int>(body->outputs().size() - 1);
  TSR_CHECK(n > 0, "loop: the node has no outputs");
  auto node = std::unique_ptr<Node>(new Node(this, OperatorHandle(nullptr)));
  node->kind_ = NodeKind::Loop;
  node->num_carried_ = static_cast<int>(carried.size());
  node->inputs_ = {max_trips, cond};
  node->inputs_.insert(node->inputs_.end(), carried.begin(), carried.end());
  node->inputs_.insert(node->inputs_.end(), captured.begin(), captured.end());
  node->blocks_.push_back(std::move(body));
  return add_node(std::move(node), n, output_names);
}

void Graph::erase(Node* n) {
  for (Value* out : n->outputs_) {
    TSR_ASSERT(
        out->uses_.empty() && std::find(outputs_.begin(), outputs_.end(), out) == outputs_.end(),
        "erasing ", n->describe(), " whose output %", out->name(), " is used");
  }
  for (size_t i = 0; i < n->inputs_.size(); ++i) {
    auto& uses = n->inputs_[i]->uses_;
    uses.erase(std::find(uses.begin(), uses.end(), Use{n, static_cast<int>(i)}));
  }
  if (insert_before_ == n) insert_before_ = nullptr;
  for (Value* out : n->outputs_) erase_value(out);
  std::erase_if(nodes_, [n](const auto& p) { return p.get() == n; });
}

void Graph::erase_value(Value* v) {
  TSR_ASSERT(v->uses_.empty() && std::find(outputs_.begin(), outputs_.end(), v) == outputs_.end(),
             "erasing %", v->name(), ", which is used");
  std::erase(inputs_, v);
  std::erase(constants_, v);
  by_name_.erase(v->name_);
  std::erase_if(values_, [v](const auto& p) { return p.get() == v; });
}

IValue read_argument(const Argument& a, const Tensor& tensor, int64_t element) {
  Tensor t = tensor;
  if (element >= 0) {
    TSR_CHECK(t.dim() == 1 && element < t.size(0), "argument '", a.name, "' reads element ",
              element, " of a 1-d tensor, got shape ", TensorType::of(t).str());
    t = t.select(0, element);
  }
  const SchemaType& type = a.type;
  if (type.is_list) {
    TSR_CHECK(t.dim() <= 1, "argument '", a.name, "' is read from a 1-d tensor, got ", t.dim(),
              "-d");
    if (type.kind == TypeKind::Float) {
      const Tensor c = t.to(DType::Float64).contiguous();
      const auto* p = static_cast<const double*>(c.data_ptr());
      return std::vector<double>(p, p + c.numel());
    }
    TSR_CHECK(is_integral(t.dtype(), false), "argument '", a.name,
              "' is read from an integer tensor, got ", name(t.dtype()));
    const Tensor c = t.to(DType::Int64).contiguous();
    const auto* p = static_cast<const int64_t*>(c.data_ptr());
    return std::vector<int64_t>(p, p + c.numel());
  }
  TSR_CHECK(t.numel() == 1, "argument '", a.name, "' is read from a one-element tensor, got ",
            t.numel(), " elements");
  const Scalar s = t.reshape({}).item();
  switch (type.kind) {
    case TypeKind::Int:
      return s.to<int64_t>();
    case TypeKind::Float:
      return s.to<double>();
    case TypeKind::Bool:
      return s.to<bool>();
    default:
      return IValue(s);
  }
}

Stack node_arguments(const Node& n, const std::function<Tensor(const Value*)>& tensor_of) {
  Stack stack;
  const Schema& s = n.schema();
  for (int i = 0; i < n.num_args(); ++i) {
    const Argument& a = s.arguments[static_cast<size_t>(i)];
    const std::optional<Arg>& b = n.arg(i);
    if (!b) {
      stack.push_back(*a.default_value);
    } else if (b->kind == Arg::Kind::Literal) {
      stack.push_back(b->literal);
    } else if (b->kind == Arg::Kind::ValueList) {
      std::vector<Tensor> list;
      for (int k = 0; k < b->count; ++k) list.push_back(tensor_of(n.input(b->first + k)));
      stack.emplace_back(std::move(list));
    } else if (a.type.kind == TypeKind::Tensor) {
      stack.emplace_back(tensor_of(n.input(b->first)));
    } else {
      stack.push_back(read_argument(a, tensor_of(n.input(b->first)), b->element));
    }
  }
  return stack;
}

std::string arg_problem(const Schema& schema, int i, const Arg& arg,
                        const std::vector<Value*>& inputs) {
  const Argument& a = schema.arguments.at(static_cast<size_t>(i));
  const SchemaType& t = a.type;
  const std::string what = "argument '" + a.name + "' (" + t.str() + ")";
  const bool tensor = t.kind == TypeKind::Tensor;
  switch (arg.kind) {
    case Arg::Kind::Literal:
      if (tensor && !arg.literal.is_none()) return what + " takes a value, not a literal";
      if (!t.accepts(arg.literal)) {
        return what + " does not take the literal " + std::string(arg.literal.kind());
      }
      return {};
    case Arg::Kind::ValueList:
      if (!(tensor && t.is_list)) return what + " does not take a list of values";
      return {};
    case Arg::Kind::Value:
      break;
  }
  if (tensor) {
    if (t.is_list) return what + " takes a list of values";
    return arg.element >= 0 ? what + " takes a whole value, not one element" : std::string();
  }
  // A non-tensor argument read at run time from a tensor value.
  const TensorType& vt = inputs.at(static_cast<size_t>(arg.first))->type();
  if (arg.element >= 0) {
    if (t.is_list) return what + " cannot be read from one element";
    if (vt.shape && vt.shape->size() != 1) return what + " reads an element of a 1-d tensor";
    if (vt.shape && (*vt.shape)[0].is_static() && arg.element >= (*vt.shape)[0].size) {
      return what + " reads element " + std::to_string(arg.element) + " of a tensor of " +
             std::to_string((*vt.shape)[0].size);
    }
  }
  if (t.kind == TypeKind::Str || t.kind == TypeKind::DType || t.kind == TypeKind::Device ||
      (t.is_list && t.kind != TypeKind::Int && t.kind != TypeKind::Float)) {
    return what + " cannot be read from a tensor value";
  }
  if (vt.dtype) {
    const DType d = *vt.dtype;
    const bool ok = t.kind == TypeKind::Scalar ? true
                    : t.kind == TypeKind::Bool ? d == DType::Bool
                    : t.kind == TypeKind::Int  ? is_integral(d, /*include_bool=*/false)
                                               : is_floating(d) || is_integral(d, false);
    if (!ok) return what + " cannot be read from a " + std::string(name(d)) + " tensor";
  }
  if (vt.shape) {
    const size_t rank = vt.shape->size();
    if (t.is_list && rank != 1) {
      return what + " is read from a 1-d tensor, not a " + std::to_string(rank) + "-d one";
    }
    if (!t.is_list && rank > 1 && arg.element < 0) {
      return what + " is read from a one-element tensor";
    }
  }
  return {};
}

std::vector<Tensor> node_results(const Node& n, const Stack& stack) {
  std::vector<Tensor> out;
  if (stack.size() == 1 && stack[0].is_tensor_list()) {
    out = stack[0].to_tensor_list();
  } else {
    for (const IValue& v : stack) {
      TSR_CHECK(v.is_tensor(), n.describe(), " returned a value that is not a tensor");
      out.push_back(v.to_tensor());
    }
  }
  TSR_CHECK(out.size() == n.outputs().size(), n.describe(), " returned ", out.size(),
            " results for ", n.outputs().size(), " outputs");
  return out;
}

}  // namespace tessera::ir
