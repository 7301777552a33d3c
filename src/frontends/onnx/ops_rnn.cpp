// ONNX's recurrent layers (RNN, GRU, LSTM) unrolled over their static sequence length into
// matmuls and elementwise ops. See Note [Unrolled recurrences].
#include "core/factories.h"
#include "dispatch/registration.h"
#include "frontends/onnx/lower.h"

namespace tessera::onnx_frontend {
namespace {

using ir::Value;
using Outs = std::vector<Value*>;

// Note [Unrolled recurrences]
// A layer with S steps becomes, per direction: one matmul of the whole input by W^T (plus
// W's bias) for every step at once, then S steps each of one matmul of the hidden state by
// R^T and the gates' elementwise ops. Constant weights fold at import (slices, transposes,
// bias sums). sequence_lens masks each batch row past its length: the state stops changing
// and Y is 0 there, which also makes the reverse direction start at each row's own last
// step. The graph grows with S; a loop op that keeps the steps in one node is the way to
// long sequences (docs/graph-runtime.md, "Next").

enum class Kind { Rnn, Gru, Lstm };

struct Activation {
  std::string name;
  std::optional<double> alpha, beta;  // from activation_alpha/_beta, else the defaults
};

struct Layer {
  Kind kind;
  int gates;  // 1, 3 or 4
  int64_t hidden;
  int64_t steps;
  std::vector<Activation> activations;  // per direction: f (, g (, h))
  float clip = 0;
};

bool takes_alpha(const std::string& n) {
  return n == "LeakyRelu" || n == "ThresholdedRelu" || n == "Elu" || n == "HardSigmoid" ||
         n == "Affine" || n == "ScaledTanh";
}
bool takes_beta(const std::string& n) {
  return n == "HardSigmoid" || n == "Affine" || n == "ScaledTanh";
}

// The activation a applied to v.
Value* activate(Lowerer& cx, const Activation& a, Value* v) {
  const std::string& name = a.name;
  auto alpha = [&](double fallback) { return a.alpha.value_or(fallback); };
  auto beta = [&](double fallback) { return a.beta.value_or(fallback); };
  const DType d = DType::Float32;
  if (name == "Tanh") return cx.op("tanh", {v});
  if (name == "Sigmoid") return cx.op("sigmoid", {v});
  if (name == "Relu") return cx.op("relu", {v});
  if (name == "Softsign") return cx.op("softsign", {v});
  if (name == "Softplus") return cx.op("softplus", {v});
  if (name == "LeakyRelu") return cx.op("leaky_relu", {v, IValue(alpha(0.01))});
  if (name == "Elu") return cx.op("elu", {v, IValue(alpha(1.0))});
  if (name == "HardSigmoid") {
    Value* y = cx.op("add.Tensor",
                     {cx.op("mul.Tensor", {v, cx.scalar(alpha(0.2), d)}), cx.scalar(beta(0.5), d)});
    return cx.op("clamp", {y, IValue(0.0), IValue(1.0)});
  }
  if (name == "Affine") {
    return cx.op("add.Tensor",
                 {cx.op("mul.Tensor", {v, cx.scalar(alpha(1.0), d)}), cx.scalar(beta(0.0), d)});
  }
  if (name == "ScaledTanh") {
    return cx.op("mul.Tensor", {cx.op("tanh", {cx.op("mul.Tensor", {v, cx.scalar(beta(1.0), d)})}),
                                cx.scalar(alpha(1.0), d)});
  }
  if (name == "ThresholdedRelu") {
    return cx.op("where.self",
                 {cx.op("gt.Tensor", {v, cx.scalar(alpha(1.0), d)}), v, cx.scalar(0, d)});
  }
  cx.fail("unknown activation '", name, "'");
}

// Row d of a [num_directions, ...] tensor.
Value* direction(Lowerer& cx, Value* v, int64_t d) {
  return cx.op("squeeze.dim",
               {cx.op("slice.Tensor", {v, IValue(int64_t{0}), IValue(d), IValue(d + 1)}),
                IValue(int64_t{0})});
}

// Columns [k h, (k + n) h) of the last dim: gates k .. k + n - 1.
Value* gate(Lowerer& cx, Value* v, int64_t k, int64_t h, int64_t n = 1) {
  return cx.op("slice.Tensor", {v, IValue(int64_t{-1}), IValue(k * h), IValue((k + n) * h)});
}

Value* add(Lowerer& cx, Value* a, Value* b) {
  return b == nullptr ? a : cx.op("add.Tensor", {a, b});
}
Value* mul(Lowerer& cx, Value* a, Value* b) {
  return cx.op("mul.Tensor", {a, b});
}

// One direction of the layer: the outputs at every step (stacked, [S, batch, hidden]), the
// last state and, for LSTM, the last cell.
struct Run {
  Value* y;
  Value* h;
  Value* c;
};

Run run_direction(Lowerer& cx, const Layer& l, Value* x, int64_t d, bool reverse,
                  Value* mask_lens) {
  const int64_t h = l.hidden;
  const int g = l.gates;
  Value* w = direction(cx, cx.in(1), d);  // [g h, input]
  Value* r = direction(cx, cx.in(2), d);  // [g h, h]
  Value* wb = nullptr;
  Value* rb = nullptr;
  if (Value* b = cx.in_opt(3)) {
    Value* bd = direction(cx, b, d);  // [2 g h]: W's bias, then R's
    wb = gate(cx, bd, 0, h, g);
    rb = gate(cx, bd, g, h, g);
  }
  auto transposed = [&](Value* m) {
    return cx.op("transpose.int", {m, IValue(int64_t{0}), IValue(int64_t{1})});
  };
  // Every step's input projection at once: [S, batch, g h].
  Value* xw = add(cx, cx.op("matmul", {x, transposed(w)}), wb);

  const auto xs = cx.static_shape(x);
  const int64_t batch = (*xs)[1];
  auto initial = [&](int i) -> Value* {
    if (Value* v = cx.in_opt(i)) return direction(cx, v, d);
    return cx.constant(zeros({batch, h}, DType::Float32));
  };
  Value* state = initial(5);
  Value* cell = l.kind == Kind::Lstm ? initial(6) : nullptr;
  // LSTM's peepholes, [3 h]: i, o, f (sliced once, not per step).
  Value *peep_i = nullptr, *peep_o = nullptr, *peep_f = nullptr;
  if (l.kind == Kind::Lstm && cx.in_opt(7)) {
    Value* peep = direction(cx, cx.in(7), d);
    peep_i = gate(cx, peep, 0, h);
    peep_o = gate(cx, peep, 1, h);
    peep_f = gate(cx, peep, 2, h);
  }

  const size_t act = static_cast<size_t>(d) * (l.kind == Kind::Rnn   ? 1
                                               : l.kind == Kind::Gru ? 2
                                                                     : 3);
  auto f = [&](Value* v) { return activate(cx, l.activations[act], v); };
  auto gg = [&](Value* v) { return activate(cx, l.activations[act + 1], v); };
  auto hh = [&](Value* v) { return activate(cx, l.activations[act + 2], v); };
  auto clip = [&](Value* v) {
    if (l.clip <= 0) return v;
    return cx.op("clamp", {v, IValue(-static_cast<double>(l.clip)), IValue(double{l.clip})});
  };
  // GRU's candidate gate multiplies R's part by the reset gate, so R is used in two parts.
  Value* rt = transposed(r);
  Value* rt_zr = l.kind == Kind::Gru ? gate(cx, rt, 0, h, 2) : nullptr;
  Value* rt_h = l.kind == Kind::Gru ? gate(cx, rt, 2, h) : nullptr;
  Value* rb_zr = l.kind == Kind::Gru && rb ? gate(cx, rb, 0, h, 2) : nullptr;
  Value* rb_h = l.kind == Kind::Gru && rb ? gate(cx, rb, 2, h) : nullptr;
  const bool linear_before_reset = cx.attr_int("linear_before_reset", 0) != 0;

  std::vector<Value*> ys(static_cast<size_t>(l.steps));
  for (int64_t k = 0; k < l.steps; ++k) {
    const int64_t t = reverse ? l.steps - 1 - k : k;
    Value* xt = cx.op("squeeze.dim",
                      {cx.op("slice.Tensor", {xw, IValue(int64_t{0}), IValue(t), IValue(t + 1)}),
                       IValue(int64_t{0})});  // [batch, g h]
    Value* next_state = nullptr;
    Value* next_cell = nullptr;
    if (l.kind == Kind::Rnn) {
      next_state = f(clip(add(cx, add(cx, xt, cx.op("matmul", {state, rt})), rb)));
    } else if (l.kind == Kind::Gru) {
      Value* zr = add(cx, add(cx, gate(cx, xt, 0, h, 2), cx.op("matmul", {state, rt_zr})), rb_zr);
      Value* z = f(clip(gate(cx, zr, 0, h)));
      Value* rr = f(clip(gate(cx, zr, 1, h)));
      Value* cand = linear_before_reset
                        ? mul(cx, rr, add(cx, cx.op("matmul", {state, rt_h}), rb_h))
                        : add(cx, cx.op("matmul", {mul(cx, rr, state), rt_h}), rb_h);
      Value* hc = gg(clip(add(cx, gate(cx, xt, 2, h), cand)));
      // (1 - z) hc + z H = hc + z (H - hc)
      next_state = add(cx, hc, mul(cx, z, cx.op("sub.Tensor", {state, hc})));
    } else {
      Value* pre = add(cx, add(cx, xt, cx.op("matmul", {state, rt})), rb);  // i, o, f, c
      Value* pi = gate(cx, pre, 0, h);
      Value* po = gate(cx, pre, 1, h);
      Value* pf = gate(cx, pre, 2, h);
      if (peep_i) {
        pi = add(cx, pi, mul(cx, peep_i, cell));
        pf = add(cx, pf, mul(cx, peep_f, cell));
      }
      Value* i = f(clip(pi));
      Value* fg = cx.attr_int("input_forget", 0) != 0
                      ? cx.op("sub.Tensor", {cx.scalar(1, DType::Float32), i})
                      : f(clip(pf));
      Value* c = gg(clip(gate(cx, pre, 3, h)));
      next_cell = add(cx, mul(cx, fg, cell), mul(cx, i, c));
      if (peep_o) po = add(cx, po, mul(cx, peep_o, next_cell));
      next_state = mul(cx, f(clip(po)), hh(next_cell));
    }
    Value* y = next_state;
    if (mask_lens) {  // rows past their length keep their state and output 0
      Value* live =
          cx.op("lt.Tensor", {cx.scalar(static_cast<double>(t), DType::Int64), mask_lens});
      live = cx.op("unsqueeze", {live, IValue(int64_t{-1})});
      Value* zero = cx.scalar(0, DType::Float32);
      y = cx.op("where.self", {live, next_state, zero});
      next_state = cx.op("where.self", {live, next_state, state});
      if (next_cell) next_cell = cx.op("where.self", {live, next_cell, cell});
    }
    ys[static_cast<size_t>(t)] = y;
    state = next_state;
    cell = next_cell;
  }
  return {cx.op("stack", {ys, IValue(int64_t{0})}), state, cell};
}

Outs recurrent(Lowerer& cx, Kind kind) {
  Layer l;
  l.kind = kind;
  l.gates = kind == Kind::Rnn ? 1 : kind == Kind::Gru ? 3 : 4;
  const std::string dir = cx.attr_string("direction", "forward");
  if (dir != "forward" && dir != "reverse" && dir != "bidirectional") {
    cx.fail("unknown direction '", dir, "'");
  }
  const int64_t dirs = dir == "bidirectional" ? 2 : 1;
  const bool batch_first = cx.attr_int("layout", 0) != 0;
  Value* x = cx.in(0);
  const auto xs = cx.static_shape(x);
  if (!xs || xs->size() != 3) cx.fail("the input's shape must be static and 3-d");
  if (cx.dtype(x) != DType::Float32) cx.fail("only float32 inputs are supported");
  if (batch_first) {
    x = cx.op("transpose.int", {x, IValue(int64_t{0}), IValue(int64_t{1})});
  }
  l.steps = (*xs)[batch_first ? 1 : 0];
  // Unrolled: a bound on the steps keeps a hostile model from exhausting memory.
  if (l.steps > (int64_t{1} << 16)) cx.fail("sequences over 65536 steps are not supported");
  const auto rs = cx.static_shape(cx.in(2));
  if (!rs || rs->size() != 3)
    cx.fail("R's static shape [directions, gates * hidden, hidden] is needed");
  l.hidden = cx.attr_int("hidden_size", (*rs)[2]);
  if (l.hidden <= 0) cx.fail("hidden_size is missing");
  if ((*rs)[0] != dirs || (*rs)[1] != l.gates * l.hidden || (*rs)[2] != l.hidden) {
    cx.fail("R must be [", dirs, ", ", l.gates * l.hidden, ", ", l.hidden, "]");
  }
  const std::vector<std::string> defaults =
      kind == Kind::Rnn   ? std::vector<std::string>{"Tanh"}
      : kind == Kind::Gru ? std::vector<std::string>{"Sigmoid", "Tanh"}
                          : std::vector<std::string>{"Sigmoid", "Tanh", "Tanh"};
  std::vector<std::string> names;
  if (cx.has_attr("activations")) {
    for (const auto& attr : cx.node().attribute()) {
      if (attr.name() != "activations") continue;
      for (const auto& s : attr.strings()) names.push_back(s);
    }
    if (names.size() != defaults.size() * static_cast<size_t>(dirs)) {
      cx.fail("activations must name ", defaults.size() * static_cast<size_t>(dirs), " functions");
    }
  } else {
    for (int64_t d = 0; d < dirs; ++d) names.insert(names.end(), defaults.begin(), defaults.end());
  }
  // activation_alpha and _beta are consumed in order by the activations that take them.
  const std::vector<float> alphas = cx.attr_floats("activation_alpha", {});
  const std::vector<float> betas = cx.attr_floats("activation_beta", {});
  size_t next_alpha = 0, next_beta = 0;
  for (const std::string& n : names) {
    Activation a{n, std::nullopt, std::nullopt};
    if (takes_alpha(n) && next_alpha < alphas.size()) a.alpha = alphas[next_alpha++];
    if (takes_beta(n) && next_beta < betas.size()) a.beta = betas[next_beta++];
    l.activations.push_back(a);
  }
  l.clip = cx.attr_float("clip", 0);
  Value* lens = cx.in_opt(4);
  if (lens) lens = cx.op("cast", {lens, IValue(DType::Int64)});

  std::vector<Value*> ys, hs, cs;
  for (int64_t d = 0; d < dirs; ++d) {
    const bool reverse = dir == "reverse" || d == 1;
    const Run r = run_direction(cx, l, x, d, reverse, lens);
    ys.push_back(r.y);
    hs.push_back(r.h);
    if (r.c) cs.push_back(r.c);
  }
  Value* y = cx.op("stack", {ys, IValue(int64_t{1})});   // [S, dirs, batch, h]
  Value* yh = cx.op("stack", {hs, IValue(int64_t{0})});  // [dirs, batch, h]
  Value* yc = cs.empty() ? nullptr : cx.op("stack", {cs, IValue(int64_t{0})});
  if (batch_first) {  // [batch, S, dirs, h] and [batch, dirs, h]
    y = cx.op("permute", {y, IValue(std::vector<int64_t>{2, 0, 1, 3})});
    yh = cx.op("transpose.int", {yh, IValue(int64_t{0}), IValue(int64_t{1})});
    if (yc) yc = cx.op("transpose.int", {yc, IValue(int64_t{0}), IValue(int64_t{1})});
  }
  Outs out{y, yh};
  if (kind == Kind::Lstm) out.push_back(yc);
  return out;
}

}  // namespace

TSR_REGISTER {
  register_lowering("RNN", 7, [](Lowerer& cx) { return recurrent(cx, Kind::Rnn); });
  register_lowering("GRU", 7, [](Lowerer& cx) { return recurrent(cx, Kind::Gru); });
  register_lowering("LSTM", 7, [](Lowerer& cx) { return recurrent(cx, Kind::Lstm); });
}

}  // namespace tessera::onnx_frontend
