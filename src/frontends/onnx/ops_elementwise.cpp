// ONNX elementwise ops: unary maps, activations with attributes, binary and variadic ops,
// comparisons, logic, Where, Cast. One lowering per op; attributes with the spec's defaults.
#include "dispatch/registration.h"
#include "frontends/onnx/lower.h"
#include "frontends/onnx/same_ops.h"
#include "frontends/onnx/tensor_proto.h"

namespace tessera::onnx_frontend {
namespace {

using ir::Value;
using Outs = std::vector<Value*>;

Outs identity(Lowerer& cx) {  // of a tensor, a sequence or an optional
  cx.set_outputs({cx.symbol(0)});
  return {};
}

Outs softplus(Lowerer& cx) {
  return {cx.op("softplus", {cx.in(0)})};
}

Outs leaky_relu(Lowerer& cx) {
  return {cx.op("leaky_relu", {cx.in(0), IValue(double{cx.attr_float("alpha", 0.01f)})})};
}

Outs elu(Lowerer& cx) {
  return {cx.op("elu", {cx.in(0), IValue(double{cx.attr_float("alpha", 1.0f)})})};
}

Outs selu(Lowerer& cx) {
  const double alpha = cx.attr_float("alpha", 1.67326319217681884765625f);
  const double gamma = cx.attr_float("gamma", 1.05070102214813232421875f);
  return {cx.op("elu", {cx.in(0), IValue(alpha), IValue(gamma)})};
}

Outs celu(Lowerer& cx) {
  return {cx.op("celu", {cx.in(0), IValue(double{cx.attr_float("alpha", 1.0f)})})};
}

// max(0, min(1, alpha * x + beta))
Outs hard_sigmoid(Lowerer& cx) {
  Value* x = cx.in(0);
  const DType d = cx.dtype(x).value_or(DType::Float32);
  Value* y = cx.op("mul.Tensor", {x, cx.scalar(cx.attr_float("alpha", 0.2f), d)});
  y = cx.op("add.Tensor", {y, cx.scalar(cx.attr_float("beta", 0.5f), d)});
  return {cx.op("clamp", {y, IValue(0.0), IValue(1.0)})};
}

// x if x > alpha else 0
Outs thresholded_relu(Lowerer& cx) {
  Value* x = cx.in(0);
  const DType d = cx.dtype(x).value_or(DType::Float32);
  Value* keep = cx.op("gt.Tensor", {x, cx.scalar(cx.attr_float("alpha", 1.0f), d)});
  return {cx.op("where.self", {keep, x, cx.scalar(0, d)})};
}

// x + bias if x < -lambd, x - bias if x > lambd, else 0
Outs shrink(Lowerer& cx) {
  Value* x = cx.in(0);
  const DType d = cx.dtype(x).value_or(DType::Float32);
  const double bias = cx.attr_float("bias", 0.0f), lambd = cx.attr_float("lambd", 0.5f);
  Value* low = cx.op("lt.Tensor", {x, cx.scalar(-lambd, d)});
  Value* high = cx.op("gt.Tensor", {x, cx.scalar(lambd, d)});
  Value* up = cx.op("add.Tensor", {x, cx.scalar(bias, d)});
  Value* down = cx.op("sub.Tensor", {x, cx.scalar(bias, d)});
  return {cx.op("where.self", {low, up, cx.op("where.self", {high, down, cx.scalar(0, d)})})};
}

Outs is_inf(Lowerer& cx) {
  Value* x = cx.in(0);
  const bool pos = cx.attr_int("detect_positive", 1) != 0;
  const bool neg = cx.attr_int("detect_negative", 1) != 0;
  if (pos && neg) return {cx.op("isinf", {x})};
  const DType d = cx.dtype(x).value_or(DType::Float32);
  if (!pos && !neg) return {cx.op("lt.Tensor", {x, cx.scalar(-INFINITY, d)})};  // all false
  return {cx.op("eq.Tensor", {x, cx.scalar(pos ? INFINITY : -INFINITY, d)})};
}

Outs clip_attrs(Lowerer& cx) {  // opsets 1-10: min and max attributes
  return {cx.op("clamp", {cx.in(0), IValue(double{cx.attr_float("min", -INFINITY)}),
                          IValue(double{cx.attr_float("max", INFINITY)})})};
}

Outs clip(Lowerer& cx) {  // opset 11: min and max inputs, both optional
  std::vector<std::pair<std::string, ir::Input>> kw;
  if (cx.in_opt(1)) kw.emplace_back("min", cx.scalar_in(1));
  if (cx.in_opt(2)) kw.emplace_back("max", cx.scalar_in(2));
  if (kw.empty()) return {cx.in(0)};
  return {cx.op("clamp", {cx.in(0)}, std::move(kw))};
}

// x if x >= 0 else slope * x (slope broadcasts to x)
Outs prelu(Lowerer& cx) {
  Value* x = cx.in(0);
  const DType d = cx.dtype(x).value_or(DType::Float32);
  Value* neg = cx.op("lt.Tensor", {x, cx.scalar(0, d)});
  return {cx.op("where.self", {neg, cx.op("mul.Tensor", {x, cx.in(1)}), x})};
}

Outs div(Lowerer& cx) {
  Value* a = cx.in(0);
  const auto d = cx.dtype(a);
  // Integer division truncates in ONNX (as C does), where PyTorch's div is true division.
  if (d && is_integral(*d, false)) {
    return {cx.op("div.Tensor_mode", {a, cx.in(1)}, {{"rounding_mode", IValue("trunc")}})};
  }
  return {cx.op("div.Tensor_mode", {a, cx.in(1)})};
}

Outs pow(Lowerer& cx) {
  Value* base = cx.in(0);
  Value* y = cx.op("pow.Tensor_Tensor", {base, cx.in(1)});
  // ONNX keeps the base's type; PyTorch promotes with the exponent's.
  const auto d = cx.dtype(base), e = cx.dtype(cx.in(1));
  if (d && e && *d != *e) y = cx.op("cast", {y, IValue(*d)});
  return {y};
}

Outs mod(Lowerer& cx) {
  const bool fmod = cx.attr_int("fmod", 0) != 0;
  return {cx.op(fmod ? "fmod.Tensor" : "remainder.Tensor", {cx.in(0), cx.in(1)})};
}

Outs bit_shift(Lowerer& cx) {
  const std::string dir = cx.attr_string("direction", "");
  if (dir != "LEFT" && dir != "RIGHT") cx.fail("direction must be LEFT or RIGHT, not '", dir, "'");
  return {cx.op(dir == "LEFT" ? "bitwise_left_shift.Tensor" : "bitwise_right_shift.Tensor",
                {cx.in(0), cx.in(1)})};
}

// Max, Min, Sum, Mean: any number of inputs, broadcast.
Outs fold(Lowerer& cx, const char* op) {
  if (cx.num_inputs() == 0) cx.fail("needs at least one input");
  Value* acc = cx.in(0);
  for (int i = 1; i < cx.num_inputs(); ++i) acc = cx.op(op, {acc, cx.in(i)});
  return {acc};
}

Outs mean(Lowerer& cx) {
  Value* sum = fold(cx, "add.Tensor")[0];
  if (cx.num_inputs() == 1) return {sum};
  const DType d = cx.dtype(cx.in(0)).value_or(DType::Float32);
  return {cx.op("div.Tensor_mode", {sum, cx.scalar(cx.num_inputs(), d)})};
}

Outs where(Lowerer& cx) {
  return {cx.op("where.self", {cx.in(0), cx.in(1), cx.in(2)})};
}

Outs cast(Lowerer& cx) {
  const int64_t to = cx.attr_int("to", 0);
  const auto d = dtype_of(static_cast<int32_t>(to));
  if (!d) cx.fail("casting to ", onnx_type_name(static_cast<int32_t>(to)), " is not supported");
  return {cx.op("cast", {cx.in(0), IValue(*d)})};
}

Outs cast_like(Lowerer& cx) {
  const auto d = cx.dtype(cx.in(1));
  if (!d) cx.fail("the dtype of input 1 is unknown");
  return {cx.op("cast", {cx.in(0), IValue(*d)})};
}

}  // namespace

TSR_REGISTER {
  for (const SameOp& op : kSameOps) {
    const std::string name = op.tessera;
    const int n = op.inputs;
    register_lowering(op.onnx, op.since, [name, n](Lowerer& cx) -> Outs {
      std::vector<ir::Input> ins;
      for (int i = 0; i < n; ++i) ins.emplace_back(cx.in(i));
      return {cx.op(name, std::move(ins))};
    });
  }
  register_lowering("Identity", 1, identity);
  register_lowering("Softplus", 1, softplus);
  register_lowering("LeakyRelu", 1, leaky_relu);
  register_lowering("Elu", 1, elu);
  register_lowering("Selu", 1, selu);
  register_lowering("Celu", 12, celu);
  register_lowering("HardSigmoid", 1, hard_sigmoid);
  register_lowering("ThresholdedRelu", 10, thresholded_relu);
  register_lowering("Shrink", 9, shrink);
  register_lowering("IsInf", 10, is_inf);
  register_lowering("Clip", 1, clip_attrs);
  register_lowering("Clip", 11, clip);
  register_lowering("PRelu", 1, prelu);
  register_lowering("Div", 1, div);
  register_lowering("Pow", 1, pow);
  register_lowering("Mod", 10, mod);
  register_lowering("BitShift", 11, bit_shift);
  register_lowering("Max", 1, [](Lowerer& cx) { return fold(cx, "maximum"); });
  register_lowering("Min", 1, [](Lowerer& cx) { return fold(cx, "minimum"); });
  register_lowering("Sum", 1, [](Lowerer& cx) { return fold(cx, "add.Tensor"); });
  register_lowering("Mean", 1, mean);
  register_lowering("Where", 9, where);
  register_lowering("Cast", 1, cast);
  register_lowering("CastLike", 15, cast_like);
}

}  // namespace tessera::onnx_frontend
