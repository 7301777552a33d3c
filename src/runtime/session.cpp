// Session: plans a graph (slots for values, argument sources, when each value dies) and
// runs it through the dispatcher's boxed path, node by node; plans per value of the inputs
// a model needs as constants (Note [Specialising on inputs]).
#include "runtime/session.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <map>
#include <mutex>
#include <numeric>
#include <unordered_map>

#include "api/functions.h"
#include "core/factories.h"
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

// One node of a planned graph: an op call (its argument sources) or control flow (its
// inputs' slots and its blocks, planned).
struct GraphPlan;
struct Step {
  const ir::Node* node;
  OperatorHandle op;
  std::vector<ArgSource> args;                     // an op
  std::vector<int> inputs;                         // control flow
  std::vector<std::unique_ptr<GraphPlan>> blocks;  // control flow
  std::vector<int> outputs;
  std::vector<int> release;  // slots whose last use is this step
};

// A run's clock and profile, shared by the graphs it runs.
struct RunContext {
  using Clock = std::chrono::steady_clock;
  Clock::time_point t0 = Clock::now();
  std::vector<NodeTiming>* profile = nullptr;
  double us(Clock::time_point t) const {
    return std::chrono::duration<double, std::micro>(t - t0).count();
  }
};

// A graph (the model's or a block), planned: each value a slot, each node a step.
struct GraphPlan {
  int num_slots = 0;
  std::vector<std::pair<int, Tensor>> constants;
  std::vector<int> input_slots;  // by graph input
  std::vector<int> output_slots;
  std::vector<Step> steps;

  explicit GraphPlan(const ir::Graph& g);
  // Runs with inputs (by graph input) already checked.
  std::vector<Tensor> run(std::vector<Tensor> inputs, const RunContext& cx) const;

 private:
  void run_op(const Step& step, std::vector<Tensor>& env, Stack& stack) const;
  void run_if(const Step& step, std::vector<Tensor>& env, const RunContext& cx) const;
  void run_loop(const Step& step, std::vector<Tensor>& env, const RunContext& cx) const;
};

// One imported model, optimised and planned: what a run executes.
struct Plan {
  onnx_frontend::Model model;
  passes::MemoryPlan memory;  // reported, see Note [Static memory plan]
  std::unique_ptr<GraphPlan> graph;
  std::unordered_map<std::string, size_t> input_index;  // graph inputs by ONNX name

  Plan(onnx_frontend::Model m, passes::Level level);
  std::vector<Tensor> run(const std::vector<NamedTensor>& inputs,
                          std::vector<NodeTiming>* profile) const;
};

Plan::Plan(onnx_frontend::Model m, passes::Level level) : model(std::move(m)) {
  ir::verify(*model.graph);
  passes::optimize(*model.graph, level);
  memory = passes::plan_memory(*model.graph);
  graph = std::make_unique<GraphPlan>(*model.graph);
  for (size_t i = 0; i < model.input_names.size(); ++i) input_index[model.input_names[i]] = i;
}

// Runs with inputs already checked; inputs the plan bound as constants are ignored.
std::vector<Tensor> Plan::run(const std::vector<NamedTensor>& inputs,
                              std::vector<NodeTiming>* profile) const {
  RunContext cx;
  cx.profile = profile;
  std::vector<Tensor> by_index(input_index.size());
  for (const auto& [name, t] : inputs) {
    const auto it = input_index.find(name);
    if (it != input_index.end()) by_index[it->second] = t;
  }
  return graph->run(std::move(by_index), cx);
}

GraphPlan::GraphPlan(const ir::Graph& g) {
  std::unordered_map<const ir::Value*, int> slot;
  const auto slot_of = [&](const ir::Value* v) {
    const auto [it, fresh] = slot.emplace(v, num_slots);
    if (fresh) ++num_slots;
    return it->second;
  };
  for (const ir::Value* in : g.inputs()) input_slots.push_back(slot_of(in));
  for (const ir::Value* c : g.constants()) {
    c->constant().storage()->freeze();  // see Note [Frozen storage]
    constants.emplace_back(slot_of(c), c->constant());
  }
  for (const ir::Node* n : g.nodes()) {
    Step step{n, n->op(), {}, {}, {}, {}, {}};
    if (!n->is_op()) {
      for (const ir::Value* in : n->inputs()) step.inputs.push_back(slot_of(in));
      for (const auto& b : n->blocks()) step.blocks.push_back(std::make_unique<GraphPlan>(*b));
    }
    for (int i = 0; i < n->num_args(); ++i) {
      const Argument& a = n->schema().arguments[static_cast<size_t>(i)];
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
    steps.push_back(std::move(step));
  }
  for (const ir::Value* out : g.outputs()) output_slots.push_back(slot_of(out));
  // A value dies after its last reader unless it is an output or a constant.
  std::vector<int> last_use(static_cast<size_t>(num_slots), -1);
  for (size_t k = 0; k < steps.size(); ++k) {
    for (const ArgSource& a : steps[k].args) {
      for (int s : a.slots) last_use[static_cast<size_t>(s)] = static_cast<int>(k);
    }
    for (int s : steps[k].inputs) last_use[static_cast<size_t>(s)] = static_cast<int>(k);
  }
  for (int s : output_slots) last_use[static_cast<size_t>(s)] = -1;
  for (const auto& [s, t] : constants) last_use[static_cast<size_t>(s)] = -1;
  for (int s = 0; s < num_slots; ++s) {
    const int k = last_use[static_cast<size_t>(s)];
    if (k >= 0) steps[static_cast<size_t>(k)].release.push_back(s);
  }
}

std::vector<Tensor> GraphPlan::run(std::vector<Tensor> inputs, const RunContext& cx) const {
  std::vector<Tensor> env(static_cast<size_t>(num_slots));
  for (const auto& [s, t] : constants) env[static_cast<size_t>(s)] = t;
  for (size_t i = 0; i < inputs.size(); ++i) {
    env[static_cast<size_t>(input_slots[i])] = std::move(inputs[i]);
  }
  Stack stack;
  for (const Step& step : steps) {
    const auto start = cx.profile ? RunContext::Clock::now() : RunContext::Clock::time_point();
    try {
      switch (step.node->kind()) {
        case ir::NodeKind::Op:
          run_op(step, env, stack);
          break;
        case ir::NodeKind::If:
          run_if(step, env, cx);
          break;
        case ir::NodeKind::Loop:
          run_loop(step, env, cx);
          break;
      }
      // What inference (and the model's declarations) said must hold: later passes and
      // the memory plan rely on it.
      for (size_t k = 0; k < step.outputs.size(); ++k) {
        const ir::Value* v = step.node->output(static_cast<int>(k));
        const Tensor& t = env[static_cast<size_t>(step.outputs[k])];
        TSR_CHECK(v->type().admits(t), "output %", v->name(), " is ", ir::TensorType::of(t).str(),
                  " but the graph types it ", v->type().str());
      }
    } catch (const InternalError&) {
      throw;
    } catch (const Error& e) {
      detail::throw_error<Error>("run: ", step.node->describe(), ": ", e.what());
    }
    for (int s : step.release) env[static_cast<size_t>(s)] = Tensor();
    if (cx.profile) {
      const auto end = RunContext::Clock::now();
      cx.profile->push_back(
          NodeTiming{step.node->name().empty() ? step.node->describe() : step.node->name(),
                     step.node->op_name(), cx.us(start), cx.us(end) - cx.us(start)});
    }
  }
  std::vector<Tensor> out;
  for (int s : output_slots) out.push_back(env[static_cast<size_t>(s)]);
  return out;
}

void GraphPlan::run_op(const Step& step, std::vector<Tensor>& env, Stack& stack) const {
  stack.clear();
  for (const ArgSource& a : step.args) {
    switch (a.kind) {
      case ArgSource::Kind::Literal:
        stack.push_back(a.literal);
        break;
      case ArgSource::Kind::Slot:
        stack.emplace_back(env[static_cast<size_t>(a.slots[0])]);
        break;
      case ArgSource::Kind::ReadSlot:
        stack.push_back(ir::read_argument(*a.arg, env[static_cast<size_t>(a.slots[0])], a.element));
        break;
      case ArgSource::Kind::Slots: {
        std::vector<Tensor> list;
        for (int s : a.slots) list.push_back(env[static_cast<size_t>(s)]);
        stack.emplace_back(std::move(list));
        break;
      }
    }
  }
  step.op.call_boxed(stack);
  const std::vector<Tensor> results = ir::node_results(*step.node, stack);
  for (size_t k = 0; k < results.size(); ++k) {
    env[static_cast<size_t>(step.outputs[k])] = results[k];
  }
}

// A one-element tensor's truth, as ONNX's If and Loop read their conditions.
bool truth(const Tensor& t, const char* what) {
  TSR_CHECK(t.numel() == 1, what, " has ", t.numel(), " elements, not one");
  return t.reshape({}).item().to<bool>();
}

void GraphPlan::run_if(const Step& step, std::vector<Tensor>& env, const RunContext& cx) const {
  const bool cond = truth(env[static_cast<size_t>(step.inputs[0])], "the condition");
  std::vector<Tensor> captured;
  for (size_t k = 1; k < step.inputs.size(); ++k) {
    captured.push_back(env[static_cast<size_t>(step.inputs[k])]);
  }
  std::vector<Tensor> outs = step.blocks[cond ? 0 : 1]->run(std::move(captured), cx);
  for (size_t k = 0; k < outs.size(); ++k) {
    env[static_cast<size_t>(step.outputs[k])] = std::move(outs[k]);
  }
}

// Loops stop with an error past this many iterations: a model whose loop never ends (no
// trip count and a condition that stays true) must not hang the caller.
constexpr int64_t kMaxLoopIterations = int64_t{1} << 24;

void GraphPlan::run_loop(const Step& step, std::vector<Tensor>& env, const RunContext& cx) const {
  const ir::Node& n = *step.node;
  const Tensor& m = env[static_cast<size_t>(step.inputs[0])];
  TSR_CHECK(m.numel() == 1 && is_integral(m.dtype(), false),
            "the trip count must be one integer, got ", ir::TensorType::of(m).str());
  const int64_t max_trips = m.reshape({}).item().to<int64_t>();
  bool cond = truth(env[static_cast<size_t>(step.inputs[1])], "the condition");
  const auto carried = static_cast<size_t>(n.num_carried());
  std::vector<Tensor> values;  // carried, then captured
  for (size_t k = 2; k < step.inputs.size(); ++k) {
    values.push_back(env[static_cast<size_t>(step.inputs[k])]);
  }
  const size_t scanned = n.outputs().size() - carried;
  std::vector<std::vector<Tensor>> scans(scanned);
  for (int64_t i = 0; i < max_trips && cond; ++i) {
    TSR_CHECK(i < kMaxLoopIterations, "the loop runs past ", kMaxLoopIterations, " iterations");
    std::vector<Tensor> ins{scalar_tensor(i, DType::Int64), scalar_tensor(cond, DType::Bool)};
    ins.insert(ins.end(), values.begin(), values.end());
    std::vector<Tensor> outs = step.blocks[0]->run(std::move(ins), cx);
    cond = truth(outs[0], "the body's condition");
    for (size_t k = 0; k < carried; ++k) values[k] = std::move(outs[1 + k]);
    for (size_t k = 0; k < scanned; ++k) scans[k].push_back(std::move(outs[1 + carried + k]));
  }
  for (size_t k = 0; k < carried; ++k) env[static_cast<size_t>(step.outputs[k])] = values[k];
  for (size_t k = 0; k < scanned; ++k) {
    Tensor out;
    if (!scans[k].empty()) {
      out = stack(scans[k]);
    } else {  // no iteration: empty, of the body's rank (its dims 0 where not known)
      const ir::TensorType& t = n.output(static_cast<int>(carried + k))->type();
      std::vector<int64_t> sizes{0};
      if (t.shape) {
        for (size_t d = 1; d < t.shape->size(); ++d) {
          sizes.push_back(std::max<int64_t>((*t.shape)[d].size, 0));
        }
      }
      out = zeros(sizes, t.dtype.value_or(DType::Float32));
    }
    env[static_cast<size_t>(step.outputs[carried + k])] = std::move(out);
  }
}

std::string io_list(const std::vector<IoInfo>& ios) {
  std::string s;
  for (const IoInfo& io : ios) s += (s.empty() ? "" : ", ") + io.name;
  return s;
}

// A key of the values of the specialised inputs (dtype, shape and bytes of each) and of the
// structure of the sequence and optional ones (each element's type).
std::string key_of(const std::vector<std::string>& names, const std::vector<IoInfo>& ios,
                   const std::vector<NamedValue>& inputs) {
  std::string key;
  for (const auto& [name, v] : inputs) {
    const bool specialised = std::find(names.begin(), names.end(), name) != names.end();
    const auto io =
        std::find_if(ios.begin(), ios.end(), [&](const IoInfo& i) { return i.name == name; });
    const bool structured = io != ios.end() && io->kind != onnx_frontend::ValueKind::Tensor;
    if (structured) {
      key += name + ":";
      if (v.is_none()) key += "none";
      if (v.is_tensor()) key += ir::TensorType::of(v.to_tensor()).str();
      if (v.is_tensor_list()) {
        key += "[";
        for (const Tensor& t : v.to_tensor_list()) key += ir::TensorType::of(t).str() + ",";
        key += "]";
      }
      key += ';';
    } else if (specialised) {
      const Tensor c = v.to_tensor().contiguous();
      key += name + ":" + ir::TensorType::of(c).str() + ":";
      key.append(static_cast<const char*>(c.data_ptr()), c.nbytes());
      key += ';';
    }
  }
  return key;
}

}  // namespace

struct Session::State {
  onnx::ModelProto proto;
  std::filesystem::path base_dir;
  passes::Level level = passes::Level::All;
  std::vector<IoInfo> inputs, outputs;
  // The plan of a model that needs no input values as constants (the usual case): runs
  // use it without a lock. Otherwise null, and plan_for finds the plan per value.
  std::shared_ptr<const Plan> plan;
  mutable std::mutex mu;                                             // guards the two below
  mutable std::vector<std::string> specialise;                       // graph inputs bound per value
  mutable std::map<std::string, std::shared_ptr<const Plan>> plans;  // by key_of

  // The plan for these input values: imported with the specialised inputs bound as
  // constants, learning new ones from NeedsConstant.
  std::shared_ptr<const Plan> plan_for(const std::vector<NamedValue>& given) const {
    std::lock_guard lock(mu);
    while (true) {
      const std::string key = key_of(specialise, inputs, given);
      const auto it = plans.find(key);
      if (it != plans.end()) return it->second;
      std::map<std::string, Tensor> bound;
      std::map<std::string, IValue> structured;
      for (const auto& [name, v] : given) {
        const auto io = std::find_if(inputs.begin(), inputs.end(),
                                     [&](const IoInfo& i) { return i.name == name; });
        if (io != inputs.end() && io->kind != onnx_frontend::ValueKind::Tensor) {
          structured.emplace(name, v);
        } else if (std::find(specialise.begin(), specialise.end(), name) != specialise.end()) {
          bound.emplace(name, v.to_tensor().clone());  // frozen below: the caller's stays free
        }
      }
      try {
        auto plan = std::make_shared<const Plan>(
            onnx_frontend::import_model(proto, base_dir, /*allow_unsupported=*/false, bound,
                                        structured),
            level);
        plans.emplace(key, plan);
        return plan;
      } catch (const onnx_frontend::NeedsConstant& e) {
        if (!learn(e)) throw;
      }
    }
  }

  // Adds the graph inputs e's value is computed from to those specialised on; false when
  // that cannot help (none are new, or they are not all graph inputs, or the value is
  // computed from an input too large to plan per value: more than 64 elements or of
  // unknown size).
  bool learn(const onnx_frontend::NeedsConstant& e) const {
    if (e.inputs().empty()) return false;
    const bool direct = e.inputs().size() == 1 && e.inputs()[0] == e.value();
    std::vector<std::string> added;
    for (const std::string& n : e.inputs()) {
      const auto io =
          std::find_if(inputs.begin(), inputs.end(), [&](const IoInfo& i) { return i.name == n; });
      if (io == inputs.end()) return false;
      const auto shape = io->type.static_shape();
      if (!direct && (!shape || std::accumulate(shape->begin(), shape->end(), int64_t{1},
                                                std::multiplies<>()) > 64)) {
        return false;
      }
      if (std::find(specialise.begin(), specialise.end(), n) == specialise.end()) {
        added.push_back(n);
      }
    }
    specialise.insert(specialise.end(), added.begin(), added.end());
    return !added.empty();
  }
};

Session Session::load(const std::filesystem::path& path, passes::Level level) {
  return Session(onnx_frontend::read_model(path),
                 path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path(),
                 level);
}

Session Session::from_bytes(std::string_view bytes, const std::filesystem::path& base_dir,
                            passes::Level level) {
  return Session(onnx_frontend::parse_model(bytes), base_dir, level);
}

Session::Session(onnx::ModelProto proto, std::filesystem::path base_dir, passes::Level level)
    : state_(std::make_unique<State>()) {
  State& s = *state_;
  s.proto = std::move(proto);
  s.base_dir = std::move(base_dir);
  s.level = level;
  const auto& g = s.proto.graph();
  for (const auto& vi : g.input()) {
    const bool initializer = std::any_of(g.initializer().begin(), g.initializer().end(),
                                         [&](const auto& t) { return t.name() == vi.name(); });
    if (!initializer) {
      s.inputs.push_back(
          IoInfo{vi.name(), onnx_frontend::type_of(vi.type()), onnx_frontend::kind_of(vi.type())});
    }
  }
  for (const auto& vi : g.output()) {
    s.outputs.push_back(
        IoInfo{vi.name(), onnx_frontend::type_of(vi.type()), onnx_frontend::kind_of(vi.type())});
  }
  // Plan now, unless the model needs input values as constants (then the first run does).
  try {
    s.plan =
        std::make_shared<const Plan>(onnx_frontend::import_model(s.proto, s.base_dir), s.level);
  } catch (const onnx_frontend::NeedsConstant& e) {
    if (!s.learn(e)) throw;
  }
}

Session::Session(Session&&) noexcept = default;
Session& Session::operator=(Session&&) noexcept = default;
Session::~Session() = default;

const std::vector<IoInfo>& Session::inputs() const {
  return state_->inputs;
}
const std::vector<IoInfo>& Session::outputs() const {
  return state_->outputs;
}

const passes::MemoryPlan* Session::memory_plan() const {
  return state_->plan ? &state_->plan->memory : nullptr;
}

std::vector<std::string> Session::specialised_inputs() const {
  std::lock_guard lock(state_->mu);
  return state_->specialise;
}

std::string chrome_trace(const std::vector<NodeTiming>& timings) {
  nlohmann::json events = nlohmann::json::array();
  for (const NodeTiming& t : timings) {
    events.push_back({{"name", t.node},
                      {"cat", t.op},
                      {"ph", "X"},
                      {"ts", t.start_us},
                      {"dur", t.duration_us},
                      {"pid", 0},
                      {"tid", 0},
                      {"args", {{"op", t.op}}}});
  }
  return nlohmann::json{{"traceEvents", events}, {"displayTimeUnit", "ms"}}.dump();
}

std::vector<NamedValue> Session::run_values(const std::vector<NamedValue>& inputs,
                                            std::vector<NodeTiming>* profile) const {
  const State& s = *state_;
  std::vector<bool> given(s.inputs.size());
  std::map<std::string, int64_t> symbols;
  std::vector<NamedTensor> flat;  // what the plan's graph takes: sequences by element
  for (const auto& [name, v] : inputs) {
    size_t i = 0;
    while (i < s.inputs.size() && s.inputs[i].name != name) ++i;
    TSR_CHECK(i < s.inputs.size(), "run: the model has no input '", name,
              "' (its inputs: ", io_list(s.inputs), ")");
    TSR_CHECK(!given[i], "run: input '", name, "' is given twice");
    given[i] = true;
    const IoInfo& io = s.inputs[i];
    const ir::TensorType& want = io.type;
    const auto check = [&](const Tensor& t) {
      TSR_CHECK(t.defined(), "run: input '", name, "' is an undefined tensor");
      const auto mismatch = [&](const std::string& why) {
        detail::throw_error<Error>("run: input '", name, "' must be ", want.str(), " but is ",
                                   ir::TensorType::of(t).str(), " (", why, ")");
      };
      if (want.dtype && *want.dtype != t.dtype()) mismatch("dtype");
      if (!want.shape || io.kind != onnx_frontend::ValueKind::Tensor) return;
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
    };
    switch (io.kind) {
      case onnx_frontend::ValueKind::Tensor:
        TSR_CHECK(v.is_tensor(), "run: input '", name, "' must be a tensor");
        check(v.to_tensor());
        flat.emplace_back(name, v.to_tensor());
        break;
      case onnx_frontend::ValueKind::Sequence:
      case onnx_frontend::ValueKind::Optional:
        TSR_CHECK(v.is_tensor_list() || (io.kind == onnx_frontend::ValueKind::Optional &&
                                         (v.is_none() || v.is_tensor())),
                  "run: input '", name, "' must be ",
                  io.kind == onnx_frontend::ValueKind::Sequence
                      ? "a sequence (a list of tensors)"
                      : "an optional (a tensor, a list of tensors or None)");
        if (v.is_tensor()) {
          check(v.to_tensor());
          flat.emplace_back(name, v.to_tensor());
        }
        if (v.is_tensor_list()) {
          const auto& list = v.to_tensor_list();
          for (size_t k = 0; k < list.size(); ++k) {
            check(list[k]);
            flat.emplace_back(onnx_frontend::element_name(name, k), list[k]);
          }
        }
        break;
    }
  }
  for (size_t i = 0; i < given.size(); ++i) {
    TSR_CHECK(given[i], "run: input '", s.inputs[i].name, "' is missing");
  }
  const std::shared_ptr<const Plan> plan = s.plan ? s.plan : s.plan_for(inputs);
  const std::vector<Tensor> values = plan->run(flat, profile);
  // The graph's outputs put back together as the model's (Model::outputs).
  std::vector<NamedValue> out;
  size_t at = 0;
  for (const auto& o : plan->model.outputs) {
    switch (o.kind) {
      case onnx_frontend::Model::Output::Kind::Tensor:
        out.emplace_back(o.name, values[at++]);
        break;
      case onnx_frontend::Model::Output::Kind::Sequence: {
        std::vector<Tensor> list(values.begin() + static_cast<std::ptrdiff_t>(at),
                                 values.begin() + static_cast<std::ptrdiff_t>(at) + o.count);
        at += static_cast<size_t>(o.count);
        out.emplace_back(o.name, IValue(std::move(list)));
        break;
      }
      case onnx_frontend::Model::Output::Kind::None:
        out.emplace_back(o.name, IValue());
        break;
    }
  }
  return out;
}

std::vector<NamedTensor> Session::run(const std::vector<NamedTensor>& inputs,
                                      std::vector<NodeTiming>* profile) const {
  std::vector<NamedValue> values;
  values.reserve(inputs.size());
  for (const auto& [name, t] : inputs) values.emplace_back(name, IValue(t));
  std::vector<NamedTensor> out;
  for (auto& [name, v] : run_values(values, profile)) {
    TSR_CHECK(v.is_tensor(), "run: output '", name,
              "' is a sequence or an optional; Session::run_values returns those");
    out.emplace_back(name, v.to_tensor());
  }
  return out;
}

}  // namespace tessera::runtime
