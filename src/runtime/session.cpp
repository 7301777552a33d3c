// Session: plans a graph once (slots for values, argument sources, when each value dies)
// and runs it through the dispatcher's boxed path, node by node.
#include "runtime/session.h"

#include <map>
#include <unordered_map>

#include "ir/verify.h"

namespace tessera::runtime {

namespace {

// Where one schema argument of a step comes from.
struct ArgSource {
  enum class Kind : uint8_t { Literal, Slot, Slots, ReadSlot };
  Kind kind = Kind::Literal;
  IValue literal;          // Literal: the node's literal or the schema's default
  std::vector<int> slots;  // Slot, ReadSlot: one; Slots: a Tensor[]
  int64_t element = -1;    // ReadSlot: read this element of a 1-d tensor
  const Argument* arg = nullptr;
};

struct Step {
  const ir::Node* node;
  OperatorHandle op;
  std::vector<ArgSource> args;
  std::vector<int> outputs;
  std::vector<int> release;  // slots whose last use is this step
};

// A non-tensor argument read from a tensor at run time (see Note [Graph IR]).
IValue read_argument(const Argument& a, const Tensor& t) {
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

std::string io_list(const std::vector<IoInfo>& ios) {
  std::string s;
  for (const IoInfo& io : ios) s += (s.empty() ? "" : ", ") + io.name;
  return s;
}

}  // namespace

struct Session::Plan {
  onnx_frontend::Model model;
  std::vector<IoInfo> inputs, outputs;
  int num_slots = 0;
  std::vector<std::pair<int, Tensor>> constants;
  std::vector<int> input_slots, output_slots;
  std::vector<Step> steps;
};

Session Session::load(const std::filesystem::path& path) {
  return Session(onnx_frontend::load_model(path));
}

Session Session::from_bytes(std::string_view bytes, const std::filesystem::path& base_dir) {
  return Session(onnx_frontend::import_model(onnx_frontend::parse_model(bytes), base_dir));
}

Session::Session(Session&&) noexcept = default;
Session& Session::operator=(Session&&) noexcept = default;
Session::~Session() = default;

Session::Session(onnx_frontend::Model model) : plan_(std::make_unique<Plan>()) {
  Plan& p = *plan_;
  p.model = std::move(model);
  const ir::Graph& g = *p.model.graph;
  ir::verify(g);
  std::unordered_map<const ir::Value*, int> slot;
  const auto slot_of = [&](const ir::Value* v) {
    const auto [it, fresh] = slot.emplace(v, p.num_slots);
    if (fresh) ++p.num_slots;
    return it->second;
  };
  for (size_t i = 0; i < g.inputs().size(); ++i) {
    p.input_slots.push_back(slot_of(g.inputs()[i]));
    p.inputs.push_back(IoInfo{p.model.input_names[i], g.inputs()[i]->type()});
  }
  for (const ir::Value* c : g.constants()) p.constants.emplace_back(slot_of(c), c->constant());
  std::vector<int> last_use;
  for (const ir::Node* n : g.nodes()) {
    Step step{n, n->op(), {}, {}, {}};
    const Schema& s = n->schema();
    for (int i = 0; i < n->num_args(); ++i) {
      const Argument& a = s.arguments[static_cast<size_t>(i)];
      ArgSource src;
      src.arg = &a;
      const std::optional<ir::Arg>& b = n->arg(i);
      if (!b) {
        src.literal = *a.default_value;
      } else if (b->kind == ir::Arg::Kind::Literal) {
        src.literal = b->literal;
      } else {
        for (int k = 0; k < b->count; ++k) src.slots.push_back(slot_of(n->input(b->first + k)));
        src.element = b->element;
        src.kind = b->kind == ir::Arg::Kind::ValueList ? ArgSource::Kind::Slots
                   : a.type.kind == TypeKind::Tensor   ? ArgSource::Kind::Slot
                                                       : ArgSource::Kind::ReadSlot;
      }
      step.args.push_back(std::move(src));
    }
    for (const ir::Value* out : n->outputs()) step.outputs.push_back(slot_of(out));
    p.steps.push_back(std::move(step));
  }
  for (size_t i = 0; i < g.outputs().size(); ++i) {
    p.output_slots.push_back(slot_of(g.outputs()[i]));
    p.outputs.push_back(IoInfo{p.model.output_names[i], g.outputs()[i]->type()});
  }
  // A value dies after its last reader unless it is an output or a constant.
  last_use.assign(static_cast<size_t>(p.num_slots), -1);
  for (size_t k = 0; k < p.steps.size(); ++k) {
    for (const ArgSource& a : p.steps[k].args) {
      for (int s : a.slots) last_use[static_cast<size_t>(s)] = static_cast<int>(k);
    }
  }
  for (int s : p.output_slots) last_use[static_cast<size_t>(s)] = -1;
  for (const auto& [s, t] : p.constants) last_use[static_cast<size_t>(s)] = -1;
  for (int s = 0; s < p.num_slots; ++s) {
    const int k = last_use[static_cast<size_t>(s)];
    if (k >= 0) p.steps[static_cast<size_t>(k)].release.push_back(s);
  }
}

const std::vector<IoInfo>& Session::inputs() const {
  return plan_->inputs;
}
const std::vector<IoInfo>& Session::outputs() const {
  return plan_->outputs;
}
const onnx_frontend::Model& Session::model() const {
  return plan_->model;
}

std::vector<NamedTensor> Session::run(const std::vector<NamedTensor>& inputs) const {
  const Plan& p = *plan_;
  std::vector<Tensor> env(static_cast<size_t>(p.num_slots));
  for (const auto& [s, t] : p.constants) env[static_cast<size_t>(s)] = t;
  std::vector<bool> given(p.inputs.size());
  std::map<std::string, int64_t> symbols;
  for (const auto& [name, t] : inputs) {
    size_t i = 0;
    while (i < p.inputs.size() && p.inputs[i].name != name) ++i;
    TSR_CHECK(i < p.inputs.size(), "run: the model has no input '", name,
              "' (its inputs: ", io_list(p.inputs), ")");
    TSR_CHECK(!given[i], "run: input '", name, "' is given twice");
    TSR_CHECK(t.defined(), "run: input '", name, "' is an undefined tensor");
    const ir::TensorType& want = p.inputs[i].type;
    const auto mismatch = [&](const std::string& why) {
      detail::throw_error<Error>("run: input '", name, "' must be ", want.str(), " but is ",
                                 ir::TensorType::of(t).str(), " (", why, ")");
    };
    if (want.dtype && *want.dtype != t.dtype()) mismatch("dtype");
    if (want.shape) {
      if (want.shape->size() != static_cast<size_t>(t.dim())) mismatch("rank");
      for (size_t d = 0; d < want.shape->size(); ++d) {
        const ir::Dim& dim = (*want.shape)[d];
        const int64_t got = t.size(static_cast<int64_t>(d));
        if (dim.is_static() && dim.size != got) mismatch("dim " + std::to_string(d));
        if (dim.is_symbol()) {
          const auto [it, fresh] = symbols.emplace(dim.symbol, got);
          if (!fresh && it->second != got) {
            mismatch(dim.symbol + " is " + std::to_string(it->second) + " in another input");
          }
        }
      }
    }
    given[i] = true;
    env[static_cast<size_t>(p.input_slots[i])] = t;
  }
  for (size_t i = 0; i < given.size(); ++i) {
    TSR_CHECK(given[i], "run: input '", p.inputs[i].name, "' is missing");
  }

  Stack stack;
  for (const Step& step : p.steps) {
    stack.clear();
    try {
      for (const ArgSource& a : step.args) {
        switch (a.kind) {
          case ArgSource::Kind::Literal:
            stack.push_back(a.literal);
            break;
          case ArgSource::Kind::Slot:
            stack.emplace_back(env[static_cast<size_t>(a.slots[0])]);
            break;
          case ArgSource::Kind::ReadSlot: {
            const Tensor& t = env[static_cast<size_t>(a.slots[0])];
            if (a.element < 0) {
              stack.push_back(read_argument(*a.arg, t));
              break;
            }
            TSR_CHECK(t.dim() == 1 && a.element < t.size(0), "argument '", a.arg->name,
                      "' reads element ", a.element, " of a 1-d tensor, got shape ",
                      ir::TensorType::of(t).str());
            stack.push_back(read_argument(*a.arg, t.select(0, a.element)));
            break;
          }
          case ArgSource::Kind::Slots: {
            std::vector<Tensor> list;
            for (int s : a.slots) list.push_back(env[static_cast<size_t>(s)]);
            stack.emplace_back(std::move(list));
            break;
          }
        }
      }
      step.op.call_boxed(stack);
      if (stack.size() == 1 && stack[0].is_tensor_list()) {
        const std::vector<Tensor>& list = stack[0].to_tensor_list();
        TSR_CHECK(list.size() == step.outputs.size(), "the op returned ", list.size(),
                  " tensors for ", step.outputs.size(), " outputs");
        for (size_t k = 0; k < list.size(); ++k)
          env[static_cast<size_t>(step.outputs[k])] = list[k];
      } else {
        TSR_ASSERT(stack.size() == step.outputs.size(), step.node->describe(), " returned ",
                   stack.size(), " values");
        for (size_t k = 0; k < stack.size(); ++k) {
          env[static_cast<size_t>(step.outputs[k])] = stack[k].to_tensor();
        }
      }
    } catch (const InternalError&) {
      throw;
    } catch (const Error& e) {
      detail::throw_error<Error>("run: ", step.node->describe(), ": ", e.what());
    }
    for (int s : step.release) env[static_cast<size_t>(s)] = Tensor();
  }
  std::vector<NamedTensor> out;
  for (size_t i = 0; i < p.output_slots.size(); ++i) {
    out.emplace_back(p.outputs[i].name, env[static_cast<size_t>(p.output_slots[i])]);
  }
  return out;
}

}  // namespace tessera::runtime
