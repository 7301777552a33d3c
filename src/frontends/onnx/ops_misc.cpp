// ONNX ops composed of a few tessera ops: Hardmax, OneHot, DepthToSpace, SpaceToDepth,
// Compress, EyeLike, LRN, MeanVarianceNormalization, Scatter, NonMaxSuppression,
// TfIdfVectorizer, GridSample, Resize and Upsample.
#include <set>

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
  const int64_t axis = cx.dim_index(cx.attr_int("axis", cx.opset() < 13 ? 1 : -1), *s);
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

// How Resize maps coordinates and weighs neighbours (its attributes).
struct ResizeSpec {
  std::string mode = "nearest";
  std::string coord = "half_pixel";
  std::string nearest_mode = "round_prefer_floor";
  double cubic_a = -0.75;
  bool exclude_outside = false;
  double extrapolation = 0;
  std::vector<double> roi;  // starts then ends, one per dim (tf_crop_and_resize)
};

// Note [Resize as interpolation matrices]
// ONNX's Resize is separable: each resized dim maps output index x to a coordinate in the
// input (the coordinate transformation), takes the 2 (nearest, linear) or 4 (cubic)
// neighbours around it, edge-clamped, and weighs them. So one dim's resize is a constant
// [n_out, n_in] matrix, built at import; the resize is that matrix applied to each dim in
// turn (a matmul, or an index_select when every row picks one element). Rows whose
// coordinate falls outside tf_crop_and_resize's roi are zero and get the extrapolation
// value added. PyTorch's interpolate covers the common modes faster and is used for them;
// this covers the rest (every nearest rounding, tf_* coordinates, cubic coefficients,
// exclude_outside, any dims).
struct Resize1d {
  Tensor matrix;              // [n_out, n_in] float64
  std::vector<bool> outside;  // rows extrapolated
  bool picks = true;          // every row a single 1 (an index_select)
  bool identity = true;
};

Resize1d resize_matrix(int64_t n_in, int64_t n_out, double scale, const ResizeSpec& s,
                       double roi_start, double roi_end) {
  Resize1d r;
  r.matrix = zeros({n_out, n_in}, DType::Float64);
  r.outside.assign(static_cast<size_t>(n_out), false);
  auto* m = static_cast<double*>(r.matrix.data_ptr());
  const double width = scale * static_cast<double>(n_in);  // the output length, unrounded
  const double in_last = static_cast<double>(n_in - 1);
  for (int64_t x = 0; x < n_out; ++x) {
    const double xd = static_cast<double>(x);
    double o = 0;
    if (s.coord == "align_corners") {
      o = width == 1 ? 0 : xd * in_last / (width - 1);
    } else if (s.coord == "asymmetric") {
      o = xd / scale;
    } else if (s.coord == "tf_crop_and_resize") {
      o = width == 1 ? (roi_end - roi_start) * in_last / 2
                     : xd * (roi_end - roi_start) * in_last / (width - 1);
      o += roi_start * in_last;
      if (o < 0 || o > in_last) {
        r.outside[static_cast<size_t>(x)] = true;
        r.picks = r.identity = false;
        continue;
      }
    } else if (s.coord == "pytorch_half_pixel") {
      o = width == 1 ? -0.5 : (xd + 0.5) / scale - 0.5;
    } else if (s.coord == "half_pixel") {
      o = (xd + 0.5) / scale - 0.5;
    } else if (s.coord == "tf_half_pixel_for_nn") {
      o = (xd + 0.5) / scale;
    }
    // The neighbours: `left` and the one after it (ratio in (0, 1] from left), one more on
    // each side for cubic.
    const double ratio = o == std::floor(o) ? 1.0 : o - std::floor(o);
    const auto left = static_cast<int64_t>(std::llround(o - ratio));
    std::vector<double> c;
    int64_t first = left;
    if (s.mode == "nearest") {
      bool right = true;  // an integral coordinate is the right neighbour itself
      if (ratio != 1.0) {
        if (s.nearest_mode == "round_prefer_floor") right = ratio > 0.5;
        if (s.nearest_mode == "round_prefer_ceil") right = ratio >= 0.5;
        if (s.nearest_mode == "floor") right = false;
        if (s.nearest_mode == "ceil") right = true;
      }
      c = {right ? 0.0 : 1.0, right ? 1.0 : 0.0};
    } else if (s.mode == "linear") {
      c = {1 - ratio, ratio};
    } else {  // cubic: Keys' kernel with coefficient A at distances 1 + t, t, 1 - t, 2 - t
      const double a = s.cubic_a, t = ratio, u = 1 - ratio;
      c = {((a * (t + 1) - 5 * a) * (t + 1) + 8 * a) * (t + 1) - 4 * a,
           ((a + 2) * t - (a + 3)) * t * t + 1, ((a + 2) * u - (a + 3)) * u * u + 1,
           ((a * (u + 1) - 5 * a) * (u + 1) + 8 * a) * (u + 1) - 4 * a};
      first = left - 1;
    }
    if (s.exclude_outside) {
      double sum = 0;
      for (size_t k = 0; k < c.size(); ++k) {
        const int64_t i = first + static_cast<int64_t>(k);
        if (i < 0 || i >= n_in) c[k] = 0;
        sum += c[k];
      }
      for (double& v : c) v = sum != 0 ? v / sum : 0;
    }
    int taps = 0;
    for (size_t k = 0; k < c.size(); ++k) {
      const int64_t i = std::clamp<int64_t>(first + static_cast<int64_t>(k), 0, n_in - 1);
      m[x * n_in + i] += c[k];
    }
    for (int64_t i = 0; i < n_in; ++i) {
      const double v = m[x * n_in + i];
      taps += v != 0;
      if (v != 0 && v != 1) r.picks = false;
      if (v != (i == x ? 1.0 : 0.0)) r.identity = false;
    }
    if (taps != 1) r.picks = false;
  }
  if (n_in != n_out) r.identity = false;
  return r;
}

// x resized by the matrices of Note [Resize as interpolation matrices].
Value* resize_by_matrices(Lowerer& cx, Value* x, const std::vector<double>& scales,
                          const std::vector<int64_t>& out, const ResizeSpec& s) {
  const auto xs = cx.static_shape(x);
  if (!xs) cx.fail("this resize needs the input's static shape");
  const auto r = static_cast<int64_t>(xs->size());
  const DType d = cx.dtype(x).value_or(DType::Float32);
  if (!s.roi.empty() && static_cast<int64_t>(s.roi.size()) != 2 * r) {
    cx.fail("roi must have 2 values per dim");
  }
  for (int64_t i = 0; i < r; ++i) {
    const auto k = static_cast<size_t>(i);
    if ((*xs)[k] == 0 && out[k] != 0) {
      cx.fail("dim ", i, " is empty and cannot be resized to ", out[k]);
    }
    if ((*xs)[k] * out[k] > (int64_t{1} << 24)) {
      cx.fail("resizing dim ", i, " from ", (*xs)[k], " to ", out[k], " this way is too large");
    }
    const Resize1d m = resize_matrix((*xs)[k], out[k], scales[k], s, s.roi.empty() ? 0.0 : s.roi[k],
                                     s.roi.empty() ? 1.0 : s.roi[k + static_cast<size_t>(r)]);
    if (m.identity) continue;
    if (m.picks) {  // one element per row: gather it
      const Tensor idx = m.matrix.argmax(int64_t{1}, false);
      x = cx.op("index_select", {x, IValue(i), cx.constant(idx)});
      continue;
    }
    if (!is_floating(d)) cx.fail(s.mode, " resizing of ", name(d), " tensors is not supported");
    // Along dim i: the dim moved last, times the matrix's transpose, moved back.
    Value* t = i == r - 1 ? x : cx.op("transpose.int", {x, IValue(i), IValue(r - 1)});
    t = cx.op("matmul", {t, cx.constant(m.matrix.transpose(0, 1).contiguous().to(d))});
    if (std::find(m.outside.begin(), m.outside.end(), true) != m.outside.end()) {
      Tensor e = zeros({out[k]}, DType::Float64);
      for (size_t j = 0; j < m.outside.size(); ++j) {
        if (m.outside[j]) static_cast<double*>(e.data_ptr())[j] = s.extrapolation;
      }
      t = cx.op("add.Tensor", {t, cx.constant(e.to(d))});
    }
    x = i == r - 1 ? t : cx.op("transpose.int", {t, IValue(i), IValue(r - 1)});
  }
  return x;
}

// Resize and Upsample: through interpolate for the modes and coordinate transforms PyTorch
// shares with ONNX, by interpolation matrices for the others.
Value* resize(Lowerer& cx, Value* x, std::optional<std::vector<double>> scales,
              std::optional<std::vector<int64_t>> sizes, ResizeSpec s) {
  const int64_t r = cx.need_rank(x, "Resize scales each dim");
  const auto xs = cx.static_shape(x);
  if (sizes && static_cast<int64_t>(sizes->size()) != r)
    cx.fail("sizes must have one value per dim");
  if (scales && static_cast<int64_t>(scales->size()) != r) {
    cx.fail("scales must have one value per dim");
  }
  if (!sizes && !scales) cx.fail("scales or sizes is required");
  if (s.mode != "nearest" && s.mode != "linear" && s.mode != "cubic") {
    cx.fail("unknown mode '", s.mode, "'");
  }
  static const std::set<std::string> coords{"half_pixel",           "pytorch_half_pixel",
                                            "align_corners",        "asymmetric",
                                            "tf_half_pixel_for_nn", "tf_crop_and_resize"};
  if (!coords.contains(s.coord)) cx.fail("unknown coordinate_transformation_mode '", s.coord, "'");
  const int64_t nd = r - 2;
  // The output size and the scale of each dim (sizes over input sizes when sizes are given).
  std::vector<int64_t> out(static_cast<size_t>(r));
  std::vector<double> sc(static_cast<size_t>(r));
  bool fractional = false;  // an output length scale * n_in that is not whole
  if (xs) {
    for (size_t i = 0; i < out.size(); ++i) {
      const auto n = static_cast<double>((*xs)[i]);
      if (sizes) {
        out[i] = (*sizes)[i];
        sc[i] = static_cast<double>(out[i]) / n;
      } else {
        sc[i] = (*scales)[i];
        if (sc[i] <= 0) cx.fail("scales must be positive");
        out[i] = static_cast<int64_t>(std::floor(n * sc[i]));
        fractional = fractional || n * sc[i] != std::floor(n * sc[i]);
      }
    }
  }
  const bool spatial_only = sizes ? xs && (*sizes)[0] == (*xs)[0] && (*sizes)[1] == (*xs)[1]
                                  : (*scales)[0] == 1 && (*scales)[1] == 1;
  std::string mode = s.mode;
  bool torch = r >= 3 && r <= 5 && spatial_only && s.coord != "tf_crop_and_resize" &&
               s.coord != "tf_half_pixel_for_nn" && !(s.coord == "align_corners" && fractional);
  if (s.mode == "nearest") {
    // PyTorch's nearest is floor(asymmetric); nearest-exact is half_pixel rounded half up.
    const bool half = s.coord == "half_pixel" || s.coord == "pytorch_half_pixel";
    if (s.coord == "asymmetric" && s.nearest_mode == "floor") {
      mode = "nearest";
    } else if (half && s.nearest_mode == "round_prefer_ceil") {
      mode = "nearest-exact";
    } else {
      torch = false;
    }
  } else if (s.mode == "linear") {
    mode = nd == 1 ? "linear" : nd == 2 ? "bilinear" : "trilinear";
  } else {
    torch = torch && nd == 2 && s.cubic_a == -0.75 && !s.exclude_outside;
    mode = "bicubic";
  }
  if (!torch) {
    if (!xs) cx.fail(s.mode, " with ", s.coord, " needs the input's static shape");
    return resize_by_matrices(cx, x, sc, out, s);
  }
  std::vector<std::pair<std::string, ir::Input>> kw;
  if (sizes) {
    kw.emplace_back("size", IValue(std::vector<int64_t>(sizes->begin() + 2, sizes->end())));
  } else {
    kw.emplace_back("scale_factor",
                    IValue(std::vector<double>(scales->begin() + 2, scales->end())));
  }
  kw.emplace_back("mode", IValue(mode));
  if (s.mode != "nearest") kw.emplace_back("coordinate_transformation_mode", IValue(s.coord));
  return cx.op("interpolate", {x}, std::move(kw));
}

Outs resize_op(Lowerer& cx) {
  ResizeSpec s;
  s.mode = cx.attr_string("mode", "nearest");
  if (cx.opset() < 11) {  // X, scales; asymmetric coordinates, nearest rounds down
    s.coord = "asymmetric";
    s.nearest_mode = "floor";
    return {resize(cx, cx.in(0), cx.need_floats(1, "scales"), std::nullopt, s)};
  }
  s.coord = cx.attr_string("coordinate_transformation_mode", "half_pixel");
  s.nearest_mode = cx.attr_string("nearest_mode", "round_prefer_floor");
  s.cubic_a = cx.attr_float("cubic_coeff_a", -0.75f);
  s.exclude_outside = cx.attr_int("exclude_outside", 0) != 0;
  s.extrapolation = cx.attr_float("extrapolation_value", 0.0f);
  if (s.coord == "tf_crop_and_resize") s.roi = cx.need_floats(1, "roi");
  std::optional<std::vector<double>> scales;
  std::optional<std::vector<int64_t>> sizes;
  if (cx.in_opt(3) != nullptr) {
    sizes = cx.need_ints(3, "sizes");
  } else {
    scales = cx.need_floats(2, "scales");
  }
  return {resize(cx, cx.in(0), scales, sizes, s)};
}

Outs upsample(Lowerer& cx) {
  std::optional<std::vector<double>> scales;
  if (cx.opset() < 9) {
    const auto f = cx.attr_floats("scales", {});
    scales = std::vector<double>(f.begin(), f.end());
  } else {
    scales = cx.need_floats(1, "scales");
  }
  ResizeSpec s;
  s.mode = cx.attr_string("mode", "nearest");
  s.coord = "asymmetric";
  s.nearest_mode = "floor";
  return {resize(cx, cx.in(0), scales, std::nullopt, s)};
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
  register_lowering("NonMaxSuppression", 10, [](Lowerer& cx) -> Outs {
    // The optional scalar inputs: literals when constant, else read at run time.
    auto scalar_or = [&](int i, IValue fallback) -> ir::Input {
      if (cx.in_opt(i) == nullptr) return fallback;
      const ir::Input v = cx.scalar_in(i);
      if (const auto* lit = std::get_if<IValue>(&v)) return *lit;
      return ir::ValueElement{cx.op("reshape", {cx.in(i), IValue(std::vector<int64_t>{-1})}), 0};
    };
    return {cx.op("non_max_suppression",
                  {cx.in(0), cx.in(1), scalar_or(2, IValue(int64_t{0})), scalar_or(3, IValue(0.0)),
                   scalar_or(4, IValue()), IValue(cx.attr_int("center_point_box", 0) != 0)})};
  });
  register_lowering("TfIdfVectorizer", 9, [](Lowerer& cx) -> Outs {
    if (cx.has_attr("pool_strings"))
      cx.fail("string pools are not supported (tessera has no strings)");
    const std::vector<float> w = cx.attr_floats("weights", {});
    return {
        cx.op("tfidf_vectorizer",
              {cx.in(0), IValue(cx.attr_int("min_gram_length", 1)),
               IValue(cx.attr_int("max_gram_length", 1)), IValue(cx.attr_int("max_skip_count", 0)),
               IValue(cx.attr_ints("ngram_counts", {})), IValue(cx.attr_ints("ngram_indexes", {})),
               IValue(cx.attr_ints("pool_int64s", {})), IValue(cx.attr_string("mode", "TF")),
               IValue(std::vector<double>(w.begin(), w.end()))})};
  });
  register_lowering("GridSample", 16, [](Lowerer& cx) -> Outs {
    return {cx.op("grid_sample", {cx.in(0), cx.in(1), IValue(cx.attr_string("mode", "bilinear")),
                                  IValue(cx.attr_string("padding_mode", "zeros")),
                                  IValue(cx.attr_int("align_corners", 0) != 0)})};
  });
  register_lowering("Resize", 10, resize_op);
  register_lowering("Upsample", 7, upsample);
}

}  // namespace tessera::onnx_frontend
