// The optimisers of ai.onnx.preview.training (Adagrad, Momentum, Adam): one update step of
// n tensors, composed of elementwise ops. Inputs: R (learning rate), T (update count), then
// the n tensors of each group (X..., G..., and the state: H..., V..., or V..., H...).
#include "dispatch/registration.h"
#include "frontends/onnx/lower.h"

namespace tessera::onnx_frontend {
namespace {

using ir::Value;
using Outs = std::vector<Value*>;

constexpr const char* kDomain = "ai.onnx.preview.training:";

// The number of tensors updated: (inputs - 2) / groups.
int64_t tensors_updated(Lowerer& cx, int groups) {
  const int rest = cx.num_inputs() - 2;
  if (rest <= 0 || rest % groups != 0 || cx.num_outputs() != rest / groups * (groups - 1)) {
    cx.fail("expects R, T and ", groups, " groups of equally many tensors (", groups - 1,
            " groups of outputs)");
  }
  return rest / groups;
}

struct Step {
  Lowerer& cx;
  DType d;
  Value* scalar(double v) const { return cx.scalar(v, d); }
  Value* mul(Value* a, Value* b) const { return cx.op("mul.Tensor", {a, b}); }
  Value* add(Value* a, Value* b) const { return cx.op("add.Tensor", {a, b}); }
  Value* sub(Value* a, Value* b) const { return cx.op("sub.Tensor", {a, b}); }
  Value* div(Value* a, Value* b) const { return cx.op("div.Tensor_mode", {a, b}); }
  Value* cast(Value* v) const { return cx.op("cast", {v, IValue(d)}); }
  // norm_coefficient * X + G
  Value* regularized(Value* x, Value* g, double norm) const {
    return norm == 0 ? g : add(mul(scalar(norm), x), g);
  }
};

// Tensor k of input group `group` (0: X, 1: G, then the state) of n tensors each.
Value* member(Lowerer& cx, int64_t n, int group, int64_t k) {
  return cx.in(2 + static_cast<int>(group * n + k));
}

DType float_type(Lowerer& cx) {
  return cx.dtype(cx.in(2)).value_or(DType::Float32);
}

// r = R / (1 + T decay); G' = norm X + G; H' = H + G'^2; X' = X - r G' / (sqrt(H') + eps).
Outs adagrad(Lowerer& cx) {
  const int64_t n = tensors_updated(cx, 3);
  const Step s{cx, float_type(cx)};
  const double decay = cx.attr_float("decay_factor", 0), eps = cx.attr_float("epsilon", 1e-6f),
               norm = cx.attr_float("norm_coefficient", 0);
  Value* r = s.div(s.cast(cx.in(0)), s.add(s.scalar(1), s.mul(s.cast(cx.in(1)), s.scalar(decay))));
  Outs xs, hs;
  for (int64_t k = 0; k < n; ++k) {
    Value* x = member(cx, n, 0, k);
    Value* g = s.regularized(x, member(cx, n, 1, k), norm);
    Value* h = s.add(member(cx, n, 2, k), s.mul(g, g));
    Value* adaptive = s.add(cx.op("sqrt", {h}), s.scalar(eps));
    xs.push_back(s.sub(x, s.div(s.mul(r, g), adaptive)));
    hs.push_back(h);
  }
  xs.insert(xs.end(), hs.begin(), hs.end());
  return xs;
}

// G' = norm X + G; V' = alpha V + beta' G' (beta' = beta once T > 0, 1 at T = 0);
// X' = X - R V' (standard) or X - R (G' + alpha V') (nesterov).
Outs momentum(Lowerer& cx) {
  const int64_t n = tensors_updated(cx, 3);
  const Step s{cx, float_type(cx)};
  const double alpha = cx.attr_float("alpha", 0), beta = cx.attr_float("beta", 0),
               norm = cx.attr_float("norm_coefficient", 0);
  const std::string mode = cx.attr_string("mode", "standard");
  if (mode != "standard" && mode != "nesterov") cx.fail("unknown mode '", mode, "'");
  Value* started = cx.op("gt.Tensor", {cx.in(1), cx.scalar(0, DType::Int64)});
  Value* beta_t = cx.op("where.self", {started, s.scalar(beta), s.scalar(1)});
  Value* r = s.cast(cx.in(0));
  Outs xs, vs;
  for (int64_t k = 0; k < n; ++k) {
    Value* x = member(cx, n, 0, k);
    Value* g = s.regularized(x, member(cx, n, 1, k), norm);
    Value* v = s.add(s.mul(s.scalar(alpha), member(cx, n, 2, k)), s.mul(beta_t, g));
    Value* step = mode == "standard" ? v : s.add(g, s.mul(s.scalar(alpha), v));
    xs.push_back(s.sub(x, s.mul(r, step)));
    vs.push_back(v);
  }
  xs.insert(xs.end(), vs.begin(), vs.end());
  return xs;
}

// G' = norm X + G; V' = alpha V + (1 - alpha) G'; H' = beta H + (1 - beta) G'^2;
// R' = R sqrt(1 - beta^T) / (1 - alpha^T) once T > 0 (R at T = 0);
// X' = (1 - norm_post) (X - R' V' / (sqrt(H') + eps)).
Outs adam(Lowerer& cx) {
  const int64_t n = tensors_updated(cx, 4);
  const Step s{cx, float_type(cx)};
  const double alpha = cx.attr_float("alpha", 0.9f), beta = cx.attr_float("beta", 0.999f),
               eps = cx.attr_float("epsilon", 1e-6f), norm = cx.attr_float("norm_coefficient", 0),
               norm_post = cx.attr_float("norm_coefficient_post", 0);
  // R' in float64, as the spec's scalars are.
  const Step f{cx, DType::Float64};
  Value* t = f.cast(cx.in(1));
  Value* bias =
      f.div(cx.op("sqrt", {f.sub(f.scalar(1), cx.op("pow.Tensor_Tensor", {f.scalar(beta), t}))}),
            f.sub(f.scalar(1), cx.op("pow.Tensor_Tensor", {f.scalar(alpha), t})));
  Value* started = cx.op("gt.Tensor", {cx.in(1), cx.scalar(0, DType::Int64)});
  Value* r64 = f.cast(cx.in(0));
  Value* r = s.cast(cx.op("where.self", {started, f.mul(r64, bias), r64}));
  Outs xs, vs, hs;
  for (int64_t k = 0; k < n; ++k) {
    Value* x = member(cx, n, 0, k);
    Value* g = s.regularized(x, member(cx, n, 1, k), norm);
    Value* v = s.add(s.mul(s.scalar(alpha), member(cx, n, 2, k)), s.mul(s.scalar(1 - alpha), g));
    Value* h =
        s.add(s.mul(s.scalar(beta), member(cx, n, 3, k)), s.mul(s.scalar(1 - beta), s.mul(g, g)));
    Value* x_new = s.sub(x, s.mul(r, s.div(v, s.add(cx.op("sqrt", {h}), s.scalar(eps)))));
    xs.push_back(norm_post == 0 ? x_new : s.mul(s.scalar(1 - norm_post), x_new));
    vs.push_back(v);
    hs.push_back(h);
  }
  xs.insert(xs.end(), vs.begin(), vs.end());
  xs.insert(xs.end(), hs.begin(), hs.end());
  return xs;
}

}  // namespace

TSR_REGISTER {
  register_lowering(std::string(kDomain) + "Adagrad", 1, adagrad);
  register_lowering(std::string(kDomain) + "Momentum", 1, momentum);
  register_lowering(std::string(kDomain) + "Adam", 1, adam);
}

}  // namespace tessera::onnx_frontend
