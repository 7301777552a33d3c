// ONNX control flow: If and Loop as control-flow nodes or resolved at import, Scan unrolled.
// See Note [Control flow at import].
#include "core/factories.h"
#include "dispatch/registration.h"
#include "frontends/onnx/import.h"
#include "frontends/onnx/lower.h"
#include "passes/passes.h"

namespace tessera::onnx_frontend {
namespace {

using ir::Value;
using Outs = std::vector<Value*>;

// Note [Control flow at import]
// If and Loop become control-flow nodes whose bodies are blocks (Note [Control flow]),
// lowered once, when what decides them is computed at run time:
// - If whose condition is a constant lowers the branch it picks, inline. Otherwise both
//   branches become blocks; what either reads of the graph around it is captured, and both
//   take the same captured values. A branch that cannot be a block (it returns a sequence,
//   or a lowering in it needs a value known before the run) falls back to the condition
//   being known: computed from small graph inputs, the Session specialises on them (Note
//   [Specialising on inputs]).
// - Loop carrying tensors becomes a loop node. Its carried values' types are found by
//   lowering the body with the initial types and again with what the body returns joined
//   in, until they agree (a value that grows each iteration gets an unknown dim).
// - Loop carrying sequences or optionals, and a loop whose body cannot be a block, is
//   unrolled when its trip count and conditions are known: each iteration is the body's
//   nodes again (bounded: 65536 iterations, 4M nodes).
// - Scan is unrolled over the static length of its scanned dims.

constexpr int64_t kMaxIterations = int64_t{1} << 16;

bool truth(Lowerer& cx, Value* v, const char* what) {
  if (!v->is_constant()) {
    cx.fail(what, " ('", v->name(),
            "') is computed at run time; an unrolled loop needs it "
            "at import");
  }
  const Tensor t = v->constant();
  if (t.numel() != 1) cx.fail(what, " must hold one element");
  return t.reshape({}).item().to<bool>();
}

// The outputs of a control-flow node the lowering made, named and typed.
Outs typed_outputs(Lowerer& cx, ir::Node* n) {
  n->set_name(cx.node().name());
  try {
    passes::refine_output_types(*n);
  } catch (const Error& e) {
    cx.fail(e.what());
  }
  return n->outputs();
}

// nc (what a Session may learn to specialise on) with the reason a body could not be a
// block (`failed`, an Error) in front.
[[noreturn]] void rethrow_with(const NeedsConstant& nc, std::exception_ptr failed,
                               const char* unless) {
  try {
    std::rethrow_exception(failed);
  } catch (const Error& e) {
    throw NeedsConstant(std::string(e.what()) + "; unless " + unless + " known before the run",
                        nc.value(), nc.inputs());
  }
}

Outs if_op(Lowerer& cx) {
  if (const std::optional<Tensor> c = cx.constant_in(0)) {
    if (c->numel() != 1) cx.fail("cond must hold one element");
    const bool cond = c->reshape({}).item().to<bool>();
    cx.set_outputs(cx.lower_subgraph(cond ? "then_branch" : "else_branch", {}));
    return {};
  }
  std::optional<Region> then_b, else_b;
  try {
    then_b = cx.lower_region("then_branch", {});
    else_b = cx.lower_region("else_branch", {}, then_b->captured);
  } catch (const Error&) {
    // Resolved at import instead, when the condition can be known then.
    const std::exception_ptr failed = std::current_exception();
    try {
      cx.need_constant(0, "cond");
    } catch (const NeedsConstant& nc) {
      rethrow_with(nc, failed, "cond is");
    }
    std::rethrow_exception(failed);
  }
  // Both take the same captured values: what else captured beyond then's, then takes too.
  for (size_t k = then_b->captured.size(); k < else_b->captured.size(); ++k) {
    const Value* v = else_b->captured[k];
    then_b->graph->add_input(then_b->graph->fresh_name(v->name()), v->type());
  }
  if (then_b->graph->outputs().size() != else_b->graph->outputs().size()) {
    cx.fail("the branches return ", then_b->graph->outputs().size(), " and ",
            else_b->graph->outputs().size(), " values");
  }
  ir::Node* n = nullptr;
  try {
    n = cx.graph().create_if(cx.in(0), else_b->captured, std::move(then_b->graph),
                             std::move(else_b->graph),
                             cx.output_names(static_cast<int>(cx.num_outputs())));
  } catch (const Error& e) {
    cx.fail(e.what());
  }
  return typed_outputs(cx, n);
}

// The tensor a body returned at position k.
Value* tensor_of(Lowerer& cx, const Symbol& s, size_t k) {
  if (s.tensor == nullptr) cx.fail("the body's output ", k, " must be a tensor");
  return s.tensor;
}

// Loop(M, cond, v...): body(i, cond, v...) -> (cond, v..., scan...), unrolled.
Outs unrolled_loop(Lowerer& cx) {
  std::optional<int64_t> trips;
  if (cx.in_opt(0))
    trips = cx.need_constant(0, "M (the trip count)").reshape({}).item().to<int64_t>();
  bool cond = true;
  if (cx.in_opt(1)) cond = cx.need_constant(1, "cond").reshape({}).item().to<bool>();
  std::vector<Symbol> carried;  // tensors, sequences or optionals
  for (int i = 2; i < cx.num_inputs(); ++i) carried.push_back(cx.symbol(i));
  const size_t n_carried = carried.size();
  const auto n_scan = static_cast<size_t>(cx.num_outputs()) - n_carried;
  if (static_cast<size_t>(cx.num_outputs()) < n_carried)
    cx.fail("fewer outputs than loop-carried values");
  std::vector<std::vector<Value*>> scans(n_scan);
  Value* cond_v = cx.scalar(cond ? 1 : 0, DType::Bool);
  int64_t i = 0;
  for (; cond && (!trips || i < *trips); ++i) {
    if (i >= kMaxIterations) cx.fail("the loop runs more than ", kMaxIterations, " iterations");
    std::vector<Symbol> ins{cx.scalar(static_cast<double>(i), DType::Int64), cond_v};
    ins.insert(ins.end(), carried.begin(), carried.end());
    const std::vector<Symbol> outs = cx.lower_subgraph("body", ins);
    if (outs.size() != 1 + n_carried + n_scan) {
      cx.fail("the body returns ", outs.size(), " values, not ", 1 + n_carried + n_scan);
    }
    cond_v = tensor_of(cx, outs[0], 0);
    cond = truth(cx, cond_v, "the body's condition");
    for (size_t k = 0; k < n_carried; ++k) carried[k] = outs[1 + k];
    for (size_t k = 0; k < n_scan; ++k) {
      scans[k].push_back(tensor_of(cx, outs[1 + n_carried + k], 1 + n_carried + k));
    }
  }
  std::vector<Symbol> result = carried;
  for (auto& s : scans) {
    if (s.empty()) cx.fail("a scan output of a loop that runs no iteration");
    result.emplace_back(cx.op("stack", {s, IValue(int64_t{0})}));
  }
  cx.set_outputs(std::move(result));
  return {};
}

Outs loop(Lowerer& cx) {
  std::vector<Value*> carried;
  for (int i = 2; i < cx.num_inputs(); ++i) {
    if (cx.symbol(i).tensor == nullptr) return unrolled_loop(cx);  // a sequence or optional
    carried.push_back(cx.symbol(i).tensor);
  }
  if (static_cast<size_t>(cx.num_outputs()) < carried.size())
    cx.fail("fewer outputs than loop-carried values");
  std::vector<ir::TensorType> types{ir::TensorType{DType::Int64, std::vector<ir::Dim>{}},
                                    ir::TensorType{DType::Bool, std::vector<ir::Dim>{}}};
  for (Value* v : carried) types.push_back(v->type());
  std::optional<Region> body;
  try {
    // Until the carried types are what the body returns for them (a few rounds at most:
    // each one only forgets what differs).
    for (int round = 0; round < 4; ++round) {
      body = cx.lower_region("body", types);
      const auto& outs = body->graph->outputs();
      if (outs.size() != static_cast<size_t>(cx.num_outputs()) + 1) {
        cx.fail("the body returns ", outs.size(), " values, not ", cx.num_outputs() + 1);
      }
      bool fixed = true;
      for (size_t k = 0; k < carried.size(); ++k) {
        ir::TensorType& t = types[2 + k];
        ir::TensorType joined = ir::join(t, outs[1 + k]->type());
        // A carried value keeps its dtype (ONNX's rule); an output inference could not
        // type says nothing against it.
        if (!outs[1 + k]->type().dtype) joined.dtype = t.dtype;
        if (joined != t) {
          t = joined;
          fixed = false;
        }
      }
      if (fixed) break;
      body.reset();
    }
    if (!body) cx.fail("the types of the loop's carried values do not settle");
  } catch (const Error&) {
    const std::exception_ptr failed = std::current_exception();
    try {
      return unrolled_loop(cx);
    } catch (const NeedsConstant& nc) {
      rethrow_with(nc, failed, "the loop's trip count and conditions are");
    } catch (const Error&) {
      std::rethrow_exception(failed);
    }
  }
  Value* trips =
      cx.in_opt(0) ? cx.in(0) : cx.constant(scalar_tensor(Scalar(INT64_MAX), DType::Int64));
  Value* cond = cx.in_opt(1) ? cx.in(1) : cx.scalar(1, DType::Bool);
  ir::Node* n = nullptr;
  try {
    n = cx.graph().create_loop(trips, cond, carried, body->captured, std::move(body->graph),
                               cx.output_names(cx.num_outputs()));
  } catch (const Error& e) {
    cx.fail(e.what());
  }
  return typed_outputs(cx, n);
}

// Slice k of x along axis, that dim dropped (typed: later lowerings read its shape).
Value* slice_at(Lowerer& cx, Value* x, int64_t axis, int64_t k) {
  Value* y =
      cx.op("squeeze.dim",
            {cx.op("slice.Tensor", {x, IValue(axis), IValue(k), IValue(k + 1)}), IValue(axis)});
  ir::TensorType t = x->type();
  if (t.shape) t.shape->erase(t.shape->begin() + axis);
  y->set_type(std::move(t));
  return y;
}

// Scan (opset 9 on): body(state..., slices...) -> (state..., scan outputs...).
Outs scan_steps(Lowerer& cx, std::vector<Value*> states, const std::vector<Value*>& xs, int n_out) {
  const auto m = static_cast<int64_t>(xs.size());
  const auto n = static_cast<int64_t>(states.size());
  const std::vector<int64_t> in_axes = cx.attr_ints("scan_input_axes", std::vector<int64_t>(m, 0));
  const std::vector<int64_t> in_dirs =
      cx.attr_ints("scan_input_directions", std::vector<int64_t>(m, 0));
  const int64_t k_out = n_out - n;
  const std::vector<int64_t> out_axes =
      cx.attr_ints("scan_output_axes", std::vector<int64_t>(k_out, 0));
  const std::vector<int64_t> out_dirs =
      cx.attr_ints("scan_output_directions", std::vector<int64_t>(k_out, 0));
  if (static_cast<int64_t>(in_axes.size()) != m || static_cast<int64_t>(in_dirs.size()) != m ||
      static_cast<int64_t>(out_axes.size()) != k_out ||
      static_cast<int64_t>(out_dirs.size()) != k_out) {
    cx.fail("scan axes and directions must have one value per scan input and output");
  }
  int64_t steps = -1;
  std::vector<int64_t> axes(static_cast<size_t>(m));
  for (int64_t j = 0; j < m; ++j) {
    const auto s = cx.static_shape(xs[static_cast<size_t>(j)]);
    if (!s) cx.fail("scan inputs need static shapes");
    const int64_t a = cx.dim_index(in_axes[static_cast<size_t>(j)], *s);
    axes[static_cast<size_t>(j)] = a;
    const int64_t len = (*s)[static_cast<size_t>(a)];
    if (steps >= 0 && len != steps) cx.fail("scan inputs differ in length");
    steps = len;
  }
  if (steps < 0) cx.fail("a scan needs at least one scan input");
  if (steps > kMaxIterations) cx.fail("the scan runs more than ", kMaxIterations, " iterations");
  std::vector<std::vector<Value*>> outs(static_cast<size_t>(k_out));
  for (int64_t t = 0; t < steps; ++t) {
    std::vector<Symbol> ins(states.begin(), states.end());
    for (int64_t j = 0; j < m; ++j) {
      const int64_t at = in_dirs[static_cast<size_t>(j)] ? steps - 1 - t : t;
      ins.emplace_back(slice_at(cx, xs[static_cast<size_t>(j)], axes[static_cast<size_t>(j)], at));
    }
    const std::vector<Symbol> r = cx.lower_subgraph("body", ins);
    if (static_cast<int64_t>(r.size()) != n_out) {
      cx.fail("the body returns ", r.size(), " values, not ", n_out);
    }
    for (size_t k = 0; k < r.size(); ++k) {
      Value* v = tensor_of(cx, r[k], k);
      if (static_cast<int64_t>(k) < n) {
        states[k] = v;
      } else {
        outs[k - static_cast<size_t>(n)].push_back(v);
      }
    }
  }
  Outs result = states;
  for (int64_t k = 0; k < k_out; ++k) {
    auto& s = outs[static_cast<size_t>(k)];
    if (s.empty()) cx.fail("a scan output of a scan over no steps");
    if (out_dirs[static_cast<size_t>(k)]) std::reverse(s.begin(), s.end());
    // Stacked at the output axis (of the stacked rank).
    const auto r1 = cx.rank(s[0]);
    int64_t axis = out_axes[static_cast<size_t>(k)];
    if (axis < 0) {
      if (!r1) cx.fail("a negative scan output axis needs the output's rank");
      axis += *r1 + 1;
    }
    result.push_back(cx.op("stack", {s, IValue(axis)}));
  }
  return result;
}

Outs scan(Lowerer& cx) {
  const int64_t m = cx.attr_int("num_scan_inputs", -1);
  const int first = cx.opset() < 9 ? 1 : 0;  // opset 8: sequence_lens, then the states
  const int64_t n = cx.num_inputs() - first - m;
  if (m <= 0 || n < 0) cx.fail("num_scan_inputs must be between 1 and the inputs' count");
  std::vector<Value*> states, xs;
  for (int64_t i = 0; i < n; ++i) states.push_back(cx.in(first + static_cast<int>(i)));
  for (int64_t i = 0; i < m; ++i) xs.push_back(cx.in(first + static_cast<int>(n + i)));
  if (cx.opset() >= 9) return scan_steps(cx, states, xs, cx.num_outputs());
  // Opset 8: every input has a batch dim first, scanned along dim 1; each batch row is a
  // scan of its own, the results stacked along the batch dim again.
  if (cx.in_opt(0)) cx.fail("sequence_lens is not supported");
  if (cx.has_attr("directions")) cx.fail("directions is not supported");
  const auto s0 = cx.static_shape(xs[0]);
  if (!s0 || s0->empty()) cx.fail("scan inputs need static shapes");
  const int64_t batch = (*s0)[0];
  if (batch > kMaxIterations) cx.fail("the scan runs more than ", kMaxIterations, " iterations");
  std::vector<std::vector<Value*>> per_output(static_cast<size_t>(cx.num_outputs()));
  for (int64_t b = 0; b < batch; ++b) {
    std::vector<Value*> st, sx;
    for (Value* v : states) st.push_back(slice_at(cx, v, 0, b));
    for (Value* v : xs) sx.push_back(slice_at(cx, v, 0, b));
    const Outs r = scan_steps(cx, st, sx, cx.num_outputs());
    for (size_t k = 0; k < r.size(); ++k) per_output[k].push_back(r[k]);
  }
  Outs result;
  for (auto& o : per_output) result.push_back(cx.op("stack", {o, IValue(int64_t{0})}));
  return result;
}

}  // namespace

TSR_REGISTER {
  register_lowering("If", 1, if_op);
  register_lowering("Loop", 1, loop);
  register_lowering("Scan", 8, scan);
}

}  // namespace tessera::onnx_frontend
