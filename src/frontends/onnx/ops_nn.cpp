// ONNX neural-network ops: convolutions, pooling, normalisations, Gemm/MatMul, softmax.
#include "core/factories.h"
#include "dispatch/registration.h"
#include "frontends/onnx/lower.h"

namespace tessera::onnx_frontend {
namespace {

using ir::Value;
using Outs = std::vector<Value*>;

// A sliding window's geometry from the attributes every conv and pool op shares.
struct Window {
  std::vector<int64_t> kernel, strides, dilations, begin, end;
  bool symmetric() const { return begin == end; }
};

Window window(Lowerer& cx, Value* x, std::vector<int64_t> kernel, bool transposed = false) {
  const size_t n = kernel.size();
  Window w;
  w.kernel = std::move(kernel);
  w.strides = cx.attr_ints("strides", std::vector<int64_t>(n, 1));
  w.dilations = cx.attr_ints("dilations", std::vector<int64_t>(n, 1));
  std::vector<int64_t> pads = cx.attr_ints("pads", std::vector<int64_t>(2 * n, 0));
  if (w.strides.size() != n || w.dilations.size() != n || pads.size() != 2 * n) {
    cx.fail("strides, dilations and pads must have ", n, ", ", n, " and ", 2 * n, " values");
  }
  for (size_t i = 0; i < n; ++i) {
    if (w.strides[i] < 1 || w.dilations[i] < 1 || w.kernel[i] < 1) {
      cx.fail("kernel sizes, strides and dilations must be positive");
    }
  }
  const std::string auto_pad = cx.attr_string("auto_pad", "NOTSET");
  if ((auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") && !transposed) {
    const auto shape = cx.static_shape(x);
    if (!shape || shape->size() != n + 2) {
      cx.fail("auto_pad ", auto_pad, " needs the input's spatial sizes, which are not known");
    }
    for (size_t i = 0; i < n; ++i) {
      const int64_t in = (*shape)[i + 2], s = w.strides[i];
      const int64_t out = (in + s - 1) / s;
      const int64_t span = (w.kernel[i] - 1) * w.dilations[i] + 1;
      const int64_t total = std::max<int64_t>(0, (out - 1) * s + span - in);
      const int64_t small = total / 2;
      pads[i] = auto_pad == "SAME_UPPER" ? small : total - small;
      pads[i + n] = total - pads[i];
    }
  } else if (auto_pad == "VALID") {
    std::fill(pads.begin(), pads.end(), 0);
  } else if (auto_pad != "NOTSET" && !transposed) {
    cx.fail("unknown auto_pad '", auto_pad, "'");
  }
  w.begin.assign(pads.begin(), pads.begin() + static_cast<std::ptrdiff_t>(n));
  w.end.assign(pads.begin() + static_cast<std::ptrdiff_t>(n), pads.end());
  return w;
}

// x padded explicitly (PyTorch's pad order: last dim first) with value.
Value* pad_spatial(Lowerer& cx, Value* x, const Window& w, double value) {
  std::vector<int64_t> torch_pads;
  for (size_t i = w.begin.size(); i-- > 0;) {
    torch_pads.push_back(w.begin[i]);
    torch_pads.push_back(w.end[i]);
  }
  return cx.op("pad", {x, IValue(torch_pads), IValue("constant"), IValue(value)});
}

std::vector<int64_t> kernel_of(Lowerer& cx, Value* weight) {
  std::vector<int64_t> k = cx.attr_ints("kernel_shape", {});
  if (!k.empty()) return k;
  const auto shape = cx.static_shape(weight);
  if (!shape || shape->size() < 3)
    cx.fail("kernel_shape is missing and the weight's shape unknown");
  return {shape->begin() + 2, shape->end()};
}

ir::Input optional_in(Lowerer& cx, int i) {
  Value* v = cx.in_opt(i);
  return v ? ir::Input(v) : ir::Input(IValue());
}

Outs conv(Lowerer& cx) {
  return {lower_conv(cx, cx.in(0), cx.in(1), cx.in_opt(2))};
}

// Python's floor division (the ONNX spec's formulas are written in it).
int64_t floor_div(int64_t a, int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
}

Outs conv_transpose(Lowerer& cx) {
  Value* x = cx.in(0);
  Window w = window(cx, x, kernel_of(cx, cx.in(1)), /*transposed=*/true);
  const size_t n = w.kernel.size();
  std::vector<int64_t> out_pad = cx.attr_ints("output_padding", std::vector<int64_t>(n, 0));
  if (out_pad.size() != n) cx.fail("output_padding must have ", n, " values");
  std::vector<int64_t> out_shape = cx.attr_ints("output_shape", {});
  const std::string auto_pad = cx.attr_string("auto_pad", "NOTSET");
  if (auto_pad != "NOTSET" && auto_pad != "SAME_UPPER" && auto_pad != "SAME_LOWER" &&
      auto_pad != "VALID") {
    cx.fail("unknown auto_pad '", auto_pad, "'");
  }
  const auto shape = cx.static_shape(x);
  if (out_shape.empty() && (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER")) {
    // SAME: the output is the input's size times the stride.
    if (!shape || shape->size() != n + 2)
      cx.fail("auto_pad ", auto_pad, " needs the input's sizes");
    for (size_t i = 0; i < n; ++i) out_shape.push_back((*shape)[i + 2] * w.strides[i]);
  }
  if (auto_pad == "VALID" && out_shape.empty()) {
    std::fill(w.begin.begin(), w.begin.end(), 0);
    std::fill(w.end.begin(), w.end.end(), 0);
  }
  if (!out_shape.empty()) {
    // Pads that give the requested output size (the spec's formula); negative ones, when the
    // output is larger than the convolution makes, extend it.
    if (!shape || shape->size() != n + 2) cx.fail("output_shape needs the input's sizes");
    if (out_shape.size() != n && out_shape.size() != n + 2) {
      cx.fail("output_shape must have ", n, " values");
    }
    const size_t off = out_shape.size() == n + 2 ? 2 : 0;
    for (size_t i = 0; i < n; ++i) {
      const int64_t in = (*shape)[i + 2];
      const int64_t full =
          w.strides[i] * (in - 1) + out_pad[i] + ((w.kernel[i] - 1) * w.dilations[i] + 1);
      const int64_t total = full - out_shape[i + off];
      w.begin[i] = auto_pad == "SAME_UPPER" ? floor_div(total, 2) : total - floor_div(total, 2);
      w.end[i] = total - w.begin[i];
    }
  }
  const bool extends =
      std::any_of(w.begin.begin(), w.begin.end(), [](int64_t p) { return p < 0; }) ||
      std::any_of(w.end.begin(), w.end.end(), [](int64_t p) { return p < 0; });
  const bool symmetric = w.symmetric() && !extends;
  const std::vector<int64_t> zeros(n, 0);
  // An extended output holds only the bias there, so the bias is added after extending.
  Value* bias = cx.in_opt(2);
  Value* y = cx.op("convolution",
                   {x, cx.in(1), extends || bias == nullptr ? ir::Input(IValue()) : ir::Input(bias),
                    IValue(w.strides), IValue(symmetric ? w.begin : zeros), IValue(w.dilations),
                    IValue(true), IValue(out_pad), IValue(cx.attr_int("group", 1))});
  if (symmetric) return {y};
  // Positive pads crop the full output (begin from the start, end from the end); negative
  // ones extend it with zeros.
  std::vector<int64_t> extend;
  for (size_t i = n; i-- > 0;) {
    extend.push_back(std::max<int64_t>(0, -w.begin[i]));
    extend.push_back(std::max<int64_t>(0, -w.end[i]));
  }
  for (size_t i = 0; i < n; ++i) {
    const int64_t b = std::max<int64_t>(0, w.begin[i]), e = std::max<int64_t>(0, w.end[i]);
    if (b == 0 && e == 0) continue;
    y = cx.op("slice.Tensor", {y, IValue(static_cast<int64_t>(i + 2)), IValue(b),
                               IValue(e == 0 ? std::numeric_limits<int64_t>::max() : -e)});
  }
  if (!extends) return {y};
  y = cx.op("pad", {y, IValue(extend), IValue("constant"), IValue(0.0)});
  if (bias == nullptr) return {y};
  std::vector<int64_t> bias_shape(n + 1, 1);
  bias_shape[0] = -1;
  return {cx.op("add.Tensor", {y, cx.op("reshape", {bias, IValue(bias_shape)})})};
}

Outs max_pool(Lowerer& cx) {
  Value* x = cx.in(0);
  const std::vector<int64_t> kernel = cx.attr_ints("kernel_shape", {});
  if (kernel.empty()) cx.fail("kernel_shape is required");
  const Window w = window(cx, x, kernel);
  const bool ceil = cx.attr_int("ceil_mode", 0) != 0;
  bool explicit_pad = !w.symmetric();
  for (size_t i = 0; i < kernel.size(); ++i) {
    explicit_pad = explicit_pad || w.begin[i] > ((kernel[i] - 1) * w.dilations[i] + 1) / 2;
  }
  const std::vector<int64_t> zeros(kernel.size(), 0);
  Value* input = explicit_pad ? pad_spatial(cx, x, w, -INFINITY) : x;
  const Outs out =
      cx.op_n("max_pool", 2,
              {input, IValue(kernel), IValue(w.strides), IValue(explicit_pad ? zeros : w.begin),
               IValue(w.dilations), IValue(ceil)});
  if (cx.num_outputs() < 2 || cx.node().output(1).empty()) return {out[0]};
  // Indices: PyTorch's count within each (n, c) plane; ONNX's within the whole tensor (row-
  // major with storage_order 0), so each plane adds its offset.
  if (explicit_pad) cx.fail("Indices with pads that are asymmetric or over half the kernel");
  const auto shape = cx.static_shape(x);
  if (!shape) cx.fail("Indices need the input's static shape");
  Value* index = out[1];
  if (cx.attr_int("storage_order", 0) != 0) {
    // Column-major: h * W + w becomes w * H + h.
    if (shape->size() != 4) cx.fail("Indices with storage_order=1 need a 2-d pool");
    const int64_t h = (*shape)[2], wd = (*shape)[3];
    Value* row = cx.op("div.Tensor_mode", {index, cx.scalar(static_cast<double>(wd), DType::Int64)},
                       {{"rounding_mode", IValue("floor")}});
    Value* col =
        cx.op("remainder.Tensor", {index, cx.scalar(static_cast<double>(wd), DType::Int64)});
    index =
        cx.op("add.Tensor",
              {cx.op("mul.Tensor", {col, cx.scalar(static_cast<double>(h), DType::Int64)}), row});
  }
  int64_t plane = 1;
  for (size_t i = 2; i < shape->size(); ++i) plane *= (*shape)[i];
  std::vector<int64_t> offset_shape{(*shape)[0], (*shape)[1]};
  offset_shape.resize(shape->size(), 1);
  const Tensor offsets = arange(0, (*shape)[0] * (*shape)[1] * plane, plane, DType::Int64);
  return {out[0], cx.op("add.Tensor", {index, cx.constant(offsets.reshape(offset_shape))})};
}

Outs average_pool(Lowerer& cx) {
  Value* x = cx.in(0);
  const std::vector<int64_t> kernel = cx.attr_ints("kernel_shape", {});
  if (kernel.empty()) cx.fail("kernel_shape is required");
  const Window w = window(cx, x, kernel);
  const bool ceil = cx.attr_int("ceil_mode", 0) != 0;
  const bool include_pad = cx.attr_int("count_include_pad", 0) != 0;
  bool explicit_pad = !w.symmetric();
  for (size_t i = 0; i < kernel.size(); ++i)
    explicit_pad = explicit_pad || w.begin[i] > kernel[i] / 2;
  const std::vector<int64_t> zeros(kernel.size(), 0);
  auto pool = [&](Value* v, bool pad) {
    return cx.op("avg_pool",
                 {explicit_pad ? pad_spatial(cx, v, w, 0.0) : v, IValue(kernel), IValue(w.strides),
                  IValue(explicit_pad ? zeros : w.begin), IValue(ceil), IValue(pad)});
  };
  if (!explicit_pad || include_pad) return {pool(x, include_pad)};
  // Explicit pads not counted: the pooled sums over the pooled count of real elements,
  // the same pooling of a ones plane padded with zeros (constant).
  const auto shape = cx.static_shape(x);
  if (!shape) cx.fail("pads that are asymmetric or over half the kernel need the input's shape");
  if (shape->size() != kernel.size() + 2) {
    cx.fail("a ", kernel.size(), "-d pool needs a ", kernel.size() + 2, "-d input [N, C, *]");
  }
  std::vector<int64_t> plane(shape->begin(), shape->end());
  plane[0] = plane[1] = 1;
  const DType d = cx.dtype(x).value_or(DType::Float32);
  return {cx.op("div.Tensor_mode", {pool(x, true), pool(cx.constant(ones(plane, d)), true)})};
}

// Each value scattered to its index (MaxPool's: over the whole output, row-major) in zeros
// of the default output shape, (in - 1) * stride + kernel - pads; a larger output_shape
// pads that at the end of each spatial dim (the indices keep their positions).
Outs max_unpool(Lowerer& cx) {
  Value* x = cx.in(0);
  const auto xs = cx.static_shape(x);
  const std::vector<int64_t> kernel = cx.attr_ints("kernel_shape", {});
  if (kernel.empty()) cx.fail("kernel_shape is required");
  if (!xs || xs->size() != kernel.size() + 2) {
    cx.fail("the input's static shape [N, C, *] is needed");
  }
  const Window w = window(cx, x, kernel);
  std::vector<int64_t> out{(*xs)[0], (*xs)[1]};
  for (size_t i = 0; i < kernel.size(); ++i) {
    out.push_back(((*xs)[i + 2] - 1) * w.strides[i] + kernel[i] - w.begin[i] - w.end[i]);
  }
  int64_t total = 1;
  for (int64_t d : out) {
    if (d < 0) cx.fail("a negative output dim");
    total *= d;
  }
  if (total > (int64_t{1} << 28)) cx.fail("the output holds too many elements");
  const DType d = cx.dtype(x).value_or(DType::Float32);
  const std::vector<int64_t> flat{-1};
  Value* y = cx.op("scatter.src", {cx.constant(zeros({total}, d)), IValue(int64_t{0}),
                                   cx.op("reshape", {cx.in(1), IValue(flat)}),
                                   cx.op("reshape", {x, IValue(flat)})});
  y = cx.op("reshape", {y, IValue(out)});
  if (!cx.in_opt(2)) return {y};
  const std::vector<int64_t> want = cx.need_ints(2, "output_shape");
  if (want.size() != out.size() || want[0] != out[0] || want[1] != out[1]) {
    cx.fail("output_shape must keep N and C and have one value per dim");
  }
  std::vector<int64_t> pads;  // PyTorch's order: last dim first
  for (size_t i = out.size(); i-- > 2;) {
    if (want[i] < out[i]) cx.fail("output_shape is smaller than the unpooled size");
    pads.push_back(0);
    pads.push_back(want[i] - out[i]);
  }
  return {cx.op("pad", {y, IValue(pads), IValue("constant"), IValue(0.0)})};
}

Outs global_pool(Lowerer& cx, const char* op) {
  Value* x = cx.in(0);
  const int64_t r = cx.need_rank(x, "global pooling reduces every spatial dim");
  std::vector<int64_t> dims;
  for (int64_t d = 2; d < r; ++d) dims.push_back(d);
  return {cx.op(op, {x, IValue(dims), IValue(true)})};
}

// Training mode (opset 14 on): normalised by the batch's own statistics over every dim but
// the channels' (variance without correction), and running statistics updated:
// running = input * momentum + current * (1 - momentum).
Outs batch_norm_training(Lowerer& cx) {
  Value* x = cx.in(0);
  const int64_t r = cx.need_rank(x, "training BatchNormalization reduces every dim but dim 1");
  std::vector<int64_t> dims{0};
  for (int64_t d = 2; d < r; ++d) dims.push_back(d);
  const double eps = cx.attr_float("epsilon", 1e-5f), momentum = cx.attr_float("momentum", 0.9f);
  const DType d = cx.dtype(x).value_or(DType::Float32);
  Value* mean = cx.op("mean", {x, IValue(dims), IValue(false)});
  Value* var = cx.op("var.correction", {x, IValue(dims)},
                     {{"correction", IValue(int64_t{0})}, {"keepdim", IValue(false)}});
  Value* y = cx.op("batch_norm", {x, cx.in(1), cx.in(2), mean, var, IValue(false), IValue(momentum),
                                  IValue(eps)});
  auto running = [&](Value* input, Value* current) {
    return cx.op("add.Tensor", {cx.op("mul.Tensor", {input, cx.scalar(momentum, d)}),
                                cx.op("mul.Tensor", {current, cx.scalar(1 - momentum, d)})});
  };
  return {y, running(cx.in(3), mean), running(cx.in(4), var)};
}

Outs batch_norm(Lowerer& cx) {
  if (cx.attr_int("training_mode", 0) != 0) return batch_norm_training(cx);
  for (int i = 1; i < cx.num_outputs(); ++i) {
    if (!cx.node().output(i).empty()) cx.fail("the training outputs are not supported");
  }
  return {cx.op("batch_norm", {cx.in(0), cx.in(1), cx.in(2), cx.in(3), cx.in(4), IValue(false),
                               IValue(double{cx.attr_float("momentum", 0.9f)}),
                               IValue(double{cx.attr_float("epsilon", 1e-5f)})})};
}

Outs instance_norm(Lowerer& cx) {
  return {cx.op("instance_norm",
                {cx.in(0), cx.in(1), cx.in(2), IValue(double{cx.attr_float("epsilon", 1e-5f)})})};
}

Outs layer_norm(Lowerer& cx) {
  Value* x = cx.in(0);
  const int64_t r = cx.need_rank(x, "LayerNormalization normalises the dims from axis on");
  const int64_t axis = cx.normalize_axis(cx.attr_int("axis", -1), r);
  std::vector<int64_t> normalized;
  const auto xs = cx.static_shape(x);
  const auto ws = cx.static_shape(cx.in(1));
  if (xs) {
    normalized.assign(xs->begin() + axis, xs->end());
  } else if (ws && static_cast<int64_t>(ws->size()) == r - axis) {
    normalized = *ws;
  } else {
    cx.fail("the normalised dims are not known");
  }
  const double eps = cx.attr_float("epsilon", 1e-5f);
  Outs out{cx.op("layer_norm", {x, IValue(normalized), cx.in(1), optional_in(cx, 2), IValue(eps)})};
  if (cx.num_outputs() > 1) {
    // Mean and InvStdDev over the normalised dims, kept as size-1 dims.
    std::vector<int64_t> dims;
    for (int64_t d = axis; d < r; ++d) dims.push_back(d);
    Value* m = cx.op("mean", {x, IValue(dims), IValue(true)});
    Value* var = cx.op("var.correction", {x, IValue(dims)},
                       {{"correction", IValue(int64_t{0})}, {"keepdim", IValue(true)}});
    const DType d = cx.dtype(x).value_or(DType::Float32);
    Value* inv = cx.op("rsqrt", {cx.op("add.Tensor", {var, cx.scalar(eps, d)})});
    out.push_back(m);
    out.push_back(inv);
  }
  return out;
}

// Softmax and LogSoftmax. Before opset 13 the input is viewed as 2-d, [prod(dims before
// axis), prod(dims from axis)], and normalised along the second dim.
Outs softmax(Lowerer& cx, const char* op, bool coerce_2d) {
  Value* x = cx.in(0);
  const int64_t axis = cx.attr_int("axis", coerce_2d ? 1 : -1);
  if (!coerce_2d) return {cx.op(op, {x, IValue(axis)})};
  const int64_t r = cx.need_rank(x, "opsets before 13 normalise over the dims from axis on");
  const int64_t a = cx.normalize_axis(axis, r);
  if (a == r - 1) return {cx.op(op, {x, IValue(a)})};
  const auto shape = cx.static_shape(x);
  if (!shape) cx.fail("axis ", axis, " before the last dim needs the input's static shape");
  Value* flat = cx.op("flatten.using_ints", {x, IValue(a), IValue(int64_t{-1})});
  Value* y = cx.op(op, {flat, IValue(int64_t{-1})});
  return {cx.op("reshape", {y, IValue(*shape)})};
}

Outs gemm(Lowerer& cx) {
  Value* a = cx.in(0);
  Value* b = cx.in(1);
  Value* c = cx.in_opt(2);
  const double alpha = cx.attr_float("alpha", 1.0f), beta = cx.attr_float("beta", 1.0f);
  const bool ta = cx.attr_int("transA", 0) != 0, tb = cx.attr_int("transB", 0) != 0;
  const auto c_rank = c ? cx.rank(c) : std::nullopt;
  if (!ta && tb && alpha == 1.0 && (c == nullptr || (beta == 1.0 && c_rank == 1))) {
    return {cx.op("linear", {a, b, c ? ir::Input(c) : ir::Input(IValue())})};
  }
  if (ta) a = cx.op("transpose.int", {a, IValue(int64_t{0}), IValue(int64_t{1})});
  if (tb) b = cx.op("transpose.int", {b, IValue(int64_t{0}), IValue(int64_t{1})});
  if (c != nullptr && beta != 0.0) {
    return {cx.op("addmm", {c, a, b}, {{"beta", IValue(beta)}, {"alpha", IValue(alpha)}})};
  }
  Value* y = cx.op("matmul", {a, b});
  if (alpha != 1.0)
    y = cx.op("mul.Tensor", {y, cx.scalar(alpha, cx.dtype(y).value_or(DType::Float32))});
  return {y};
}

Outs dropout(Lowerer& cx) {
  if (cx.opset() >= 12 && cx.in_opt(2) != nullptr &&
      cx.need_constant(2, "training_mode").reshape({}).item().to<bool>()) {
    // Training drops elements at random; with ratio 0 it keeps them all, as inference does.
    const double ratio =
        cx.in_opt(1) ? cx.need_constant(1, "ratio").reshape({}).item().to<double>() : 0.5;
    if (ratio != 0)
      cx.fail("training_mode with a ratio above 0 (random dropping) is not supported");
  }
  Value* x = cx.in(0);
  if (cx.num_outputs() < 2 || cx.node().output(1).empty()) return {x};  // the identity
  // The mask keeps every element in inference: all true, x's shape.
  Value* nan = cx.op("isnan", {x});
  return {x, cx.op("logical_or", {nan, cx.op("logical_not", {nan})})};
}

Outs einsum(Lowerer& cx) {
  std::vector<Value*> operands;
  for (int i = 0; i < cx.num_inputs(); ++i) operands.push_back(cx.in(i));
  return {cx.op("einsum", {IValue(cx.attr_string("equation", "")), operands})};
}

}  // namespace

Value* lower_conv(Lowerer& cx, Value* x, Value* weight, Value* bias) {
  const Window w = window(cx, x, kernel_of(cx, weight));
  const std::vector<int64_t> zeros(w.kernel.size(), 0);
  Value* input = w.symmetric() ? x : pad_spatial(cx, x, w, 0.0);
  return cx.op("convolution",
               {input, weight, bias ? ir::Input(bias) : ir::Input(IValue()), IValue(w.strides),
                IValue(w.symmetric() ? w.begin : zeros), IValue(w.dilations), IValue(false),
                IValue(zeros), IValue(cx.attr_int("group", 1))});
}

TSR_REGISTER {
  register_lowering("Conv", 1, conv);
  register_lowering("ConvTranspose", 1, conv_transpose);
  register_lowering("MaxPool", 1, max_pool);
  register_lowering("AveragePool", 1, average_pool);
  register_lowering("MaxUnpool", 9, max_unpool);
  register_lowering("GlobalAveragePool", 1, [](Lowerer& cx) { return global_pool(cx, "mean"); });
  register_lowering("GlobalMaxPool", 1, [](Lowerer& cx) { return global_pool(cx, "amax"); });
  register_lowering("BatchNormalization", 7, batch_norm);
  register_lowering("InstanceNormalization", 6, instance_norm);
  register_lowering("LayerNormalization", 17, layer_norm);
  register_lowering("Softmax", 1, [](Lowerer& cx) { return softmax(cx, "softmax.int", true); });
  register_lowering("Softmax", 13, [](Lowerer& cx) { return softmax(cx, "softmax.int", false); });
  register_lowering("LogSoftmax", 1,
                    [](Lowerer& cx) { return softmax(cx, "log_softmax.int", true); });
  register_lowering("LogSoftmax", 13,
                    [](Lowerer& cx) { return softmax(cx, "log_softmax.int", false); });
  register_lowering("Gemm", 1, gemm);
  register_lowering("MatMul", 1, [](Lowerer& cx) -> Outs {
    return {cx.op("matmul", {cx.in(0), cx.in(1)})};
  });
  register_lowering("Dropout", 1, dropout);
  register_lowering("Einsum", 12, einsum);
}

}  // namespace tessera::onnx_frontend
