// IR graphs to ONNX (opset 17): one exporter per tessera op, the inverse of the lowerings.
#include "frontends/onnx/export.h"

#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <unordered_map>

#include "core/factories.h"
#include "frontends/onnx/same_ops.h"
#include "frontends/onnx/tensor_proto.h"
#include "ops/fused_elementwise.h"

namespace tessera::onnx_frontend {
namespace {

constexpr int64_t kOpset = 17;

// Writes ONNX nodes into a graph, naming values and making initializers.
class Exporter {
 public:
  explicit Exporter(onnx::GraphProto& g) : g_(&g) {}

  // The ONNX name of an IR value.
  std::string name(const ir::Value* v) {
    const auto it = names_.find(v);
    if (it != names_.end()) return it->second;
    return names_[v] = claim(v->name());
  }
  void set_name(const ir::Value* v, const std::string& n) { names_[v] = claim(n); }
  // v is written as n, a name already given to another value (a block's captured input
  // refers to the outer value by its name).
  void alias(const ir::Value* v, const std::string& n) { names_[v] = n; }
  // Runs fn with nodes and initializers going into sub (a block's graph).
  template <typename F>
  void in_graph(onnx::GraphProto& sub, F&& fn) {
    onnx::GraphProto* outer = g_;
    g_ = &sub;
    try {
      fn();
    } catch (...) {
      g_ = outer;
      throw;
    }
    g_ = outer;
  }

  // A name no value has yet, from base.
  std::string fresh(const std::string& base) {
    std::string n = base;
    for (int i = 1; used_.contains(n); ++i) n = base + "_" + std::to_string(i);
    return claim(n);
  }

  std::string initializer(const Tensor& t, const std::string& base) {
    const std::string n = fresh(base);
    *g_->add_initializer() = to_proto(t, n);
    return n;
  }
  std::string ints(const std::vector<int64_t>& v, const std::string& base) {
    Tensor t = empty({static_cast<int64_t>(v.size())}, DType::Int64);
    std::copy(v.begin(), v.end(), static_cast<int64_t*>(t.data_ptr()));
    return initializer(t, base);
  }
  std::string scalar(double v, DType d, const std::string& base) {
    return initializer(full({}, v, d), base);
  }

  onnx::NodeProto* node(const std::string& op, const std::vector<std::string>& in,
                        const std::vector<std::string>& out, const std::string& node_name) {
    onnx::NodeProto* n = g_->add_node();
    n->set_op_type(op);
    if (!node_name.empty()) n->set_name(fresh_node(node_name));
    for (const auto& i : in) n->add_input(i);
    for (const auto& o : out) n->add_output(o);
    return n;
  }

  static void attr(onnx::NodeProto* n, const std::string& k, int64_t v) {
    auto* a = n->add_attribute();
    a->set_name(k);
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(v);
  }
  static void attr(onnx::NodeProto* n, const std::string& k, float v) {
    auto* a = n->add_attribute();
    a->set_name(k);
    a->set_type(onnx::AttributeProto::FLOAT);
    a->set_f(v);
  }
  static void attr(onnx::NodeProto* n, const std::string& k, const std::vector<int64_t>& v) {
    auto* a = n->add_attribute();
    a->set_name(k);
    a->set_type(onnx::AttributeProto::INTS);
    for (int64_t x : v) a->add_ints(x);
  }
  static void attr(onnx::NodeProto* n, const std::string& k, const std::vector<double>& v) {
    auto* a = n->add_attribute();
    a->set_name(k);
    a->set_type(onnx::AttributeProto::FLOATS);
    for (double x : v) a->add_floats(static_cast<float>(x));
  }
  static void attr(onnx::NodeProto* n, const std::string& k, const std::string& v) {
    auto* a = n->add_attribute();
    a->set_name(k);
    a->set_type(onnx::AttributeProto::STRING);
    a->set_s(v);
  }

 private:
  std::string claim(const std::string& n) {
    std::string s = n;
    for (int i = 1; used_.contains(s); ++i) s = n + "_" + std::to_string(i);
    used_.insert(s);
    return s;
  }
  std::string fresh_node(const std::string& n) {
    std::string s = n;
    for (int i = 1; node_names_.contains(s); ++i) s = n + "_" + std::to_string(i);
    node_names_.insert(s);
    return s;
  }

  onnx::GraphProto* g_;  // where nodes go: the model's graph or a block's
  std::unordered_map<const ir::Value*, std::string> names_;
  std::set<std::string> used_, node_names_;
};

// One node being exported: its literals, inputs and outputs as ONNX names.
struct Site {
  Exporter& ex;
  const ir::Node& n;

  [[noreturn]] void fail(const std::string& why) const {
    detail::throw_error<Error>("export: ", n.describe(), ": ", why);
  }
  const ir::Arg* arg(const char* a) const {
    const int i = n.schema().find_argument(a);
    TSR_ASSERT(i >= 0, "no argument ", a, " in ", n.op_name());
    const std::optional<ir::Arg>& b = n.arg(i);
    return b ? &*b : nullptr;
  }
  // The literal of argument a (the schema's default when unbound); an error when it is read
  // from a value at run time.
  IValue lit(const char* a) const {
    const ir::Arg* b = arg(a);
    if (!b)
      return *n.schema().arguments[static_cast<size_t>(n.schema().find_argument(a))].default_value;
    if (b->kind != ir::Arg::Kind::Literal)
      fail(std::string("argument '") + a + "' is read at run time");
    return b->literal;
  }
  // The ONNX name of a tensor argument, or "" when it is None.
  std::string in(const char* a) const {
    const ir::Arg* b = arg(a);
    if (!b || b->kind == ir::Arg::Kind::Literal) return "";
    return ex.name(n.input(b->first));
  }
  std::vector<std::string> in_list(const char* a) const {
    const ir::Arg* b = arg(a);
    std::vector<std::string> out;
    for (int k = 0; b && k < b->count; ++k) out.push_back(ex.name(n.input(b->first + k)));
    return out;
  }
  const ir::Value* value(const char* a) const {
    const ir::Arg* b = arg(a);
    return b && b->kind == ir::Arg::Kind::Value ? n.input(b->first) : nullptr;
  }
  std::string out(int i = 0) const { return ex.name(n.output(i)); }
  onnx::NodeProto* node(const std::string& op, const std::vector<std::string>& ins,
                        const std::vector<std::string>& outs = {}) const {
    return ex.node(op, ins, outs.empty() ? std::vector<std::string>{out()} : outs, n.name());
  }
  std::string tmp(const char* what) const { return ex.fresh(out() + "_" + what); }
  DType dtype_of(const char* a) const {
    const ir::Value* v = value(a);
    return v && v->type().dtype ? *v->type().dtype : DType::Float32;
  }
  std::optional<int64_t> rank_of(const char* a) const {
    const ir::Value* v = value(a);
    if (!v || !v->type().shape) return std::nullopt;
    return static_cast<int64_t>(v->type().shape->size());
  }
  // Fails when the op's optional `dtype` argument asks for another dtype than self's (the
  // ONNX reductions and CumSum keep their input's).
  void keep_dtype() const {
    const IValue d = lit("dtype");
    if (!d.is_none() && d.to_dtype() != dtype_of("self")) fail("a dtype other than the input's");
  }
  // Whether argument a is read at run time from a value (ONNX gave it as an input).
  bool read_at_run_time(const char* a) const {
    const ir::Arg* b = arg(a);
    return b && b->kind != ir::Arg::Kind::Literal;
  }
  // The ONNX name of the value argument a is read from at run time, as a tensor of `dtype`
  // and rank `rank` (0: one element; 1: a list): element e of a 1-d value is sliced out,
  // other shapes reshaped, other dtypes cast.
  std::string run_time_in(const char* a, int rank, DType dtype) const {
    const ir::Arg* b = arg(a);
    const ir::Value* v = n.input(b->first);
    const std::string base = out() + "_" + a;
    std::string name = ex.name(v);
    std::optional<int64_t> r =
        v->type().shape ? std::optional<int64_t>(v->type().shape->size()) : std::nullopt;
    if (b->element >= 0) {
      const std::string piece = ex.fresh(base);
      ex.node(
          "Slice",
          {name, ex.ints({b->element}, base + "_start"), ex.ints({b->element + 1}, base + "_end")},
          {piece}, n.name());
      name = piece;
      r = 1;
    }
    if (r != rank) {
      const std::string shaped = ex.fresh(base);
      ex.node("Reshape",
              {name, ex.ints(rank == 0 ? std::vector<int64_t>{} : std::vector<int64_t>{-1},
                             base + "_shape")},
              {shaped}, n.name());
      name = shaped;
    }
    if (!v->type().dtype || *v->type().dtype != dtype) {
      const std::string cast = ex.fresh(base);
      Exporter::attr(ex.node("Cast", {name}, {cast}, n.name()), "to", int64_t{onnx_type_of(dtype)});
      name = cast;
    }
    return name;
  }
  // Argument a as an int64 input of `rank`: the run-time value, or an initializer holding
  // its literal (an int, or an int list for rank 1).
  std::string ints_in(const char* a, int rank) const {
    if (read_at_run_time(a)) return run_time_in(a, rank, DType::Int64);
    const IValue v = lit(a);
    if (rank == 0) return ex.initializer(full({}, v.to_int(), DType::Int64), out() + "_" + a);
    return ex.ints(v.is_int() ? std::vector<int64_t>{v.to_int()} : v.to_int_list(),
                   out() + "_" + a);
  }
};

using ExportFn = std::function<void(const Site&)>;

std::vector<int64_t> ints_of(const IValue& v) {
  return v.to_int_list();
}

// [b1, b2, ..., e1, e2, ...] from symmetric per-dim padding.
std::vector<int64_t> onnx_pads(const std::vector<int64_t>& p, size_t n) {
  std::vector<int64_t> out;
  for (size_t i = 0; i < n; ++i) out.push_back(p.size() == 1 ? p[0] : p[i]);
  for (size_t i = 0; i < n; ++i) out.push_back(p.size() == 1 ? p[0] : p[i]);
  return out;
}
std::vector<int64_t> per_dim(const std::vector<int64_t>& v, size_t n) {
  std::vector<int64_t> out;
  for (size_t i = 0; i < n; ++i) out.push_back(v.size() == 1 ? v[0] : v[i]);
  return out;
}

void conv(const Site& s, const std::string& out) {
  const auto k = s.value("weight")->type().static_shape();
  if (!k) s.fail("the weight's shape is not static");
  const size_t nd = k->size() - 2;
  std::vector<std::string> ins{s.in("input"), s.in("weight")};
  if (!s.in("bias").empty()) ins.push_back(s.in("bias"));
  const bool transposed = s.n.op_name() == "convolution" && s.lit("transposed").to_bool();
  auto* n = s.ex.node(transposed ? "ConvTranspose" : "Conv", ins, {out}, s.n.name());
  Exporter::attr(n, "strides", per_dim(ints_of(s.lit("stride")), nd));
  Exporter::attr(n, "pads", onnx_pads(ints_of(s.lit("padding")), nd));
  Exporter::attr(n, "dilations", per_dim(ints_of(s.lit("dilation")), nd));
  Exporter::attr(n, "group", s.lit("groups").to_int());
  Exporter::attr(n, "kernel_shape", std::vector<int64_t>(k->begin() + 2, k->end()));
  if (transposed) {
    Exporter::attr(n, "output_padding", per_dim(ints_of(s.lit("output_padding")), nd));
  }
}

// Clip between bounds given by name ("" for none).
void clip_names(const Site& s, const std::string& x, const std::string& lo, const std::string& hi,
                const std::string& out) {
  std::vector<std::string> ins{x, lo};
  if (!hi.empty()) ins.push_back(hi);
  s.ex.node("Clip", ins, {out}, s.n.name());
}

void clip(const Site& s, const std::string& x, double lo, double hi, const std::string& out) {
  const DType d = s.dtype_of(s.n.op_name() == "convolution_activation" ? "input" : "self");
  clip_names(s, x, std::isinf(lo) ? "" : s.ex.scalar(lo, d, out + "_min"),
             std::isinf(hi) ? "" : s.ex.scalar(hi, d, out + "_max"), out);
}

void reduce(const Site& s, const std::string& op, bool axes_as_input) {
  if (axes_as_input && s.read_at_run_time("dim")) {  // ONNX's axes input, as imported
    Exporter::attr(s.node(op, {s.in("self"), s.run_time_in("dim", 1, DType::Int64)}), "keepdims",
                   int64_t{s.lit("keepdim").to_bool()});
    return;
  }
  const IValue dims = s.lit("dim");
  const bool keep = s.lit("keepdim").to_bool();
  std::vector<std::string> ins{s.in("self")};
  const bool all = dims.is_none() || dims.to_int_list().empty();
  if (!all && axes_as_input) ins.push_back(s.ex.ints(dims.to_int_list(), s.out() + "_axes"));
  auto* n = s.node(op, ins);
  if (!all && !axes_as_input) Exporter::attr(n, "axes", dims.to_int_list());
  Exporter::attr(n, "keepdims", int64_t{keep});
}

const std::map<std::string, ExportFn>& exporters() {
  static const std::map<std::string, ExportFn> table = [] {
    std::map<std::string, ExportFn> t;
    // The table the importer lowers; the exporter writes an op back only when its other
    // arguments (add's alpha, say) keep their defaults.
    for (const SameOp& same : kSameOps) {
      const std::string o = same.onnx;
      t[same.tessera] = [o](const Site& s) {
        std::vector<std::string> ins;
        for (const ir::Value* v : s.n.inputs()) ins.push_back(s.ex.name(v));
        for (int i = 0; i < s.n.num_args(); ++i) {
          const std::optional<ir::Arg>& a = s.n.arg(i);
          const Argument& arg = s.n.schema().arguments[static_cast<size_t>(i)];
          if (a && a->kind == ir::Arg::Kind::Literal && a->literal != *arg.default_value) {
            s.fail("argument '" + arg.name + "' other than its default");
          }
        }
        s.node(o, ins);
      };
    }
    // Export only: tessera ops that are one ONNX op (their imports take attributes or
    // several inputs).
    for (const auto& [op, onnx_op] :
         std::vector<std::pair<const char*, const char*>>{{"clone", "Identity"},
                                                          {"isinf", "IsInf"},
                                                          {"selu", "Selu"},
                                                          {"pow.Tensor_Tensor", "Pow"},
                                                          {"maximum", "Max"},
                                                          {"minimum", "Min"}}) {
      const std::string o = onnx_op;
      t[op] = [o](const Site& s) {
        std::vector<std::string> ins;
        for (const ir::Value* v : s.n.inputs()) ins.push_back(s.ex.name(v));
        s.node(o, ins);
      };
    }
    t["div.Tensor_mode"] = [](const Site& s) {
      const IValue mode = s.lit("rounding_mode");
      const DType d = s.dtype_of("self");
      if (!mode.is_none() && !(mode.to_string() == "trunc" && is_integral(d, false))) {
        s.fail("rounding mode " + mode.to_string() + " of " + std::string(name(d)));
      }
      s.node("Div", {s.in("self"), s.in("other")});
    };
    t["remainder.Tensor"] = [](const Site& s) {
      Exporter::attr(s.node("Mod", {s.in("self"), s.in("other")}), "fmod", int64_t{0});
    };
    t["fmod.Tensor"] = [](const Site& s) {
      Exporter::attr(s.node("Mod", {s.in("self"), s.in("other")}), "fmod", int64_t{1});
    };
    t["rsqrt"] = [](const Site& s) {
      const std::string r = s.tmp("sqrt");
      s.ex.node("Sqrt", {s.in("self")}, {r}, s.n.name());
      s.node("Reciprocal", {r});
    };
    t["softplus"] = [](const Site& s) {
      if (s.lit("beta").to_scalar().to<double>() != 1.0) s.fail("beta other than 1");
      s.node("Softplus", {s.in("self")});
    };
    for (const char* op : {"argmax", "argmin"}) {
      const std::string o = std::string(op) == "argmax" ? "ArgMax" : "ArgMin";
      t[op] = [o](const Site& s) {
        const IValue dim = s.lit("dim");
        if (dim.is_none()) s.fail("no dim (the flattened input)");
        auto* n = s.node(o, {s.in("self")});
        Exporter::attr(n, "axis", dim.to_int());
        Exporter::attr(n, "keepdims", int64_t{s.lit("keepdim").to_bool()});
      };
    }
    for (const char* op : {"tril", "triu"}) {
      const bool upper = std::string(op) == "triu";
      t[op] = [upper](const Site& s) {
        auto* n = s.node("Trilu", {s.in("self"), s.ints_in("diagonal", 0)});
        Exporter::attr(n, "upper", int64_t{upper});
      };
    }
    t["tile"] = [](const Site& s) {
      if (s.read_at_run_time("dims")) {  // ONNX's repeats input, as imported
        s.node("Tile", {s.in("self"), s.run_time_in("dims", 1, DType::Int64)});
        return;
      }
      std::vector<int64_t> reps = ints_of(s.lit("dims"));
      const auto r = s.rank_of("self");
      if (!r) s.fail("the input's rank is unknown");
      if (static_cast<int64_t>(reps.size()) > *r) s.fail("more repeats than dims");
      reps.insert(reps.begin(), static_cast<size_t>(*r) - reps.size(), 1);
      s.node("Tile", {s.in("self"), s.ex.ints(reps, s.out() + "_repeats")});
    };
    t["topk"] = [](const Site& s) {
      auto* n =
          s.ex.node("TopK", {s.in("self"), s.ints_in("k", 1)}, {s.out(0), s.out(1)}, s.n.name());
      Exporter::attr(n, "axis", s.lit("dim").to_int());
      Exporter::attr(n, "largest", int64_t{s.lit("largest").to_bool()});
      Exporter::attr(n, "sorted", int64_t{s.lit("sorted").to_bool()});
    };
    t["split_with_sizes"] = [](const Site& s) {
      std::vector<std::string> outs;
      for (size_t i = 0; i < s.n.outputs().size(); ++i) outs.push_back(s.out(static_cast<int>(i)));
      auto* n = s.ex.node("Split", {s.in("self"), s.ints_in("split_sizes", 1)}, outs, s.n.name());
      Exporter::attr(n, "axis", s.lit("dim").to_int());
    };
    t["scatter.src"] = [](const Site& s) {
      Exporter::attr(s.node("ScatterElements", {s.in("self"), s.in("index"), s.in("src")}), "axis",
                     s.lit("dim").to_int());
    };
    t["scatter_add"] = [](const Site& s) {
      auto* n = s.node("ScatterElements", {s.in("self"), s.in("index"), s.in("src")});
      Exporter::attr(n, "axis", s.lit("dim").to_int());
      Exporter::attr(n, "reduction", std::string("add"));
    };
    t["scatter_nd"] = [](const Site& s) {
      Exporter::attr(s.node("ScatterND", {s.in("data"), s.in("indices"), s.in("updates")}),
                     "reduction", s.lit("reduction").to_string());
    };
    t["gather_nd"] = [](const Site& s) {
      Exporter::attr(s.node("GatherND", {s.in("data"), s.in("indices")}), "batch_dims",
                     s.lit("batch_dims").to_int());
    };
    for (const char* op : {"bitwise_left_shift.Tensor", "bitwise_right_shift.Tensor"}) {
      const std::string dir = std::string(op).find("left") != std::string::npos ? "LEFT" : "RIGHT";
      t[op] = [dir](const Site& s) {
        Exporter::attr(s.node("BitShift", {s.in("self"), s.in("other")}), "direction", dir);
      };
    }
    t["ne.Tensor"] = [](const Site& s) {
      const std::string eq = s.tmp("equal");
      s.ex.node("Equal", {s.in("self"), s.in("other")}, {eq}, s.n.name());
      s.node("Not", {eq});
    };
    t["flip"] = [](const Site& s) {  // a slice of step -1 over each flipped dim
      const std::vector<int64_t> dims = ints_of(s.lit("dims"));
      const auto n = dims.size();
      const std::string o = s.out();
      s.node(
          "Slice",
          {s.in("self"),
           s.ex.ints(std::vector<int64_t>(n, std::numeric_limits<int64_t>::max()), o + "_starts"),
           s.ex.ints(std::vector<int64_t>(n, std::numeric_limits<int64_t>::min()), o + "_ends"),
           s.ex.ints(dims, o + "_axes"), s.ex.ints(std::vector<int64_t>(n, -1), o + "_steps")});
    };
    t["where.self"] = [](const Site& s) {
      s.node("Where", {s.in("condition"), s.in("self"), s.in("other")});
    };
    t["fused_elementwise"] = [](const Site& s) {  // the program's ops, one node each
      const std::vector<std::string> ins = s.in_list("inputs");
      const std::string program = s.lit("program").to_string();
      const auto steps = ops::parse_fused_program(program, static_cast<int64_t>(ins.size()));
      const ir::TensorType& t = s.n.output()->type();
      const DType d = t.dtype ? *t.dtype : s.n.input(0)->type().dtype.value_or(DType::Float32);
      std::vector<std::string> stack;
      for (size_t i = 0; i < steps.size(); ++i) {
        const ops::FusedStep& st = steps[i];
        if (st.kind == ops::FusedStep::Kind::Input) {
          stack.push_back(ins[static_cast<size_t>(st.input)]);
          continue;
        }
        if (st.kind == ops::FusedStep::Kind::Literal) {
          stack.push_back(s.ex.scalar(st.literal, d, s.out() + "_c"));
          continue;
        }
        const std::string o = i + 1 == steps.size() ? s.out() : s.tmp(st.op.c_str());
        const auto emit = [&](const char* op, std::vector<std::string> args, std::string to) {
          s.ex.node(op, std::move(args), {std::move(to)}, s.n.name());
        };
        if (st.kind == ops::FusedStep::Kind::Binary) {
          const std::string b = stack.back();
          stack.pop_back();
          static const std::map<std::string, const char*, std::less<>> binary = {
              {"add", "Add"}, {"sub", "Sub"},     {"mul", "Mul"},
              {"div", "Div"}, {"maximum", "Max"}, {"minimum", "Min"}};
          emit(binary.at(st.op), {stack.back(), b}, o);
        } else if (st.op == "rsqrt" || st.op == "silu") {  // no ONNX op of their own
          const std::string inner = s.tmp(st.op.c_str());
          emit(st.op == "rsqrt" ? "Sqrt" : "Sigmoid", {stack.back()}, inner);
          if (st.op == "rsqrt") {
            emit("Reciprocal", {inner}, o);
          } else {
            emit("Mul", {stack.back(), inner}, o);
          }
        } else {
          static const std::map<std::string, const char*, std::less<>> unary = {
              {"neg", "Neg"},         {"abs", "Abs"},   {"relu", "Relu"},
              {"sigmoid", "Sigmoid"}, {"tanh", "Tanh"}, {"exp", "Exp"},
              {"log", "Log"},         {"sqrt", "Sqrt"}, {"reciprocal", "Reciprocal"},
              {"erf", "Erf"}};
          emit(unary.at(st.op), {stack.back()}, o);
        }
        stack.back() = o;
      }
      if (stack.back() != s.out()) s.node("Identity", {stack.back()});
    };
    t["matmul"] = [](const Site& s) { s.node("MatMul", {s.in("self"), s.in("other")}); };
    t["linear"] = [](const Site& s) {
      if (s.rank_of("input") == 2) {
        std::vector<std::string> ins{s.in("input"), s.in("weight")};
        if (!s.in("bias").empty()) ins.push_back(s.in("bias"));
        Exporter::attr(s.node("Gemm", ins), "transB", int64_t{1});
        return;
      }
      const std::string wt = s.tmp("weight_t");
      Exporter::attr(s.ex.node("Transpose", {s.in("weight")}, {wt}, s.n.name()), "perm",
                     std::vector<int64_t>{1, 0});
      if (s.in("bias").empty()) {
        s.node("MatMul", {s.in("input"), wt});
        return;
      }
      const std::string mm = s.tmp("matmul");
      s.ex.node("MatMul", {s.in("input"), wt}, {mm}, s.n.name());
      s.node("Add", {mm, s.in("bias")});
    };
    t["addmm"] = [](const Site& s) {
      auto* n = s.node("Gemm", {s.in("mat1"), s.in("mat2"), s.in("self")});
      Exporter::attr(n, "alpha", static_cast<float>(s.lit("alpha").to_scalar().to<double>()));
      Exporter::attr(n, "beta", static_cast<float>(s.lit("beta").to_scalar().to<double>()));
    };
    t["convolution"] = [](const Site& s) { conv(s, s.out()); };
    t["convolution_activation"] = [](const Site& s) {
      const std::string y = s.tmp("conv");
      conv(s, y);
      const std::string act = s.lit("activation").to_string();
      const std::vector<double> p = s.lit("params").to_double_list();
      if (act == "relu") {
        s.ex.node("Relu", {y}, {s.out()}, s.n.name());
      } else if (act == "clamp") {
        clip(s, y, p.at(0), p.at(1), s.out());
      } else if (act == "leaky_relu") {
        Exporter::attr(s.ex.node("LeakyRelu", {y}, {s.out()}, s.n.name()), "alpha",
                       static_cast<float>(p.at(0)));
      } else {
        s.fail("activation " + act);
      }
    };
    t["clamp"] = [](const Site& s) {  // each bound a literal or read at run time
      const DType d = s.dtype_of("self");
      const auto bound = [&](const char* a) -> std::string {
        if (s.read_at_run_time(a)) return s.run_time_in(a, 0, d);
        const IValue v = s.lit(a);
        return v.is_none() ? "" : s.ex.scalar(v.to_scalar().to<double>(), d, s.out() + "_" + a);
      };
      clip_names(s, s.in("self"), bound("min"), bound("max"), s.out());
    };
    t["hardtanh"] = [](const Site& s) {
      clip(s, s.in("self"), s.lit("min_val").to_scalar().to<double>(),
           s.lit("max_val").to_scalar().to<double>(), s.out());
    };
    t["leaky_relu"] = [](const Site& s) {
      Exporter::attr(s.node("LeakyRelu", {s.in("self")}), "alpha",
                     static_cast<float>(s.lit("negative_slope").to_scalar().to<double>()));
    };
    t["max_pool"] = [](const Site& s) {
      const ir::Value* indices = s.n.output(1);
      const auto& graph_outs = indices->graph().outputs();
      const bool want = !indices->uses().empty() || std::find(graph_outs.begin(), graph_outs.end(),
                                                              indices) != graph_outs.end();
      const std::vector<int64_t> k = ints_of(s.lit("kernel_size"));
      std::vector<int64_t> st = ints_of(s.lit("stride"));
      if (st.empty()) st = k;
      std::vector<std::string> outs{s.out(0)};
      std::string offsets_name;
      if (want) {
        // ONNX counts indices over the whole tensor, tessera (as PyTorch) within each (n, c)
        // plane: each plane's offset is subtracted.
        const auto shape = s.n.input(0)->type().static_shape();
        if (!shape) s.fail("the indices need the input's static shape");
        int64_t plane = 1;
        for (size_t i = 2; i < shape->size(); ++i) plane *= (*shape)[i];
        std::vector<int64_t> offset_shape{(*shape)[0], (*shape)[1]};
        offset_shape.resize(shape->size(), 1);
        const Tensor offsets =
            arange(0, (*shape)[0] * (*shape)[1] * plane, plane, DType::Int64).reshape(offset_shape);
        outs.push_back(s.tmp("indices"));
        offsets_name = s.ex.initializer(offsets, s.out(1) + "_offsets");
      }
      auto* n = s.ex.node("MaxPool", {s.in("self")}, outs, s.n.name());
      Exporter::attr(n, "kernel_shape", k);
      Exporter::attr(n, "strides", per_dim(st, k.size()));
      Exporter::attr(n, "pads", onnx_pads(ints_of(s.lit("padding")), k.size()));
      Exporter::attr(n, "dilations", per_dim(ints_of(s.lit("dilation")), k.size()));
      Exporter::attr(n, "ceil_mode", int64_t{s.lit("ceil_mode").to_bool()});
      if (want) s.ex.node("Sub", {outs[1], offsets_name}, {s.out(1)}, s.n.name());
    };
    t["avg_pool"] = [](const Site& s) {
      if (!s.lit("divisor_override").is_none()) s.fail("divisor_override");
      const std::vector<int64_t> k = ints_of(s.lit("kernel_size"));
      std::vector<int64_t> st = ints_of(s.lit("stride"));
      if (st.empty()) st = k;
      auto* n = s.node("AveragePool", {s.in("self")});
      Exporter::attr(n, "kernel_shape", k);
      Exporter::attr(n, "strides", per_dim(st, k.size()));
      Exporter::attr(n, "pads", onnx_pads(ints_of(s.lit("padding")), k.size()));
      Exporter::attr(n, "ceil_mode", int64_t{s.lit("ceil_mode").to_bool()});
      Exporter::attr(n, "count_include_pad", int64_t{s.lit("count_include_pad").to_bool()});
    };
    t["mean"] = [](const Site& s) {
      s.keep_dtype();
      reduce(s, "ReduceMean", false);
    };
    t["sum"] = [](const Site& s) {
      s.keep_dtype();
      reduce(s, "ReduceSum", true);
    };
    t["amax"] = [](const Site& s) { reduce(s, "ReduceMax", false); };
    t["amin"] = [](const Site& s) { reduce(s, "ReduceMin", false); };
    for (const char* op : {"softmax.int", "log_softmax.int"}) {
      const std::string o = op[0] == 's' ? "Softmax" : "LogSoftmax";
      t[op] = [o](const Site& s) {
        if (!s.lit("dtype").is_none()) s.fail("a dtype");
        Exporter::attr(s.node(o, {s.in("self")}), "axis", s.lit("dim").to_int());
      };
    }
    t["reshape"] = [](const Site& s) {
      const std::string shape =
          s.value("shape") ? s.in("shape") : s.ex.ints(ints_of(s.lit("shape")), s.out() + "_shape");
      Exporter::attr(s.node("Reshape", {s.in("self"), shape}), "allowzero", int64_t{1});
    };
    t["flatten.using_ints"] = [](const Site& s) {
      const int64_t start = s.lit("start_dim").to_int(), end = s.lit("end_dim").to_int();
      if (start == 1 && end == -1) {
        Exporter::attr(s.node("Flatten", {s.in("self")}), "axis", int64_t{1});
        return;
      }
      if (start == end) {  // nothing to flatten
        s.node("Identity", {s.in("self")});
        return;
      }
      const auto shape = s.n.output()->type().static_shape();
      if (!shape) s.fail("a flatten other than flatten(1) needs the output's static shape");
      Exporter::attr(s.node("Reshape", {s.in("self"), s.ex.ints(*shape, s.out() + "_shape")}),
                     "allowzero", int64_t{1});
    };
    t["permute"] = [](const Site& s) {
      Exporter::attr(s.node("Transpose", {s.in("self")}), "perm", ints_of(s.lit("dims")));
    };
    t["transpose.int"] = [](const Site& s) {
      const auto r = s.rank_of("self");
      if (!r) s.fail("the input's rank is unknown");
      std::vector<int64_t> perm;
      for (int64_t d = 0; d < *r; ++d) perm.push_back(d);
      const auto norm = [&](int64_t d) { return d < 0 ? d + *r : d; };
      std::swap(perm[static_cast<size_t>(norm(s.lit("dim0").to_int()))],
                perm[static_cast<size_t>(norm(s.lit("dim1").to_int()))]);
      Exporter::attr(s.node("Transpose", {s.in("self")}), "perm", perm);
    };
    t["unsqueeze"] = [](const Site& s) {
      s.node("Unsqueeze", {s.in("self"), s.ex.ints({s.lit("dim").to_int()}, s.out() + "_axes")});
    };
    t["squeeze.dim"] = [](const Site& s) {
      s.node("Squeeze", {s.in("self"), s.ex.ints({s.lit("dim").to_int()}, s.out() + "_axes")});
    };
    t["squeeze"] = [](const Site& s) { s.node("Squeeze", {s.in("self")}); };
    t["non_max_suppression"] = [](const Site& s) {
      // Each scalar: its value when read at run time, else an initializer (omitted when None).
      auto scalar = [&](const char* a, DType d) -> std::string {
        const ir::Arg* b = s.arg(a);
        if (b && b->kind != ir::Arg::Kind::Literal) return s.in(a);
        const IValue v = s.lit(a);
        if (v.is_none()) return "";
        return s.ex.initializer(full({1}, v.to_scalar(), d), s.out() + "_" + a);
      };
      auto* n = s.node(
          "NonMaxSuppression",
          {s.in("boxes"), s.in("scores"), scalar("max_output_boxes_per_class", DType::Int64),
           scalar("iou_threshold", DType::Float32), scalar("score_threshold", DType::Float32)});
      Exporter::attr(n, "center_point_box", int64_t{s.lit("center_point_box").to_bool()});
    };
    t["tfidf_vectorizer"] = [](const Site& s) {
      auto* n = s.node("TfIdfVectorizer", {s.in("input")});
      for (const char* a : {"min_gram_length", "max_gram_length", "max_skip_count"}) {
        Exporter::attr(n, a, s.lit(a).to_int());
      }
      Exporter::attr(n, "ngram_counts", s.lit("ngram_counts").to_int_list());
      Exporter::attr(n, "ngram_indexes", s.lit("ngram_indexes").to_int_list());
      Exporter::attr(n, "pool_int64s", s.lit("pool").to_int_list());
      Exporter::attr(n, "mode", s.lit("mode").to_string());
      const std::vector<double> w = s.lit("weights").to_double_list();
      if (!w.empty()) Exporter::attr(n, "weights", w);
    };
    t["grid_sample"] = [](const Site& s) {
      auto* n = s.node("GridSample", {s.in("input"), s.in("grid")});
      Exporter::attr(n, "mode", s.lit("mode").to_string());
      Exporter::attr(n, "padding_mode", s.lit("padding_mode").to_string());
      const IValue ac = s.lit("align_corners");
      Exporter::attr(n, "align_corners", int64_t{!ac.is_none() && ac.to_bool()});
    };
    t["stack"] = [](const Site& s) {  // each input unsqueezed at dim, then concatenated
      const int64_t dim = s.lit("dim").to_int();
      const std::string axes = s.ex.ints({dim}, s.out() + "_axes");
      std::vector<std::string> parts;
      for (const std::string& in : s.in_list("tensors")) {
        parts.push_back(s.tmp("part"));
        s.node("Unsqueeze", {in, axes}, {parts.back()});
      }
      Exporter::attr(s.node("Concat", parts), "axis", dim);
    };
    t["cat"] = [](const Site& s) {
      Exporter::attr(s.node("Concat", s.in_list("tensors")), "axis", s.lit("dim").to_int());
    };
    t["slice.Tensor"] = [](const Site& s) {  // each argument a literal or read at run time
      const bool step_known = !s.read_at_run_time("step");
      const int64_t step = step_known ? s.lit("step").to_int() : 1;
      const int64_t big = std::numeric_limits<int64_t>::max();
      const auto in = [&](const char* a, std::optional<int64_t> none) {
        if (s.read_at_run_time(a)) return s.run_time_in(a, 1, DType::Int64);
        const IValue v = s.lit(a);
        if (v.is_none() && !step_known) s.fail("a default bound with a step read at run time");
        return s.ex.ints({v.is_none() ? none.value_or(0) : v.to_int()}, s.out() + "_" + a);
      };
      s.node("Slice", {s.in("self"), in("start", step > 0 ? 0 : big),
                       in("end", step > 0 ? big : std::numeric_limits<int64_t>::min()),
                       in("dim", std::nullopt), in("step", std::nullopt)});
    };
    t["index_select"] = [](const Site& s) {
      Exporter::attr(s.node("Gather", {s.in("self"), s.in("index")}), "axis",
                     s.lit("dim").to_int());
    };
    t["gather"] = [](const Site& s) {
      Exporter::attr(s.node("GatherElements", {s.in("self"), s.in("index")}), "axis",
                     s.lit("dim").to_int());
    };
    t["embedding"] = [](const Site& s) {
      Exporter::attr(s.node("Gather", {s.in("weight"), s.in("indices")}), "axis", int64_t{0});
    };
    t["batch_norm"] = [](const Site& s) {
      if (s.lit("training").to_bool()) s.fail("training");
      auto* n = s.node("BatchNormalization", {s.in("input"), s.in("weight"), s.in("bias"),
                                              s.in("running_mean"), s.in("running_var")});
      Exporter::attr(n, "epsilon", static_cast<float>(s.lit("eps").to_double()));
      Exporter::attr(n, "momentum", static_cast<float>(s.lit("momentum").to_double()));
    };
    t["layer_norm"] = [](const Site& s) {
      std::vector<std::string> ins{s.in("input"), s.in("weight")};
      if (ins[1].empty()) s.fail("no weight");
      if (!s.in("bias").empty()) ins.push_back(s.in("bias"));
      auto* n = s.node("LayerNormalization", ins);
      Exporter::attr(n, "axis", -static_cast<int64_t>(ints_of(s.lit("normalized_shape")).size()));
      Exporter::attr(n, "epsilon", static_cast<float>(s.lit("eps").to_double()));
    };
    t["cast"] = [](const Site& s) {
      Exporter::attr(s.node("Cast", {s.in("self")}), "to",
                     int64_t{onnx_type_of(s.lit("dtype").to_dtype())});
    };
    t["dropout"] = [](const Site& s) {
      if (s.lit("train").to_bool()) s.fail("training dropout");
      s.node("Identity", {s.in("input")});
    };
    t["einsum"] = [](const Site& s) {
      Exporter::attr(s.node("Einsum", s.in_list("tensors")), "equation",
                     s.lit("equation").to_string());
    };
    t["expand"] = [](const Site& s) {
      if (s.read_at_run_time("size")) {  // ONNX's shape input, as imported
        s.node("Expand", {s.in("self"), s.run_time_in("size", 1, DType::Int64)});
        return;
      }
      std::vector<int64_t> size = ints_of(s.lit("size"));
      if (std::find(size.begin(), size.end(), -1) != size.end()) {
        const auto out = s.n.output()->type().static_shape();
        if (!out) s.fail("-1 in the size needs the output's static shape");
        size = *out;
      }
      s.node("Expand", {s.in("self"), s.ex.ints(size, s.out() + "_shape")});
    };
    t["celu"] = [](const Site& s) {
      Exporter::attr(s.node("Celu", {s.in("self")}), "alpha",
                     static_cast<float>(s.lit("alpha").to_scalar().to<double>()));
    };
    t["elu"] = [](const Site& s) {  // with a scale, scale * elu(x, alpha): ONNX's Selu
      if (s.lit("input_scale").to_scalar().to<double>() != 1.0) s.fail("an input scale");
      const auto alpha = static_cast<float>(s.lit("alpha").to_scalar().to<double>());
      const double scale = s.lit("scale").to_scalar().to<double>();
      auto* n = s.node(scale == 1.0 ? "Elu" : "Selu", {s.in("self")});
      Exporter::attr(n, "alpha", alpha);
      if (scale != 1.0) Exporter::attr(n, "gamma", static_cast<float>(scale));
    };
    t["logsumexp"] = [](const Site& s) { reduce(s, "ReduceLogSumExp", false); };
    t["prod.dim_int"] = [](const Site& s) {
      s.keep_dtype();
      auto* n = s.node("ReduceProd", {s.in("self")});
      Exporter::attr(n, "axes", std::vector<int64_t>{s.lit("dim").to_int()});
      Exporter::attr(n, "keepdims", int64_t{s.lit("keepdim").to_bool()});
    };
    t["var.correction"] = [](const Site& s) {  // sum((x - mean)^2) / max(0, N - correction)
      const auto shape = s.value("self")->type().static_shape();
      if (!shape) s.fail("the input's shape is not static");
      const IValue dims = s.lit("dim"), correction = s.lit("correction");
      const bool all = dims.is_none() || dims.to_int_list().empty();
      const auto rank = static_cast<int64_t>(shape->size());
      std::vector<bool> reduced(shape->size(), all);
      for (int64_t k : all ? std::vector<int64_t>{} : dims.to_int_list()) {
        if (k < -rank || k >= rank) s.fail("a dim out of range");
        reduced[static_cast<size_t>(k < 0 ? k + rank : k)] = true;
      }
      int64_t count = 1;
      for (size_t d = 0; d < shape->size(); ++d) count *= reduced[d] ? (*shape)[d] : 1;
      const double c = correction.is_none() ? 1.0 : correction.to_scalar().to<double>();
      const DType dt = s.dtype_of("self");
      const std::string x = s.in("self"), o = s.out(), m = s.tmp("mean"), d = s.tmp("centred"),
                        sq = s.tmp("squares"), ss = s.tmp("sum");
      auto* mean = s.ex.node("ReduceMean", {x}, {m}, s.n.name());
      if (!all) Exporter::attr(mean, "axes", dims.to_int_list());
      Exporter::attr(mean, "keepdims", int64_t{1});
      s.ex.node("Sub", {x, m}, {d}, s.n.name());
      s.ex.node("Mul", {d, d}, {sq}, s.n.name());
      std::vector<std::string> ins{sq};
      if (!all) ins.push_back(s.ex.ints(dims.to_int_list(), o + "_axes"));
      Exporter::attr(s.ex.node("ReduceSum", ins, {ss}, s.n.name()), "keepdims",
                     int64_t{s.lit("keepdim").to_bool()});
      s.ex.node("Div",
                {ss, s.ex.scalar(std::max(0.0, static_cast<double>(count) - c), dt, o + "_n")}, {o},
                s.n.name());
    };
    t["cumsum"] = [](const Site& s) {
      s.keep_dtype();
      s.node("CumSum", {s.in("self"), s.ints_in("dim", 0)});
    };
    t["nonzero"] = [](const Site& s) {  // ONNX's NonZero is [rank, n]; tessera's [n, rank]
      const std::string t = s.tmp("indices");
      s.ex.node("NonZero", {s.in("self")}, {t}, s.n.name());
      Exporter::attr(s.node("Transpose", {t}), "perm", std::vector<int64_t>{1, 0});
    };
    // split and chunk: the pieces' sizes are their outputs' sizes along dim.
    for (const char* op : {"split.Tensor", "chunk"}) {
      t[op] = [](const Site& s) {
        const int64_t dim = s.lit("dim").to_int();
        std::vector<std::string> outs;
        std::vector<int64_t> sizes;
        for (size_t i = 0; i < s.n.outputs().size(); ++i) {
          const auto shape = s.n.output(static_cast<int>(i))->type().static_shape();
          if (!shape || shape->empty()) s.fail("a piece's shape is not static");
          const auto r = static_cast<int64_t>(shape->size());
          sizes.push_back((*shape)[static_cast<size_t>(dim < 0 ? dim + r : dim)]);
          outs.push_back(s.out(static_cast<int>(i)));
        }
        auto* n = s.ex.node("Split", {s.in("self"), s.ex.ints(sizes, s.out() + "_split")}, outs,
                            s.n.name());
        Exporter::attr(n, "axis", dim);
      };
    }
    t["pad"] = [](const Site& s) {
      const std::string mode = s.lit("mode").to_string();
      if (mode == "circular") s.fail("circular padding (ONNX's wrap is opset 19)");
      const auto r = s.rank_of("self");
      if (!r) s.fail("the input's rank is unknown");
      // PyTorch's pairs run from the last dim backwards; ONNX's begins, then ends, dim 0 first.
      const std::vector<int64_t> p = ints_of(s.lit("pad"));
      std::vector<int64_t> pads(static_cast<size_t>(2 * *r), 0);
      for (size_t i = 0; i < p.size() / 2; ++i) {
        const auto d = static_cast<size_t>(*r) - 1 - i;
        pads[d] = p[2 * i];
        pads[d + static_cast<size_t>(*r)] = p[2 * i + 1];
      }
      std::vector<std::string> ins{s.in("self"), s.ex.ints(pads, s.out() + "_pads")};
      const IValue value = s.lit("value");
      if (mode == "constant" && !value.is_none()) {
        ins.push_back(s.ex.scalar(value.to_double(), s.dtype_of("self"), s.out() + "_value"));
      }
      Exporter::attr(s.node("Pad", ins), "mode", mode == "replicate" ? std::string("edge") : mode);
    };
    t["instance_norm"] = [](const Site& s) {
      if (s.in("weight").empty() || s.in("bias").empty()) s.fail("no weight or bias");
      auto* n = s.node("InstanceNormalization", {s.in("input"), s.in("weight"), s.in("bias")});
      Exporter::attr(n, "epsilon", static_cast<float>(s.lit("eps").to_double()));
    };
    t["scaled_dot_product_attention"] = [](const Site& s) {  // opset 17 has no Attention
      if (s.lit("dropout_p").to_double() != 0.0 || s.lit("is_causal").to_bool()) {
        s.fail("dropout or a causal mask");
      }
      const auto r = s.rank_of("key");
      const auto qs = s.value("query")->type().shape;
      if (!r || *r < 2 || !qs || qs->empty()) s.fail("the inputs' ranks are unknown");
      const IValue given = s.lit("scale");
      double scale = 0;
      if (given.is_none()) {
        if (!qs->back().is_static()) s.fail("the query's last dim is not static");
        scale = 1.0 / std::sqrt(static_cast<double>(qs->back().size));
      } else {
        scale = given.to_double();
      }
      std::vector<int64_t> perm;
      for (int64_t d = 0; d < *r; ++d) perm.push_back(d);
      std::swap(perm[perm.size() - 1], perm[perm.size() - 2]);
      const DType d = s.dtype_of("query");
      const std::string o = s.out(), q = s.tmp("scaled_query"), kt = s.tmp("key_t"),
                        sc = s.tmp("scores"), p = s.tmp("weights");
      s.ex.node("Mul", {s.in("query"), s.ex.scalar(scale, d, o + "_scale")}, {q}, s.n.name());
      Exporter::attr(s.ex.node("Transpose", {s.in("key")}, {kt}, s.n.name()), "perm", perm);
      s.ex.node("MatMul", {q, kt}, {sc}, s.n.name());
      std::string scores = sc;
      if (!s.in("attn_mask").empty()) {  // a bool mask keeps where true; others add
        scores = s.tmp("masked");
        if (s.dtype_of("attn_mask") == DType::Bool) {
          s.ex.node("Where", {s.in("attn_mask"), sc, s.ex.scalar(-INFINITY, d, o + "_minus_inf")},
                    {scores}, s.n.name());
        } else {
          s.ex.node("Add", {sc, s.in("attn_mask")}, {scores}, s.n.name());
        }
      }
      Exporter::attr(s.ex.node("Softmax", {scores}, {p}, s.n.name()), "axis", int64_t{-1});
      s.node("MatMul", {p, s.in("value")});
    };
    t["gelu"] = [](const Site& s) {  // opset 17 has no Gelu: x * (1 + erf(x / sqrt 2)) / 2
      if (s.lit("approximate").to_string() != "none") s.fail("the tanh approximation");
      const DType d = s.dtype_of("self");
      const std::string x = s.in("self"), o = s.out();
      const std::string a = s.tmp("scaled"), e = s.tmp("erf"), p = s.tmp("plus1"),
                        h = s.tmp("half");
      s.ex.node("Mul", {x, s.ex.scalar(M_SQRT1_2, d, o + "_rsqrt2")}, {a}, s.n.name());
      s.ex.node("Erf", {a}, {e}, s.n.name());
      s.ex.node("Add", {e, s.ex.scalar(1.0, d, o + "_one")}, {p}, s.n.name());
      s.ex.node("Mul", {x, s.ex.scalar(0.5, d, o + "_half")}, {h}, s.n.name());
      s.ex.node("Mul", {h, p}, {o}, s.n.name());
    };
    return t;
  }();
  return table;
}

onnx::ValueInfoProto value_info(const std::string& name, const ir::TensorType& t) {
  onnx::ValueInfoProto v;
  v.set_name(name);
  auto* tt = v.mutable_type()->mutable_tensor_type();
  tt->set_elem_type(t.dtype ? onnx_type_of(*t.dtype) : onnx::TensorProto::UNDEFINED);
  if (t.shape) {
    auto* shape = tt->mutable_shape();
    for (const ir::Dim& d : *t.shape) {
      auto* dim = shape->add_dim();
      if (d.is_static()) dim->set_dim_value(d.size);
      if (d.is_symbol()) dim->set_dim_param(d.symbol);
    }
  }
  return v;
}

// The op types of g and its blocks that have no exporter.
void missing_exporters(const ir::Graph& g, std::set<std::string>& missing) {
  for (const ir::Node* n : g.nodes()) {
    if (n->is_op() && !exporters().contains(n->op_name())) missing.insert(n->op_name());
    for (const auto& b : n->blocks()) missing_exporters(*b, missing);
  }
}

void export_nodes(Exporter& ex, const ir::Graph& g);

// Block b as the ONNX graph gp: its first `declared` inputs are the body's own (named and
// typed), the rest refer to the outer values `captured` by name; its outputs go out through
// Identity nodes under fresh names.
void export_block(Exporter& ex, const ir::Graph& b, onnx::GraphProto& gp, size_t declared,
                  const std::vector<std::string>& captured) {
  gp.set_name(b.name());
  ex.in_graph(gp, [&] {
    for (size_t k = 0; k < b.inputs().size(); ++k) {
      const ir::Value* in = b.inputs()[k];
      if (k < declared) {
        *gp.add_input() = value_info(ex.name(in), in->type());
      } else {
        ex.alias(in, captured[k - declared]);
      }
    }
    for (const ir::Value* c : b.constants())
      *gp.add_initializer() = to_proto(c->constant(), ex.name(c));
    export_nodes(ex, b);
    for (const ir::Value* out : b.outputs()) {
      const std::string name = ex.fresh(ex.name(out) + "_out");
      ex.node("Identity", {ex.name(out)}, {name}, "");
      *gp.add_output() = value_info(name, out->type());
    }
  });
}

// If and Loop with their blocks as graph attributes (ONNX's blocks read outer values by name).
void export_control_flow(Exporter& ex, const ir::Node& n) {
  std::vector<std::string> ins, outs;
  for (const ir::Value* v : n.inputs()) ins.push_back(ex.name(v));
  for (const ir::Value* v : n.outputs()) outs.push_back(ex.name(v));
  const auto as_bool = [&](size_t i) {  // ONNX takes conditions as bool tensors
    const ir::TensorType& t = n.input(static_cast<int>(i))->type();
    if (t.dtype == DType::Bool) return;
    const std::string b = ex.fresh(ins[i] + "_bool");
    Exporter::attr(ex.node("Cast", {ins[i]}, {b}, ""), "to", int64_t{onnx::TensorProto::BOOL});
    ins[i] = b;
  };
  const auto graph_attr = [](onnx::NodeProto* node, const char* name) {
    auto* a = node->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::GRAPH);
    return a->mutable_g();
  };
  if (n.kind() == ir::NodeKind::If) {
    as_bool(0);
    const std::vector<std::string> captured(ins.begin() + 1, ins.end());
    onnx::NodeProto* node = ex.node("If", {ins[0]}, outs, n.name());
    export_block(ex, n.block(0), *graph_attr(node, "then_branch"), 0, captured);
    export_block(ex, n.block(1), *graph_attr(node, "else_branch"), 0, captured);
    return;
  }
  as_bool(1);
  const auto carried = static_cast<size_t>(n.num_carried());
  const std::vector<std::string> loop_ins(ins.begin(), ins.begin() + 2 + carried);
  const std::vector<std::string> captured(ins.begin() + 2 + carried, ins.end());
  onnx::NodeProto* node = ex.node("Loop", loop_ins, outs, n.name());
  export_block(ex, n.block(0), *graph_attr(node, "body"), 2 + carried, captured);
}

void export_nodes(Exporter& ex, const ir::Graph& g) {
  for (const ir::Node* n : g.nodes()) {
    if (n->is_op()) {
      exporters().at(n->op_name())(Site{ex, *n});
    } else {
      export_control_flow(ex, *n);
    }
  }
}

}  // namespace

onnx::ModelProto export_model(const ir::Graph& g, const std::vector<std::string>& input_names,
                              const std::vector<std::string>& output_names) {
  TSR_CHECK(input_names.size() == g.inputs().size() && output_names.size() == g.outputs().size(),
            "export: ", input_names.size(), " input and ", output_names.size(),
            " output names for a graph of ", g.inputs().size(), " and ", g.outputs().size());
  std::set<std::string> missing;
  missing_exporters(g, missing);
  if (!missing.empty()) {
    std::string list;
    for (const auto& m : missing) list += (list.empty() ? "" : ", ") + m;
    detail::throw_error<NotImplementedError>("export: no ONNX exporter for ", list);
  }
  onnx::ModelProto model;
  model.set_ir_version(8);
  model.set_producer_name("tessera");
  model.add_opset_import()->set_version(kOpset);
  onnx::GraphProto& gp = *model.mutable_graph();
  gp.set_name(g.name());
  Exporter ex(gp);
  for (size_t i = 0; i < g.inputs().size(); ++i) {
    ex.set_name(g.inputs()[i], input_names[i]);
    *gp.add_input() = value_info(input_names[i], g.inputs()[i]->type());
  }
  // Output names are reserved first, so no other value takes them.
  std::vector<std::string> reserved;
  for (const auto& o : output_names) reserved.push_back(ex.fresh(o));
  for (const ir::Value* c : g.constants())
    *gp.add_initializer() = to_proto(c->constant(), ex.name(c));
  export_nodes(ex, g);
  for (size_t i = 0; i < g.outputs().size(); ++i) {
    // Each output gets its ONNX name through an Identity (values may be inputs, constants or
    // outputs twice).
    ex.node("Identity", {ex.name(g.outputs()[i])}, {reserved[i]}, "");
    *gp.add_output() = value_info(reserved[i], g.outputs()[i]->type());
  }
  return model;
}

}  // namespace tessera::onnx_frontend
