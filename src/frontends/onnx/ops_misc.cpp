// ONNX ops composed of a few tessera ops: Hardmax, OneHot, DepthToSpace, SpaceToDepth,
// Compress, EyeLike, LRN, MeanVarianceNormalization, Scatter, Resize and Upsample.
#include "core/factories.h"
#include "dispatch/registration.h"
#include "frontends/onnx/lower.h"
#include "frontends/onnx/tensor_proto.h"

namespace tessera::onnx_frontend {
namespace {

using ir::Value;
using Outs = std::vector<Value*>;

// 1 at the first maximum along axis, 0 elsewhere.
Outs hardmax(Lowerer& cx) {
  Value* x = cx.in(0);
  const auto s = cx.static_shape(x);
  if (!s) cx.fail("the input's static shape is needed");
  const auto r = static_cast<int64_t>(s->size());
  const int64_t axis = cx.normalize_axis(cx.attr_int("axis", cx.opset() < 13 ? 1 : -1), r);
  if (cx.opset() < 13 && axis != r - 1) {
    cx.fail("opsets before 13 flatten the dims from axis on; only the last axis is supported");
  }
  Value* idx = cx.op("argmax", {x, IValue(axis), IValue(true)});
  std::vector<int64_t> at(static_cast<size_t>(r - axis), 1);
  at[0] = (*s)[static_cast<size_t>(axis)];
  Value* positions = cx.constant(arange(at[0], DType::Int64).reshape(at));
  return {cx.op("cast", {cx.op("eq.Tensor", {positions, idx}), IValue(cx.dtype(x).value())})};
}

Outs one_hot(Lowerer& cx) {
  Value* indices = cx.in(0);
  const auto depth =
      static_cast<int64_t>(cx.need_constant(1, "depth").reshape({}).item().to<double>());
  if (depth < 1) cx.fail("depth must be positive, got ", depth);
  const int64_t r = cx.need_rank(indices, "OneHot places the new axis");
  const int64_t axis = cx.normalize_axis(cx.attr_int("axis", -1), r + 1);
  Value* i = cx.op("cast", {indices, IValue(DType::Int64)});
  // Negative indices count from depth; indices out of [-depth, depth) give all `off`.
  Value* wrapped =
      cx.op("where.self", {cx.op("lt.Tensor", {i, cx.scalar(0, DType::Int64)}),
                           cx.op("add.Tensor", {i, cx.scalar(depth, DType::Int64)}), i});
  Value* valid =
      cx.op("logical_and", {cx.op("ge.Tensor", {wrapped, cx.scalar(0, DType::Int64)}),
                            cx.op("lt.Tensor", {wrapped, cx.scalar(depth, DType::Int64)})});
  Value* safe = cx.op("where.self", {valid, wrapped, cx.scalar(0, DType::Int64)});
  Value* hot = cx.op("logical_and",
                     {cx.op("cast", {cx.op("one_hot", {safe, IValue(depth)}), IValue(DType::Bool)}),
                      cx.op("unsqueeze", {valid, IValue(int64_t{-1})})});
  if (axis != r) {
    std::vector<int64_t> perm;
    for (int64_t d = 0; d < r; ++d) perm.push_back(d);
    perm.insert(perm.begin() + axis, r);
    hot = cx.op("permute", {hot, IValue(perm)});
  }
  Value* values = cx.in(2);
  Value* off =
      cx.op("index_select", {values, IValue(int64_t{0}), cx.constant(full({1}, 0, DType::Int64))});
  Value* on =
      cx.op("index_select", {values, IValue(int64_t{0}), cx.constant(full({1}, 1, DType::Int64))});
  return {cx.op("where.self", {hot, on, off})};
}

// [N, C, H, W] <-> [N, C / b^2, H * b, W * b], through a 6-d view and a permutation.
Outs depth_to_space(Lowerer& cx) {
  Value* x = cx.in(0);
  const auto s = cx.static_shape(x);
  if (!s || s->size() != 4) cx.fail("a 4-d input of static shape is needed");
  const int64_t b = cx.attr_int("blocksize", 0), n = (*s)[0], c = (*s)[1], h = (*s)[2], w = (*s)[3];
  if (b < 1 || c % (b * b) != 0) cx.fail("blocksize ", b, " does not divide ", c, " channels");
  const bool crd = cx.attr_string("mode", "DCR") == "CRD";
  const std::vector<int64_t> split = crd ? std::vector<int64_t>{n, c / (b * b), b, b, h, w}
                                         : std::vector<int64_t>{n, b, b, c / (b * b), h, w};
  const std::vector<int64_t> perm =
      crd ? std::vector<int64_t>{0, 1, 4, 2, 5, 3} : std::vector<int64_t>{0, 3, 4, 1, 5, 2};
  Value* y = cx.op("permute", {cx.op("reshape", {x, IValue(split)}), IValue(perm)});
  return {cx.op("reshape", {y, IValue(std::vector<int64_t>{n, c / (b * b), h * b, w * b})})};
}

Outs space_to_depth(Lowerer& cx) {
  Value* x = cx.in(0);
  const auto s = cx.static_shape(x);
  if (!s || s->size() != 4) cx.fail("a 4-d input of static shape is needed");
  const int64_t b = cx.attr_int("blocksize", 0), n = (*s)[0], c = (*s)[1], h = (*s)[2], w = (*s)[3];
  if (b < 1 || h % b != 0 || w % b != 0) cx.fail("blocksize ", b, " does not divide H and W");
  Value* y = cx.op("reshape", {x, IValue(std::vector<int64_t>{n, c, h / b, b, w / b, b})});
  y = cx.op("permute", {y, IValue(std::vector<int64_t>{0, 3, 5, 1, 2, 4})});
  return {cx.op("reshape", {y, IValue(std::vector<int64_t>{n, c * b * b, h / b, w / b})})};
}

Outs compress(Lowerer& cx) {
  Value* x = cx.in(0);
  Value* picked =
      cx.op("reshape", {cx.op("nonzero", {cx.in(1)}), IValue(std::vector<int64_t>{-1})});
  if (!cx.has_attr("axis")) {
    x = cx.op("reshape", {x, IValue(std::vector<int64_t>{-1})});
    return {cx.op("index_select", {x, IValue(int64_t{0}), picked})};
  }
  return {cx.op("index_select", {x, IValue(cx.attr_int("axis", 0)), picked})};
}

Outs eye_like(Lowerer& cx) {
  Value* x = cx.in(0);
  const auto s = cx.static_shape(x);
  if (!s || s->size() != 2) cx.fail("a 2-d input of static shape is needed");
  std::optional<DType> d = cx.dtype(x);
  if (cx.has_attr("dtype")) d = dtype_of(static_cast<int32_t>(cx.attr_int("dtype", 1)));
  if (!d) cx.fail("the output dtype is not supported");
  const int64_t k = cx.attr_int("k", 0);
  Tensor t = zeros(*s, DType::Float64);
  auto* p = static_cast<double*>(t.data_ptr());
  for (int64_t i = 0; i < (*s)[0]; ++i) {
    const int64_t j = i + k;
    if (j >= 0 && j < (*s)[1]) p[i * (*s)[1] + j] = 1;
  }
  return {cx.constant(t.to(*d))};
}

// x / (bias + alpha / size * sum of squares over `size` neighbouring channels)^beta
Outs lrn(Lowerer& cx) {
  Value* x = cx.in(0);
  const int64_t r = cx.need_rank(x, "LRN windows the channel dim");
  if (r != 4) cx.fail("only 4-d inputs are supported");
  const int64_t size = cx.attr_int("size", 0);
  if (size < 1) cx.fail("size must be positive");
  const double alpha = cx.attr_float("alpha", 1e-4f), beta = cx.attr_float("beta", 0.75f),
               bias = cx.attr_float("bias", 1.0f);
  const DType d = cx.dtype(x).value_or(DType::Float32);
  Value* sq = cx.op("unsqueeze", {cx.op("mul.Tensor", {x, x}), IValue(int64_t{1})});
  const int64_t before = (size - 1) / 2, after = size - 1 - before;
  sq = cx.op("pad", {sq, IValue(std::vector<int64_t>{0, 0, 0, 0, before, after})});
  Value* mean = cx.op("avg_pool", {sq, IValue(std::vector<int64_t>{size, 1, 1}),
                                   IValue(std::vector<int64_t>{1, 1, 1})});
  mean = cx.op("squeeze.dim", {mean, IValue(int64_t{1})});
  Value* base =
      cx.op("add.Tensor", {cx.op("mul.Tensor", {mean, cx.scalar(alpha, d)}), cx.scalar(bias, d)});
  Value* denom = cx.op("pow.Tensor_Tensor", {base, cx.scalar(beta, d)});
  return {cx.op("div.Tensor_mode", {x, denom})};
}

// (x - mean) / sqrt(var + 1e-9) over axes (default [0, 2, 3]).
Outs mean_variance_normalization(Lowerer& cx) {
  Value* x = cx.in(0);
  const std::vector<int64_t> axes = cx.attr_ints("axes", {0, 2, 3});
  const DType d = cx.dtype(x).value_or(DType::Float32);
  Value* m = cx.op("mean", {x, IValue(axes), IValue(true)});
  Value* var = cx.op("var.correction", {x, IValue(axes)},
                     {{"correction", IValue(int64_t{0})}, {"keepdim", IValue(true)}});
  Value* sd = cx.op("sqrt", {cx.op("add.Tensor", {var, cx.scalar(1e-9, d)})});
  return {cx.op("div.Tensor_mode", {cx.op("sub.Tensor", {x, m}), sd})};
}

// Resize and Upsample through interpolate: the modes and coordinate transforms PyTorch's
// interpolate shares with ONNX.
Value* resize(Lowerer& cx, Value* x, std::optional<std::vector<double>> scales,
              std::optional<std::vector<int64_t>> sizes, std::string mode, std::string coord,
              const std::string& nearest_mode) {
  const int64_t r = cx.need_rank(x, "Resize scales each dim");
  if (r < 3 || r > 5) cx.fail("only 3-d to 5-d inputs [N, C, *] are supported");
  const auto xs = cx.static_shape(x);
  std::vector<std::pair<std::string, ir::Input>> kw;
  if (sizes) {
    if (static_cast<int64_t>(sizes->size()) != r) cx.fail("sizes must have one value per dim");
    if (!xs || (*sizes)[0] != (*xs)[0] || (*sizes)[1] != (*xs)[1]) {
      cx.fail("only the spatial dims may be resized");
    }
    kw.emplace_back("size", IValue(std::vector<int64_t>(sizes->begin() + 2, sizes->end())));
  } else {
    if (!scales || static_cast<int64_t>(scales->size()) != r) {
      cx.fail("scales must have one value per dim");
    }
    if ((*scales)[0] != 1 || (*scales)[1] != 1) cx.fail("only the spatial dims may be resized");
    kw.emplace_back("scale_factor",
                    IValue(std::vector<double>(scales->begin() + 2, scales->end())));
  }
  const int64_t nd = r - 2;
  if (mode == "nearest") {
    // PyTorch's nearest is floor(asymmetric); nearest-exact is half_pixel rounded half up.
    if (coord == "asymmetric" && nearest_mode == "floor") {
      mode = "nearest";
    } else if ((coord == "half_pixel" || coord == "pytorch_half_pixel") &&
               nearest_mode == "round_prefer_ceil") {
      mode = "nearest-exact";
    } else {
      cx.fail("nearest with ", coord, " and ", nearest_mode, " is not supported");
    }
    coord.clear();
  } else if (mode == "linear") {
    mode = nd == 1 ? "linear" : nd == 2 ? "bilinear" : "trilinear";
  } else if (mode == "cubic") {
    if (nd != 2) cx.fail("cubic resizes 2 spatial dims only");
    if (cx.attr_float("cubic_coeff_a", -0.75f) != -0.75f || cx.attr_int("exclude_outside", 0)) {
      cx.fail("cubic with cubic_coeff_a other than -0.75 or exclude_outside is not supported");
    }
    mode = "bicubic";
  } else {
    cx.fail("unknown mode '", mode, "'");
  }
  kw.emplace_back("mode", IValue(mode));
  if (!coord.empty()) {
    if (coord == "tf_crop_and_resize" || coord == "tf_half_pixel_for_nn") {
      cx.fail("coordinate_transformation_mode ", coord, " is not supported");
    }
    kw.emplace_back("coordinate_transformation_mode", IValue(coord));
  }
  return cx.op("interpolate", {x}, std::move(kw));
}

Outs resize_op(Lowerer& cx) {
  const std::string mode = cx.attr_string("mode", "nearest");
  if (cx.opset() < 11) {  // X, scales; asymmetric coordinates, nearest rounds down
    return {resize(cx, cx.in(0), cx.need_floats(1, "scales"), std::nullopt, mode, "asymmetric",
                   "floor")};
  }
  std::optional<std::vector<double>> scales;
  std::optional<std::vector<int64_t>> sizes;
  if (cx.in_opt(3) != nullptr) {
    sizes = cx.need_ints(3, "sizes");
  } else {
    scales = cx.need_floats(2, "scales");
  }
  return {resize(cx, cx.in(0), scales, sizes, mode,
                 cx.attr_string("coordinate_transformation_mode", "half_pixel"),
                 cx.attr_string("nearest_mode", "round_prefer_floor"))};
}

Outs upsample(Lowerer& cx) {
  std::optional<std::vector<double>> scales;
  if (cx.opset() < 9) {
    const auto f = cx.attr_floats("scales", {});
    scales = std::vector<double>(f.begin(), f.end());
  } else {
    scales = cx.need_floats(1, "scales");
  }
  return {resize(cx, cx.in(0), scales, std::nullopt, cx.attr_string("mode", "nearest"),
                 "asymmetric", "floor")};
}

}  // namespace

TSR_REGISTER {
  register_lowering("Hardmax", 1, hardmax);
  register_lowering("OneHot", 9, one_hot);
  register_lowering("DepthToSpace", 1, depth_to_space);
  register_lowering("SpaceToDepth", 1, space_to_depth);
  register_lowering("Compress", 9, compress);
  register_lowering("EyeLike", 9, eye_like);
  register_lowering("LRN", 1, lrn);
  register_lowering("MeanVarianceNormalization", 9, mean_variance_normalization);
  register_lowering("Scatter", 9, [](Lowerer& cx) -> Outs {
    return {cx.op("scatter.src", {cx.in(0), IValue(cx.attr_int("axis", 0)), cx.in(1), cx.in(2)})};
  });
  register_lowering("Resize", 10, resize_op);
  register_lowering("Upsample", 7, upsample);
}

}  // namespace tessera::onnx_frontend
