// ONNX reductions: ReduceSum, ReduceMean, ReduceMax, ReduceMin, ReduceProd, ReduceL1,
// ReduceL2, ReduceLogSum, ReduceLogSumExp, ReduceSumSquare.
#include "dispatch/registration.h"
#include "frontends/onnx/lower.h"

namespace tessera::onnx_frontend {
namespace {

using ir::Value;
using Outs = std::vector<Value*>;

// The reduced axes (empty: every axis) and keepdims; nullopt when noop_with_empty_axes
// makes the op the identity. axes_input_since: the opset where axes moved to input 1.
struct Reduction {
  std::vector<int64_t> axes;
  bool keep;
  Value* dynamic_axes = nullptr;  // axes read at run time (then `axes` is unused)
};

std::optional<Reduction> reduction(Lowerer& cx, int64_t axes_input_since) {
  Reduction r{{}, cx.attr_int("keepdims", 1) != 0};
  if (cx.opset() < axes_input_since) {
    r.axes = cx.attr_ints("axes", {});
  } else if (cx.in_opt(1) != nullptr) {
    const auto v = cx.ints_in(1);
    if (!v && cx.attr_int("noop_with_empty_axes", 0) == 0) {
      r.dynamic_axes = cx.in(1);  // read at run time
      return r;
    }
    r.axes = v ? *v : cx.need_ints(1, "axes");
  }
  if (r.axes.empty() && cx.attr_int("noop_with_empty_axes", 0) != 0) return std::nullopt;
  return r;
}

// The axes argument: the literal list, or the value holding it.
ir::Input axes_arg(const Reduction& r) {
  if (r.dynamic_axes != nullptr) return r.dynamic_axes;
  return IValue(r.axes);
}

// Every axis, when the reduction names none (for ops whose schema needs the list).
std::vector<int64_t> all_axes(Lowerer& cx, Value* x, const Reduction& r) {
  std::vector<int64_t> axes = r.dynamic_axes ? cx.need_ints(1, "axes") : r.axes;
  if (!axes.empty()) return axes;
  const int64_t rank = cx.need_rank(x, "reducing every axis names each");
  for (int64_t d = 0; d < rank; ++d) axes.push_back(d);
  return axes;
}

// sum or mean keeping the input's dtype (ONNX does; PyTorch widens integer sums).
Value* sum_like(Lowerer& cx, const char* op, Value* x, const Reduction& r) {
  const ir::Input dims = r.dynamic_axes   ? ir::Input(r.dynamic_axes)
                         : r.axes.empty() ? ir::Input(IValue())
                                          : ir::Input(IValue(r.axes));
  const auto d = cx.dtype(x);
  return cx.op(op, {x, dims, IValue(r.keep)}, {{"dtype", d ? IValue(*d) : IValue()}});
}

using ReduceFn = Value* (*)(Lowerer&, Value*, const Reduction&);

Value* reduce_sum(Lowerer& cx, Value* x, const Reduction& r) {
  return sum_like(cx, "sum", x, r);
}
Value* reduce_mean(Lowerer& cx, Value* x, const Reduction& r) {
  return sum_like(cx, "mean", x, r);
}
Value* reduce_max(Lowerer& cx, Value* x, const Reduction& r) {
  return cx.op("amax", {x, axes_arg(r), IValue(r.keep)});
}
Value* reduce_min(Lowerer& cx, Value* x, const Reduction& r) {
  return cx.op("amin", {x, axes_arg(r), IValue(r.keep)});
}
Value* reduce_prod(Lowerer& cx, Value* x, const Reduction& r) {
  // prod reduces one dim at a time: the highest first, so the others keep their index.
  std::vector<int64_t> axes = all_axes(cx, x, r);
  const int64_t rank = cx.need_rank(x, "ReduceProd normalises its axes");
  for (int64_t& a : axes) a = cx.normalize_axis(a, rank);
  std::sort(axes.rbegin(), axes.rend());
  const auto d = cx.dtype(x);
  for (int64_t a : axes) {
    x = cx.op("prod.dim_int", {x, IValue(a), IValue(r.keep)},
              {{"dtype", d ? IValue(*d) : IValue()}});
  }
  return x;
}
Value* reduce_l1(Lowerer& cx, Value* x, const Reduction& r) {
  return sum_like(cx, "sum", cx.op("abs", {x}), r);
}
Value* reduce_l2(Lowerer& cx, Value* x, const Reduction& r) {
  return cx.op("sqrt", {reduce_sum(cx, cx.op("mul.Tensor", {x, x}), r)});
}
Value* reduce_sum_square(Lowerer& cx, Value* x, const Reduction& r) {
  return reduce_sum(cx, cx.op("mul.Tensor", {x, x}), r);
}
Value* reduce_log_sum(Lowerer& cx, Value* x, const Reduction& r) {
  return cx.op("log", {reduce_sum(cx, x, r)});
}
Value* reduce_log_sum_exp(Lowerer& cx, Value* x, const Reduction& r) {
  return cx.op("logsumexp", {x, IValue(all_axes(cx, x, r)), IValue(r.keep)});
}

struct ReduceRow {
  const char* onnx;
  ReduceFn fn;
  int64_t axes_input_since;  // opset 13 for ReduceSum, 18 for the rest
};
constexpr ReduceRow kReductions[] = {
    {"ReduceSum", reduce_sum, 13},        {"ReduceMean", reduce_mean, 18},
    {"ReduceMax", reduce_max, 18},        {"ReduceMin", reduce_min, 18},
    {"ReduceProd", reduce_prod, 18},      {"ReduceL1", reduce_l1, 18},
    {"ReduceL2", reduce_l2, 18},          {"ReduceSumSquare", reduce_sum_square, 18},
    {"ReduceLogSum", reduce_log_sum, 18}, {"ReduceLogSumExp", reduce_log_sum_exp, 18},
};

}  // namespace

TSR_REGISTER {
  for (const ReduceRow& row : kReductions) {
    register_lowering(row.onnx, 1, [row](Lowerer& cx) -> Outs {
      const auto r = reduction(cx, row.axes_input_since);
      if (!r) return {cx.in(0)};
      return {row.fn(cx, cx.in(0), *r)};
    });
  }
}

}  // namespace tessera::onnx_frontend
