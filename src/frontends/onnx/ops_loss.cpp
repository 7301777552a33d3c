// ONNX losses: NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss, composed of gathers
// and reductions.
#include "dispatch/registration.h"
#include "frontends/onnx/lower.h"

namespace tessera::onnx_frontend {
namespace {

using ir::Value;
using Outs = std::vector<Value*>;

// loss[n, d...] = -logp[n, target[n, d...], d...] * weight[target[n, d...]], 0 where target is
// ignore_index; reduced by "none", "sum" or "mean" (the weighted mean: divided by the sum of
// the weights of the targets not ignored).
Value* nll(Lowerer& cx, Value* logp, Value* target, Value* weight, const std::string& reduction,
           std::optional<int64_t> ignore_index) {
  if (reduction != "none" && reduction != "sum" && reduction != "mean") {
    cx.fail("reduction must be none, sum or mean, not '", reduction, "'");
  }
  const DType d = cx.dtype(logp).value_or(DType::Float32);
  Value* keep = nullptr;  // bool: targets not ignored
  Value* t = target;
  if (ignore_index) {
    keep =
        cx.op("ne.Tensor", {target, cx.scalar(static_cast<double>(*ignore_index), DType::Int64)});
    t = cx.op("where.self", {keep, target, cx.scalar(0, DType::Int64)});
  }
  Value* picked = cx.op(
      "squeeze.dim",
      {cx.op("gather", {logp, IValue(int64_t{1}), cx.op("unsqueeze", {t, IValue(int64_t{1})})}),
       IValue(int64_t{1})});
  Value* w = nullptr;  // the weight of each target, or null for all ones
  if (weight != nullptr) {
    Value* column = cx.op("unsqueeze", {weight, IValue(int64_t{1})});
    w = cx.op("squeeze.dim", {cx.op("embedding", {column, t}), IValue(int64_t{-1})});
  }
  if (keep != nullptr) {
    Value* k = cx.op("cast", {keep, IValue(d)});
    w = w ? cx.op("mul.Tensor", {w, k}) : k;
  }
  Value* loss = cx.op("neg", {w ? cx.op("mul.Tensor", {picked, w}) : picked});
  if (reduction == "none") return loss;
  Value* total = cx.op("sum", {loss});
  if (reduction == "sum") return total;
  if (w == nullptr) return cx.op("mean", {loss});
  return cx.op("div.Tensor_mode", {total, cx.op("sum", {w})});
}

std::optional<int64_t> ignore_index(Lowerer& cx) {
  if (!cx.has_attr("ignore_index")) return std::nullopt;
  return cx.attr_int("ignore_index", 0);
}

Outs nll_loss(Lowerer& cx) {
  return {nll(cx, cx.in(0), cx.in(1), cx.in_opt(2), cx.attr_string("reduction", "mean"),
              ignore_index(cx))};
}

Outs softmax_cross_entropy(Lowerer& cx) {
  Value* logp = cx.op("log_softmax.int", {cx.in(0), IValue(int64_t{1})});
  Value* loss =
      nll(cx, logp, cx.in(1), cx.in_opt(2), cx.attr_string("reduction", "mean"), ignore_index(cx));
  return {loss, logp};
}

}  // namespace

TSR_REGISTER {
  register_lowering("NegativeLogLikelihoodLoss", 12, nll_loss);
  register_lowering("SoftmaxCrossEntropyLoss", 12, softmax_cross_entropy);
}

}  // namespace tessera::onnx_frontend
