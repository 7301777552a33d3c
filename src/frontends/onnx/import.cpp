// Reading ONNX models and lowering their nodes into the IR. See Note [ONNX import].
#include "frontends/onnx/import.h"

#include <fstream>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include <onnx/shape_inference/implementation.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>

#include "core/factories.h"
#include "frontends/onnx/lower.h"
#include "frontends/onnx/tensor_proto.h"
#include "passes/passes.h"

namespace tessera::onnx_frontend {
namespace {

struct LoweringRow {
  int since;
  LowerFn fn;
};

std::unordered_map<std::string, std::vector<LoweringRow>>& lowerings() {
  static std::unordered_map<std::string, std::vector<LoweringRow>> table;
  return table;
}

// A dim_param as an IR symbol: characters outside [A-Za-z0-9_.] become '_'.
std::string symbol_of(const std::string& p) {
  std::string s = p;
  for (char& c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.') c = '_';
  }
  return s;
}

}  // namespace

ValueKind kind_of(const onnx::TypeProto& t) {
  if (t.has_sequence_type()) return ValueKind::Sequence;
  if (t.has_optional_type()) return ValueKind::Optional;
  return ValueKind::Tensor;
}

ir::TensorType type_of(const onnx::TypeProto& t) {
  ir::TensorType out;
  if (t.has_sequence_type()) return type_of(t.sequence_type().elem_type());
  if (t.has_optional_type()) return type_of(t.optional_type().elem_type());
  if (!t.has_tensor_type()) return out;
  const auto& tt = t.tensor_type();
  out.dtype = dtype_of(tt.elem_type());
  if (tt.has_shape()) {
    std::vector<ir::Dim> dims;
    for (const auto& d : tt.shape().dim()) {
      if (d.has_dim_value() && d.dim_value() >= 0) {
        dims.push_back(ir::Dim::of(d.dim_value()));
      } else if (d.has_dim_param() && !d.dim_param().empty()) {
        dims.push_back(ir::Dim::sym(symbol_of(d.dim_param())));
      } else {
        dims.push_back(ir::Dim::unknown());
      }
    }
    out.shape = std::move(dims);
  }
  return out;
}

namespace {}  // namespace

std::string element_name(const std::string& sequence, size_t k) {
  return sequence + "[" + std::to_string(k) + "]";
}

namespace {

// A lowered value's type (tessera's inference) completed by what ONNX's inference declared
// for it: a dtype or rank tessera could not tell, and dims it left unknown (ONNX's symbolic
// names among them). Where the two disagree, tessera's, the kernels' own rules, stands.
ir::TensorType with_declared(ir::TensorType t, const ir::TensorType& declared) {
  if (!t.dtype) t.dtype = declared.dtype;
  if (!t.shape) {
    t.shape = declared.shape;
  } else if (declared.shape && declared.shape->size() == t.shape->size()) {
    for (size_t i = 0; i < t.shape->size(); ++i) {
      ir::Dim& d = (*t.shape)[i];
      if (!d.is_static() && !d.is_symbol()) d = (*declared.shape)[i];
    }
  }
  return t;
}

std::string op_key(const onnx::NodeProto& n) {
  const bool default_domain = n.domain().empty() || n.domain() == "ai.onnx";
  return default_domain ? n.op_type() : n.domain() + ":" + n.op_type();
}

// Note [Isolated shape inference]
// Types come from ONNX's own shape inference (libonnx: each op's inference function), where
// it succeeds; it rejects some valid models, and it is not hardened against malformed ones:
// the importer's fuzzer made it crash (a segfault inside libonnx 1.12). Model files are
// untrusted, so it runs in a forked child that writes the typed graph's value infos back
// through a pipe; a child that crashes, fails or takes over 10 s leaves the model untyped
// (lowerings that need a rank or a static shape then say so).
std::optional<onnx::GraphProto> infer_types(const onnx::ModelProto& proto) {
  int fds[2];
  if (pipe(fds) != 0) return std::nullopt;
  const pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return std::nullopt;
  }
  if (pid == 0) {  // the child: infer, send the value infos, and leave without cleanup
    close(fds[0]);
    // A crash here is the child's own: it dies quietly (no handler the parent installed, a
    // fuzzer's say, reports it as the parent's), and the parent reads no types.
    for (const int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) signal(sig, SIG_DFL);
    std::string out;
    try {
      onnx::ModelProto typed = proto;
      onnx::shape_inference::InferShapes(typed);
      onnx::GraphProto types;
      *types.mutable_input() = typed.graph().input();
      *types.mutable_value_info() = typed.graph().value_info();
      *types.mutable_output() = typed.graph().output();
      types.SerializeToString(&out);
    } catch (...) {
    }
    for (size_t at = 0; at < out.size();) {
      const ssize_t n = write(fds[1], out.data() + at, out.size() - at);
      if (n <= 0) break;
      at += static_cast<size_t>(n);
    }
    _exit(0);
  }
  close(fds[1]);
  std::string in;
  char buf[1 << 16];
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  bool timed_out = false;
  while (true) {
    pollfd p{fds[0], POLLIN, 0};
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0 || poll(&p, 1, static_cast<int>(left)) <= 0) {
      timed_out = true;
      break;
    }
    const ssize_t n = read(fds[0], buf, sizeof buf);
    if (n <= 0) break;
    in.append(buf, static_cast<size_t>(n));
  }
  close(fds[0]);
  if (timed_out) kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  if (timed_out || !WIFEXITED(status) || WEXITSTATUS(status) != 0 || in.empty()) {
    return std::nullopt;
  }
  onnx::GraphProto types;
  if (!types.ParseFromString(in)) return std::nullopt;
  return types;
}

}  // namespace

void register_lowering(std::string op_type, int since_opset, LowerFn fn) {
  auto& rows = lowerings()[std::move(op_type)];
  rows.push_back(LoweringRow{since_opset, std::move(fn)});
  std::sort(rows.begin(), rows.end(),
            [](const LoweringRow& a, const LoweringRow& b) { return a.since > b.since; });
}

const LowerFn* find_lowering(std::string_view op_type, int64_t opset) {
  const auto it = lowerings().find(std::string(op_type));
  if (it == lowerings().end()) return nullptr;
  for (const LoweringRow& r : it->second) {
    if (r.since <= opset) return &r.fn;
  }
  return nullptr;
}

// ---- Lowerer ----

std::string Lowerer::where() const {
  return "onnx: node \"" +
         (node_.name().empty() ? node_.output_size() ? node_.output(0) : "" : node_.name()) +
         "\" (" + node_.op_type() + "): ";
}

const Symbol& Lowerer::symbol(int i) const {
  static const Symbol absent;
  return i < num_inputs() ? inputs_[static_cast<size_t>(i)] : absent;
}

ir::Value* Lowerer::in_opt(int i) const {
  const Symbol& s = symbol(i);
  if (s.sequence) fail("input ", i, " is a sequence where a tensor is expected");
  return s.tensor;
}

const std::vector<ir::Value*>& Lowerer::sequence_in(int i) const {
  const Symbol& s = symbol(i);
  if (!s.sequence) fail("input ", i, " must be a sequence");
  return *s.sequence;
}

ir::Value* Lowerer::in(int i) const {
  ir::Value* v = in_opt(i);
  if (v == nullptr) fail("input ", i, " is required");
  return v;
}

std::optional<Tensor> Lowerer::constant_in(int i) const {
  ir::Value* v = in_opt(i);
  if (v == nullptr || !v->is_constant()) return std::nullopt;
  return v->constant();
}

std::optional<std::vector<int64_t>> Lowerer::ints_in(int i) const {
  const std::optional<Tensor> t = constant_in(i);
  if (!t) return std::nullopt;
  if (!is_integral(t->dtype(), false)) fail("input ", i, " must be an integer tensor");
  if (t->dim() > 1) fail("input ", i, " must be 1-d, not ", t->dim(), "-d");
  const Tensor c = t->to(DType::Int64).contiguous();
  const auto* p = static_cast<const int64_t*>(c.data_ptr());
  return std::vector<int64_t>(p, p + c.numel());
}

Tensor Lowerer::need_constant(int i, const char* what) const {
  if (auto t = constant_in(i)) return *t;
  ir::Value* v = in(i);
  // The graph inputs v is computed from.
  std::vector<std::string> inputs;
  std::vector<const ir::Value*> stack{v};
  std::unordered_set<const ir::Value*> seen{v};
  while (!stack.empty()) {
    const ir::Value* u = stack.back();
    stack.pop_back();
    if (u->producer() == nullptr) {
      if (!u->is_constant()) inputs.push_back(u->name());
      continue;
    }
    for (const ir::Value* w : u->producer()->inputs()) {
      if (seen.insert(w).second) stack.push_back(w);
    }
  }
  throw NeedsConstant(where() + what + " ('" + v->name() + "') must be known before the run",
                      v->name(), std::move(inputs));
}

std::vector<int64_t> Lowerer::need_ints(int i, const char* what) const {
  need_constant(i, what);
  return *ints_in(i);
}

std::vector<double> Lowerer::need_floats(int i, const char* what) const {
  const Tensor c = need_constant(i, what).to(DType::Float64).contiguous();
  const auto* p = static_cast<const double*>(c.data_ptr());
  return std::vector<double>(p, p + c.numel());
}

const onnx::AttributeProto* Lowerer::find(std::string_view name) const {
  for (const auto& a : node_.attribute()) {
    if (a.name() == name) return &a;
  }
  return nullptr;
}

const onnx::AttributeProto& Lowerer::need(std::string_view name, int type) const {
  const onnx::AttributeProto* a = find(name);
  if (a == nullptr) fail("attribute '", name, "' is required");
  // Old exporters leave `type` unset; then the field present decides.
  if (a->type() != onnx::AttributeProto::UNDEFINED && a->type() != type) {
    fail("attribute '", name, "' has type ", onnx::AttributeProto::AttributeType_Name(a->type()),
         " but ",
         onnx::AttributeProto::AttributeType_Name(
             static_cast<onnx::AttributeProto::AttributeType>(type)),
         " was expected");
  }
  return *a;
}

int64_t Lowerer::attr_int(std::string_view name, int64_t fallback) const {
  return has_attr(name) ? need(name, onnx::AttributeProto::INT).i() : fallback;
}

float Lowerer::attr_float(std::string_view name, float fallback) const {
  return has_attr(name) ? need(name, onnx::AttributeProto::FLOAT).f() : fallback;
}

std::string Lowerer::attr_string(std::string_view name, std::string fallback) const {
  return has_attr(name) ? need(name, onnx::AttributeProto::STRING).s() : fallback;
}

std::vector<int64_t> Lowerer::attr_ints(std::string_view name,
                                        std::vector<int64_t> fallback) const {
  if (!has_attr(name)) return fallback;
  const auto& a = need(name, onnx::AttributeProto::INTS);
  return {a.ints().begin(), a.ints().end()};
}

std::vector<float> Lowerer::attr_floats(std::string_view name, std::vector<float> fallback) const {
  if (!has_attr(name)) return fallback;
  const auto& a = need(name, onnx::AttributeProto::FLOATS);
  return {a.floats().begin(), a.floats().end()};
}

Tensor Lowerer::attr_tensor(std::string_view name) const {
  const auto& a = need(name, onnx::AttributeProto::TENSOR);
  return to_tensor(a.t(), base_dir_, node_.name() + "." + std::string(name));
}

const onnx::GraphProto& Lowerer::attr_graph(std::string_view name) const {
  return need(name, onnx::AttributeProto::GRAPH).g();
}

std::vector<Symbol> Lowerer::lower_subgraph(std::string_view name,
                                            const std::vector<Symbol>& inputs) {
  if (subgraph_ == nullptr) fail("sub-graphs cannot be lowered here");
  return (*subgraph_)(node_, attr_graph(name), inputs);
}

Region Lowerer::lower_region(std::string_view name, const std::vector<ir::TensorType>& types,
                             const std::vector<ir::Value*>& seed) {
  if (region_ == nullptr) fail("sub-graphs cannot be lowered here");
  return (*region_)(node_, attr_graph(name), types, seed);
}

std::vector<std::string> Lowerer::output_names(int n) {
  const std::string base = num_outputs() > 0 && !node_.output(0).empty() ? node_.output(0) : "t";
  std::vector<std::string> names;
  for (int i = 0; i < n; ++i) {
    names.push_back(g_.fresh_name(base));
    g_.reserve_names({names.back()});
  }
  return names;
}

std::vector<ir::Value*> Lowerer::op_n(std::string_view op, int n, std::vector<ir::Input> positional,
                                      std::vector<std::pair<std::string, ir::Input>> keyword) {
  std::vector<std::string> names = output_names(n);
  ir::Node* created = nullptr;
  try {
    created = g_.create(op, std::move(positional), std::move(keyword), n, names);
  } catch (const Error& e) {
    fail(e.what());
  }
  created->set_name(node_.name());
  try {
    // Every input a constant: run the op now (shape arithmetic on static shapes folds away).
    if (auto constants = passes::fold_constant(g_, created)) return *constants;
    // Typed as it is made, so later lowerings can ask for its rank and sizes.
    passes::refine_output_types(*created);
  } catch (const Error& e) {
    fail(e.what());
  }
  return created->outputs();
}

ir::Value* Lowerer::op(std::string_view op, std::vector<ir::Input> positional,
                       std::vector<std::pair<std::string, ir::Input>> keyword) {
  return op_n(op, 1, std::move(positional), std::move(keyword))[0];
}

ir::Value* Lowerer::constant(Tensor t) {
  const std::string base = num_outputs() > 0 && !node_.output(0).empty() ? node_.output(0) : "c";
  return g_.add_constant(g_.fresh_name(base), std::move(t));
}

ir::Value* Lowerer::scalar(double v, DType d) {
  return constant(scalar_tensor(v, d));
}

ir::Input Lowerer::scalar_in(int i) const {
  const std::optional<Tensor> t = constant_in(i);
  if (!t) return in(i);
  if (t->numel() != 1) fail("input ", i, " must hold one element, not ", t->numel());
  return IValue(t->reshape({}).item());
}

std::optional<int64_t> Lowerer::rank(const ir::Value* v) const {
  if (!v->type().shape) return std::nullopt;
  return static_cast<int64_t>(v->type().shape->size());
}

int64_t Lowerer::need_rank(const ir::Value* v, const char* why) const {
  const auto r = rank(v);
  if (!r) fail("the rank of '", v->name(), "' is unknown (shape inference failed), and ", why);
  return *r;
}

int64_t Lowerer::dim_index(int64_t axis, const std::vector<int64_t>& shape) const {
  if (shape.empty()) fail("a 0-d input has no axis ", axis);
  return normalize_axis(axis, static_cast<int64_t>(shape.size()));
}

int64_t Lowerer::normalize_axis(int64_t axis, int64_t rank) const {
  if (axis < -rank || axis >= std::max<int64_t>(rank, 1)) {
    fail("axis ", axis, " is out of range for rank ", rank);
  }
  return axis < 0 ? axis + rank : axis;
}

// ---- reading and importing ----

onnx::ModelProto parse_model(std::string_view bytes, const std::string& what) {
  TSR_CHECK(bytes.size() <= kMaxModelBytes, "onnx: ", what, " is ", bytes.size(),
            " bytes; protobuf reads at most 2 GiB (larger weights go in external data)");
  onnx::ModelProto m;
  TSR_CHECK(m.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())), "onnx: ", what,
            " is not a valid ONNX model (protobuf parsing failed)");
  TSR_CHECK(m.has_graph(), "onnx: ", what, " has no graph");
  return m;
}

onnx::ModelProto read_model(const std::filesystem::path& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  TSR_CHECK(!ec, "onnx: cannot read '", path.string(), "': ", ec.message());
  TSR_CHECK(size <= kMaxModelBytes, "onnx: '", path.string(), "' is ", size,
            " bytes; protobuf reads at most 2 GiB (larger weights go in external data)");
  std::ifstream in(path, std::ios::binary);
  TSR_CHECK(in.good(), "onnx: cannot open '", path.string(), "'");
  std::string bytes(size, '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(size));
  TSR_CHECK(static_cast<size_t>(in.gcount()) == size, "onnx: reading '", path.string(), "' failed");
  return parse_model(bytes, "'" + path.string() + "'");
}

namespace {

// The opset each domain is imported at ("" for ai.onnx), and the lowering of a node at it.
class Opsets {
 public:
  explicit Opsets(const onnx::ModelProto& proto) {
    for (const auto& o : proto.opset_import()) {
      by_domain_[o.domain() == "ai.onnx" ? "" : o.domain()] = o.version();
    }
    TSR_CHECK(!by_domain_.empty(), "onnx: the model imports no opset");
  }
  int64_t of(const std::string& domain) const {
    const auto it = by_domain_.find(domain == "ai.onnx" ? "" : domain);
    return it == by_domain_.end() ? 0 : it->second;
  }
  // The node's lowering (null: none) and its domain's opset.
  std::pair<const LowerFn*, int64_t> lowering_of(const onnx::NodeProto& n) const {
    const int64_t v = of(n.domain());
    return {v > 0 ? find_lowering(op_key(n), v) : nullptr, v};
  }

 private:
  std::unordered_map<std::string, int64_t> by_domain_;
};

// Elements of a tensor by its dims (saturating: a summary of an untrusted file).
int64_t elements_of(const onnx::TensorProto& t) {
  int64_t n = 1;
  for (const int64_t d : t.dims()) {
    if (d < 0) return 0;
    n = d != 0 && n > std::numeric_limits<int64_t>::max() / d ? std::numeric_limits<int64_t>::max()
                                                              : n * d;
  }
  return n;
}

}  // namespace

Summary summarize(const onnx::ModelProto& proto) {
  const Opsets opsets(proto);
  Summary s;
  s.ir_version = proto.ir_version();
  s.producer = proto.producer_name();
  s.opset = opsets.of("");
  for (const auto& t : proto.graph().initializer()) s.parameters += elements_of(t);
  // Every node, in sub-graphs too (nested at most 16 deep).
  std::function<void(const onnx::GraphProto&, int)> survey = [&](const onnx::GraphProto& graph,
                                                                 int depth) {
    TSR_CHECK(depth < 16, "onnx: sub-graphs nest more than 16 deep");
    for (const auto& n : graph.node()) {
      ++s.op_histogram[op_key(n)];
      if (opsets.lowering_of(n).first == nullptr) ++s.unsupported[op_key(n)];
      for (const auto& a : n.attribute()) {
        if (n.op_type() == "Constant" && a.has_t()) s.parameters += elements_of(a.t());
        if (a.has_g()) survey(a.g(), depth + 1);
        for (const auto& sub : a.graphs()) survey(sub, depth + 1);
      }
    }
  };
  survey(proto.graph(), 0);
  return s;
}

Model import_model(const onnx::ModelProto& proto, const std::filesystem::path& base_dir,
                   bool allow_unsupported, const std::map<std::string, Tensor>& bound,
                   const std::map<std::string, IValue>& structured) {
  Model model;
  model.summary = summarize(proto);
  const Opsets opsets(proto);
  const onnx::GraphProto& gp = proto.graph();

  std::unordered_map<std::string, ir::TensorType> types;
  if (const auto typed = infer_types(proto)) {
    for (const auto* list : {&typed->input(), &typed->value_info(), &typed->output()}) {
      for (const auto& vi : *list) types[vi.name()] = type_of(vi.type());
    }
  }

  const auto& unsupported = model.summary.unsupported;
  if (!unsupported.empty() && !allow_unsupported) {
    std::string list;
    for (const auto& [op, count] : unsupported) {
      list += (list.empty() ? "" : ", ") + op + " (" + std::to_string(count) + ")";
    }
    detail::throw_error<NotImplementedError>("onnx: tessera cannot run these ops of opset ",
                                             model.summary.opset, ": ", list);
  }

  model.graph = std::make_unique<ir::Graph>(gp.name().empty() ? "main" : gp.name());
  ir::Graph& g = *model.graph;
  std::vector<std::string> reserved;
  for (const auto& v : gp.input()) reserved.push_back(v.name());
  for (const auto& t : gp.initializer()) reserved.push_back(t.name());
  for (const auto& n : gp.node()) {
    for (const auto& o : n.output()) reserved.push_back(o);
  }
  g.reserve_names(reserved);

  std::unordered_map<std::string, Symbol> symbols;
  std::unordered_set<const ir::Value*> named;  // values that carry their ONNX name
  for (const auto& t : gp.initializer()) {
    TSR_CHECK(!t.name().empty(), "onnx: an initializer has no name");
    TSR_CHECK(!symbols.contains(t.name()), "onnx: initializer '", t.name(), "' is defined twice");
    Tensor data = to_tensor(t, base_dir, t.name());
    ir::Value* v = g.add_constant(t.name(), std::move(data));
    symbols[t.name()] = v;
    named.insert(v);
  }
  for (const auto& [name, data] : bound) {
    TSR_CHECK(!symbols.contains(name), "onnx: bound input '", name, "' is an initializer");
    ir::Value* v = g.add_constant(name, data);
    symbols[name] = v;
    named.insert(v);
  }
  for (const auto& vi : gp.input()) {
    if (symbols.contains(vi.name())) continue;  // an initializer or bound: a constant
    TSR_CHECK(!vi.name().empty(), "onnx: a graph input has no name");
    const onnx::TypeProto* tp = &vi.type();
    while (tp->has_sequence_type() || tp->has_optional_type()) {
      tp = tp->has_sequence_type() ? &tp->sequence_type().elem_type()
                                   : &tp->optional_type().elem_type();
    }
    TSR_CHECK(tp->has_tensor_type(), "onnx: graph input '", vi.name(),
              "' holds no tensors; tessera runs tensors, sequences and optionals of them");
    const auto dt = dtype_of(tp->tensor_type().elem_type());
    TSR_CHECK_AS(TypeError, dt.has_value(), "onnx: graph input '", vi.name(), "' has element type ",
                 onnx_type_name(tp->tensor_type().elem_type()), ", which tessera does not support");
    if (kind_of(vi.type()) == ValueKind::Tensor) {
      ir::Value* v = g.add_input(vi.name(), type_of(vi.type()));
      symbols[vi.name()] = v;
      named.insert(v);
      model.input_names.push_back(vi.name());
      continue;
    }
    // A sequence or an optional: planned per structure (Note [Sequences at import]); each
    // element an input of its own, typed as given.
    const auto it = structured.find(vi.name());
    if (it == structured.end()) {
      throw NeedsConstant("onnx: graph input '" + vi.name() +
                              "' is a sequence or an optional, whose structure must be known "
                              "before the run",
                          vi.name(), {vi.name()});
    }
    const IValue& given = it->second;
    auto element = [&](const Tensor& t, const std::string& name) {
      ir::Value* v = g.add_input(name, ir::TensorType::of(t));
      model.input_names.push_back(name);
      return v;
    };
    if (given.is_none()) {
      symbols[vi.name()] = Symbol::empty_optional();
    } else if (given.is_tensor_list()) {
      std::vector<ir::Value*> items;
      const auto& list = given.to_tensor_list();
      for (size_t k = 0; k < list.size(); ++k) {
        items.push_back(element(list[k], element_name(vi.name(), k)));
      }
      symbols[vi.name()] = Symbol::of_sequence(std::move(items));
    } else {
      symbols[vi.name()] = element(given.to_tensor(), vi.name());
    }
  }

  // Lowers nodes with the names in scope; the main graph's values take their ONNX names,
  // a sub-graph's keep fresh ones (it may be lowered once per loop iteration). A frame is
  // the names visible in one graph being built: the model's, a sub-graph lowered inline
  // (a copy of its owner's names), or a region (a block of its own, Note [Control flow]),
  // which finds the names it lacks in its owner's frame and captures them as inputs.
  struct Frame {
    Frame(ir::Graph* g, std::unordered_map<std::string, Symbol> n)
        : graph(g), names(std::move(n)) {}
    ir::Graph* graph;
    std::unordered_map<std::string, Symbol> names;
    Frame* region = nullptr;  // the region frame whose graph this one builds (itself, or the
                              // region an inline sub-graph is in); null in the model's graph
    Frame* owner = nullptr;   // of a region: the frame its node is lowered in
    std::vector<ir::Value*> captured;
    std::unordered_map<const ir::Value*, ir::Value*> capture_of;
  };
  Frame top_frame{&g, std::move(symbols)};
  std::vector<Frame*> frames{&top_frame};
  // The symbol `name` stands for in f, captured into f's region when defined outside it.
  std::function<std::optional<Symbol>(Frame&, const std::string&)> resolve =
      [&](Frame& f, const std::string& name) -> std::optional<Symbol> {
    if (const auto it = f.names.find(name); it != f.names.end()) return it->second;
    Frame* r = f.region;
    if (r == nullptr) return std::nullopt;
    if (r != &f) {
      if (const auto it = r->names.find(name); it != r->names.end()) return it->second;
    }
    const std::optional<Symbol> outer = resolve(*r->owner, name);
    if (!outer) return std::nullopt;
    const auto capture = [&](ir::Value* v) {
      const auto [it, fresh] = r->capture_of.emplace(v, nullptr);
      if (fresh) {
        // A constant is copied in (folding inside the block sees it); others become inputs.
        it->second = v->is_constant()
                         ? r->graph->add_constant(r->graph->fresh_name(v->name()), v->constant())
                         : r->graph->add_input(r->graph->fresh_name(v->name()), v->type());
        if (!v->is_constant()) r->captured.push_back(v);
      }
      return it->second;
    };
    Symbol in = *outer;
    if (in.tensor) in.tensor = capture(in.tensor);
    if (in.sequence) {
      for (ir::Value*& v : *in.sequence) v = capture(v);
    }
    r->names[name] = in;
    return in;
  };
  std::function<void(const google::protobuf::RepeatedPtrField<onnx::NodeProto>&, bool)> lower_nodes;
  const auto check_depth = [&](const onnx::NodeProto& owner) {
    TSR_CHECK(frames.size() < 16, "onnx: node \"", owner.name(), "\" (", owner.op_type(),
              "): sub-graphs nest more than 16 deep");
  };
  // Lowers body in frame f (pushed while it runs); its outputs as symbols in f.
  const auto lower_body = [&](const onnx::NodeProto& owner, const onnx::GraphProto& body,
                              Frame& f) {
    struct Pushed {
      std::vector<Frame*>& frames;
      ~Pushed() { frames.pop_back(); }
    };
    frames.push_back(&f);
    const Pushed pushed{frames};
    lower_nodes(body.node(), false);
    std::vector<Symbol> outs;
    for (const auto& vi : body.output()) {
      const std::optional<Symbol> o = resolve(f, vi.name());
      TSR_CHECK(o.has_value(), "onnx: node \"", owner.name(), "\" (", owner.op_type(),
                "): its body's output '", vi.name(), "' is never defined");
      outs.push_back(*o);
    }
    return outs;
  };
  const SubgraphFn lower_subgraph = [&](const onnx::NodeProto& owner, const onnx::GraphProto& body,
                                        const std::vector<Symbol>& ins) {
    check_depth(owner);
    TSR_CHECK(static_cast<size_t>(body.input_size()) == ins.size(), "onnx: node \"", owner.name(),
              "\" (", owner.op_type(), "): its body takes ", body.input_size(), " inputs, not ",
              ins.size());
    Frame& at = *frames.back();
    Frame inline_frame{at.graph, at.names};  // outer names stay visible; the body's shadow them
    inline_frame.region = at.region;
    for (const auto& t : body.initializer()) {
      inline_frame.names[t.name()] =
          at.graph->add_constant(at.graph->fresh_name(t.name()), to_tensor(t, base_dir, t.name()));
    }
    for (int i = 0; i < body.input_size(); ++i)
      inline_frame.names[body.input(i).name()] = ins[static_cast<size_t>(i)];
    return lower_body(owner, body, inline_frame);
  };
  const RegionFn lower_region = [&](const onnx::NodeProto& owner, const onnx::GraphProto& body,
                                    const std::vector<ir::TensorType>& types,
                                    const std::vector<ir::Value*>& seed) {
    check_depth(owner);
    TSR_CHECK(static_cast<size_t>(body.input_size()) == types.size(), "onnx: node \"", owner.name(),
              "\" (", owner.op_type(), "): its body takes ", body.input_size(), " inputs, not ",
              types.size());
    auto graph = std::make_unique<ir::Graph>(body.name().empty() ? "body" : body.name());
    Frame f{graph.get(), {}};
    f.region = &f;
    f.owner = frames.back();
    for (const auto& t : body.initializer()) {
      f.names[t.name()] =
          graph->add_constant(graph->fresh_name(t.name()), to_tensor(t, base_dir, t.name()));
    }
    for (int i = 0; i < body.input_size(); ++i) {
      f.names[body.input(i).name()] =
          graph->add_input(graph->fresh_name(body.input(i).name()), types[static_cast<size_t>(i)]);
    }
    for (ir::Value* v : seed) {
      f.capture_of[v] = graph->add_input(graph->fresh_name(v->name()), v->type());
      f.captured.push_back(v);
    }
    for (const Symbol& o : lower_body(owner, body, f)) {
      TSR_CHECK(o.tensor != nullptr, "onnx: node \"", owner.name(), "\" (", owner.op_type(),
                "): a body returning a sequence or an optional runs only when it is unrolled");
      graph->add_output(o.tensor);
    }
    return Region{std::move(graph), std::move(f.captured)};
  };
  lower_nodes = [&](const google::protobuf::RepeatedPtrField<onnx::NodeProto>& nodes, bool top) {
    Frame& sc = *frames.back();
    ir::Graph& cur = *sc.graph;
    for (const auto& n : nodes) {
      const auto [fn, opset] = opsets.lowering_of(n);
      if (fn == nullptr) {
        TSR_CHECK_AS(NotImplementedError, top, "onnx: tessera cannot run ", op_key(n), " (opset ",
                     opset, "), used in a sub-graph");
        continue;  // listed in the summary's unsupported
      }
      // Unrolled loops multiply nodes; a bound keeps a hostile model from exhausting memory.
      TSR_CHECK(cur.num_nodes() < (size_t{1} << 22), "onnx: the graph grows past 4M nodes");
      std::vector<Symbol> inputs;
      bool skip = false;
      for (const auto& name : n.input()) {
        if (name.empty()) {
          inputs.emplace_back();
          continue;
        }
        const std::optional<Symbol> in = resolve(sc, name);
        if (!in) {
          // An input made by a skipped (unsupported) node, or a dangling name.
          TSR_CHECK(allow_unsupported && top, "onnx: node \"", n.name(), "\" (", n.op_type(),
                    "): input '", name, "' is not defined by an earlier node or the graph");
          skip = true;
          break;
        }
        inputs.push_back(*in);
      }
      if (skip) continue;
      Lowerer cx(cur, n, opset, std::move(inputs), base_dir, &lower_subgraph, &lower_region);
      std::vector<Symbol> outs;
      for (ir::Value* v : (*fn)(cx)) outs.emplace_back(v);
      if (cx.symbol_outputs()) outs = *cx.symbol_outputs();
      for (int i = 0; i < n.output_size(); ++i) {
        const std::string& name = n.output(i);
        if (name.empty()) continue;
        const Symbol o =
            i < static_cast<int>(outs.size()) ? outs[static_cast<size_t>(i)] : Symbol();
        if (!o.defined()) cx.fail("output ", i, " ('", name, "') is not produced by tessera");
        TSR_CHECK(!top || !sc.names.contains(name), "onnx: value '", name, "' is defined twice");
        sc.names[name] = o;
        ir::Value* v = o.tensor;
        if (top && v != nullptr && !named.contains(v)) {
          g.rename(v, name);
          named.insert(v);
          const auto t = types.find(name);
          if (t != types.end()) v->set_type(with_declared(v->type(), t->second));
        }
      }
    }
  };
  lower_nodes(gp.node(), true);

  const auto& symbols_at_end = top_frame.names;
  for (const auto& vi : gp.output()) {
    const auto it = symbols_at_end.find(vi.name());
    if (it == symbols_at_end.end()) {
      TSR_CHECK(allow_unsupported, "onnx: graph output '", vi.name(), "' is never defined");
      continue;
    }
    const Symbol& o = it->second;
    if (o.tensor) {
      g.add_output(o.tensor);
      model.output_names.push_back(vi.name());
      model.outputs.push_back({vi.name(), Model::Output::Kind::Tensor, 1});
    } else if (o.sequence) {
      for (size_t k = 0; k < o.sequence->size(); ++k) {
        g.add_output((*o.sequence)[k]);
        model.output_names.push_back(element_name(vi.name(), k));
      }
      model.outputs.push_back(
          {vi.name(), Model::Output::Kind::Sequence, static_cast<int>(o.sequence->size())});
    } else {
      model.outputs.push_back({vi.name(), Model::Output::Kind::None, 0});
    }
  }
  return model;
}

Model load_model(const std::filesystem::path& path, bool allow_unsupported) {
  const onnx::ModelProto proto = read_model(path);
  return import_model(proto, path.parent_path().empty() ? "." : path.parent_path(),
                      allow_unsupported);
}

}  // namespace tessera::onnx_frontend
