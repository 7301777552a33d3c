// ONNX quantisation (QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear) composed of
// elementwise ops, the integer and quantised products (MatMulInteger, ConvInteger,
// QLinearMatMul, QLinearConv) computed exactly in int32 and requantised, and the window functions
// (HannWindow, HammingWindow, BlackmanWindow) made as constants.
#include <cmath>
#include <numbers>

#include "core/factories.h"
#include "dispatch/registration.h"
#include "frontends/onnx/lower.h"
#include "frontends/onnx/tensor_proto.h"

namespace tessera::onnx_frontend {
namespace {

using ir::Value;
using Outs = std::vector<Value*>;

// A per-axis (1-d) scale or zero point shaped to broadcast along axis of x; a scalar as is.
Value* along_axis(Lowerer& cx, Value* v, Value* x) {
  const auto r = cx.rank(v);
  if (r && *r == 0) return v;
  const int64_t rank = cx.need_rank(x, "a per-axis scale broadcasts along the axis");
  if (rank == 0) cx.fail("a per-axis scale or zero point needs an input of rank 1 or more");
  const int64_t axis = cx.normalize_axis(cx.attr_int("axis", 1), rank);
  std::vector<int64_t> shape(static_cast<size_t>(rank - axis), 1);
  shape[0] = -1;
  return cx.op("reshape", {v, IValue(shape)});
}

// round half to even, then clamp to the range of d, then cast to d.
Value* saturate(Lowerer& cx, Value* y, DType d) {
  const double lo = d == DType::UInt8 ? 0 : -128, hi = d == DType::UInt8 ? 255 : 127;
  if (d != DType::UInt8 && d != DType::Int8)
    cx.fail("quantising to ", name(d), " is not supported");
  y = cx.op("clamp", {cx.op("round", {y}), IValue(lo), IValue(hi)});
  return cx.op("cast", {y, IValue(d)});
}

Outs dequantize(Lowerer& cx) {
  Value* x = cx.in(0);
  Value* scale = along_axis(cx, cx.in(1), x);
  const DType f = cx.dtype(cx.in(1)).value_or(DType::Float32);
  Value* y = cx.op("cast", {x, IValue(f)});
  if (Value* zp = cx.in_opt(2)) {
    y = cx.op("sub.Tensor", {y, cx.op("cast", {along_axis(cx, zp, x), IValue(f)})});
  }
  return {cx.op("mul.Tensor", {y, scale})};
}

Outs quantize(Lowerer& cx) {
  Value* x = cx.in(0);
  Value* scale = along_axis(cx, cx.in(1), x);
  Value* zp = cx.in_opt(2);
  const DType out = zp ? cx.dtype(zp).value_or(DType::UInt8) : DType::UInt8;
  const DType f = cx.dtype(x).value_or(DType::Float32);
  Value* y = cx.op("round", {cx.op("div.Tensor_mode", {x, scale})});
  if (zp) y = cx.op("add.Tensor", {y, cx.op("cast", {along_axis(cx, zp, x), IValue(f)})});
  return {saturate(cx, y, out)};
}

// scale = (max(x, 0) - min(x, 0)) / 255, zero point = round(-min / scale) saturated, and x
// quantised with them (uint8).
Outs dynamic_quantize(Lowerer& cx) {
  Value* x = cx.in(0);
  const DType f = cx.dtype(x).value_or(DType::Float32);
  Value* zero = cx.scalar(0, f);
  Value* lo = cx.op("minimum", {cx.op("amin", {x}), zero});
  Value* hi = cx.op("maximum", {cx.op("amax", {x}), zero});
  Value* scale = cx.op("div.Tensor_mode", {cx.op("sub.Tensor", {hi, lo}), cx.scalar(255, f)});
  Value* zp = saturate(cx, cx.op("div.Tensor_mode", {cx.op("neg", {lo}), scale}), DType::UInt8);
  Value* y = cx.op("add.Tensor", {cx.op("round", {cx.op("div.Tensor_mode", {x, scale})}),
                                  cx.op("cast", {zp, IValue(f)})});
  return {saturate(cx, y, DType::UInt8), scale, zp};
}

// x - zero_point as int32 (x when there is no zero point). A zero point with more than one
// element is reshaped to `shape` so it lines up with its axis of x.
Value* centred(Lowerer& cx, Value* x, Value* zp, std::vector<int64_t> shape) {
  Value* y = cx.op("cast", {x, IValue(DType::Int32)});
  if (zp != nullptr) {
    const auto zs = cx.static_shape(zp);
    if (!zs) cx.fail("the zero point's shape is not known");
    int64_t n = 1;
    for (int64_t d : *zs) n *= d;
    if (n > 1) zp = cx.op("reshape", {zp, IValue(shape)});
    y = cx.op("sub.Tensor", {y, cx.op("cast", {zp, IValue(DType::Int32)})});
  }
  return y;
}

// MatMulInteger's product: (A - a_zero_point) (B - b_zero_point) in int32; A's zero point is
// per row, B's per column.
Value* integer_matmul(Lowerer& cx, Value* a, Value* a_zp, Value* b, Value* b_zp) {
  return cx.op("matmul", {centred(cx, a, a_zp, {-1, 1}), centred(cx, b, b_zp, {-1})});
}

// ConvInteger's convolution in int32; w's zero point is per output channel.
Value* integer_conv(Lowerer& cx, Value* x, Value* x_zp, Value* w, Value* w_zp, Value* bias) {
  const int64_t r = cx.need_rank(w, "a per-channel zero point broadcasts along dim 0");
  if (r < 3) cx.fail("the weight must be [M, C/group, k...], not of rank ", r);
  std::vector<int64_t> per_channel(static_cast<size_t>(r), 1);
  per_channel[0] = -1;
  return lower_conv(cx, centred(cx, x, x_zp, {}), centred(cx, w, w_zp, per_channel), bias);
}

// An int32 accumulator requantised: acc * (a_scale * b_scale / y_scale), rounded half to
// even, plus y's zero point, saturated to its type. b's scale may be per channel (`axis` of
// the accumulator).
Value* requantize(Lowerer& cx, Value* acc, Value* a_scale, Value* b_scale, Value* y_scale,
                  Value* y_zp, int64_t axis) {
  const auto bs = cx.static_shape(b_scale);
  if (bs && bs->size() == 1 && (*bs)[0] > 1) {
    const int64_t r = cx.need_rank(acc, "a per-channel scale broadcasts along its axis");
    if (r == 0) cx.fail("a per-channel scale needs a product of rank 1 or more");
    std::vector<int64_t> shape(static_cast<size_t>(r - cx.normalize_axis(axis, r)), 1);
    shape[0] = -1;
    b_scale = cx.op("reshape", {b_scale, IValue(shape)});
  }
  Value* m = cx.op("div.Tensor_mode", {cx.op("mul.Tensor", {a_scale, b_scale}), y_scale});
  Value* y =
      cx.op("round", {cx.op("mul.Tensor", {cx.op("cast", {acc, IValue(DType::Float32)}), m})});
  const DType out = y_zp ? cx.dtype(y_zp).value_or(DType::UInt8) : DType::UInt8;
  if (y_zp) y = cx.op("add.Tensor", {y, cx.op("cast", {y_zp, IValue(DType::Float32)})});
  return saturate(cx, y, out);
}

// A cosine-sum window of `size` points: sum_k a_k cos(2 pi k n / N) with alternating signs,
// N = size when periodic, size - 1 otherwise.
Outs window(Lowerer& cx, std::vector<double> a) {
  const auto size =
      static_cast<int64_t>(cx.need_constant(0, "size").reshape({}).item().to<double>());
  if (size < 0 || size > (int64_t{1} << 24)) cx.fail("size ", size, " is out of range");
  const auto d = dtype_of(static_cast<int32_t>(cx.attr_int("output_datatype", 1)));
  if (!d) cx.fail("the output datatype is not supported");
  const bool periodic = cx.attr_int("periodic", 1) != 0;
  const double n_total = static_cast<double>(periodic ? size : size - 1);
  Tensor w = empty({size}, DType::Float64);
  auto* p = static_cast<double*>(w.data_ptr());
  for (int64_t n = 0; n < size; ++n) {
    double v = 0;
    for (size_t k = 0; k < a.size(); ++k) {
      v += (k % 2 ? -1 : 1) * a[k] *
           std::cos(2 * std::numbers::pi * static_cast<double>(k) * static_cast<double>(n) /
                    n_total);
    }
    p[n] = v;
  }
  return {cx.constant(w.to(*d))};
}

}  // namespace

TSR_REGISTER {
  register_lowering("MatMulInteger", 10, [](Lowerer& cx) -> Outs {
    return {integer_matmul(cx, cx.in(0), cx.in_opt(2), cx.in(1), cx.in_opt(3))};
  });
  register_lowering("ConvInteger", 10, [](Lowerer& cx) -> Outs {
    return {integer_conv(cx, cx.in(0), cx.in_opt(2), cx.in(1), cx.in_opt(3), nullptr)};
  });
  register_lowering("QLinearMatMul", 10, [](Lowerer& cx) -> Outs {
    Value* acc = integer_matmul(cx, cx.in(0), cx.in(2), cx.in(3), cx.in(5));
    return {requantize(cx, acc, cx.in(1), cx.in(4), cx.in(6), cx.in(7), -1)};
  });
  register_lowering("QLinearConv", 10, [](Lowerer& cx) -> Outs {
    Value* acc = integer_conv(cx, cx.in(0), cx.in(2), cx.in(3), cx.in(5), cx.in_opt(8));
    return {requantize(cx, acc, cx.in(1), cx.in(4), cx.in(6), cx.in(7), 1)};
  });
  register_lowering("DequantizeLinear", 10, dequantize);
  register_lowering("QuantizeLinear", 10, quantize);
  register_lowering("DynamicQuantizeLinear", 11, dynamic_quantize);
  register_lowering("HannWindow", 17, [](Lowerer& cx) { return window(cx, {0.5, 0.5}); });
  register_lowering("HammingWindow", 17, [](Lowerer& cx) {
    return window(cx, {25.0 / 46.0, 21.0 / 46.0});
  });
  register_lowering("BlackmanWindow", 17, [](Lowerer& cx) {
    return window(cx, {0.42, 0.5, 0.08});
  });
}

}  // namespace tessera::onnx_frontend
