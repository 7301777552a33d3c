// scaled_dot_product_attention and interpolate: schemas and reference kernels composed of
// other ops (matmul, softmax, index_select, ...), computed in float64 and rounded once.
#include <cmath>

#include "api/functions.h"
#include "ops/elementwise.h"
#include "ops/handles.h"
#include "ops/interpolate.h"
#include "ops/output_size.h"

namespace tessera {
namespace ops {
TSR_OP(scaled_dot_product_attention,
       "scaled_dot_product_attention(Tensor query, Tensor key, Tensor value, Tensor? "
       "attn_mask=None, float dropout_p=0.0, bool is_causal=False, *, float? scale=None) -> "
       "Tensor",
       OpOptions{.dispatch_dtype_args = {0, 1, 2}})
TSR_OP(interpolate,
       "interpolate(Tensor input, int[]? size=None, float[]? scale_factor=None, str "
       "mode='nearest', bool? align_corners=None, str? coordinate_transformation_mode=None) -> "
       "Tensor")
}  // namespace ops
using namespace ops;

namespace {

// softmax(q k^T * scale + mask) v over the last two dims; a bool mask keeps where true,
// a float mask is added; is_causal keeps the lower triangle of [L, S].
template <typename T>
Tensor sdpa_kernel(const Tensor& q, const Tensor& k, const Tensor& v,
                   const std::optional<Tensor>& mask, double dropout_p, bool is_causal,
                   std::optional<double> scale) {
  TSR_CHECK(dropout_p == 0,
            "scaled_dot_product_attention: dropout_p must be 0 (tessera runs "
            "inference), got ",
            dropout_p);
  TSR_CHECK(q.dim() >= 2 && k.dim() >= 2 && v.dim() >= 2,
            "scaled_dot_product_attention: query, key and value need at least 2 dims [..., L, E]");
  TSR_CHECK(q.size(-1) == k.size(-1), "scaled_dot_product_attention: query's embedding (",
            q.size(-1), ") differs from key's (", k.size(-1), ")");
  TSR_CHECK(k.size(-2) == v.size(-2), "scaled_dot_product_attention: key has ", k.size(-2),
            " positions, value ", v.size(-2));
  TSR_CHECK(!(is_causal && mask && mask->defined()),
            "scaled_dot_product_attention: pass either attn_mask or is_causal, not both");
  const double s = scale ? *scale : 1.0 / std::sqrt(static_cast<double>(q.size(-1)));
  const Tensor qd = cast(q, DType::Float64), kd = cast(k, DType::Float64),
               vd = cast(v, DType::Float64);
  Tensor scores = mul(matmul(qd, kd.transpose(-2, -1)), s);
  const int64_t l = q.size(-2), n = k.size(-2);
  const Tensor ninf = full({}, -INFINITY, DType::Float64);
  if (is_causal) {
    const Tensor keep = tril(ones({l, n}, DType::Bool));
    scores = where(keep, scores, ninf);
  } else if (mask && mask->defined()) {
    scores = mask->dtype() == DType::Bool ? where(*mask, scores, ninf)
                                          : add(scores, cast(*mask, DType::Float64));
  }
  return cast(matmul(softmax(scores, -1), vd), dtype_of<T>);
}

// The source coordinate of output index j along a dim of in -> out elements; ratio is
// input units per output unit.
double source_index(int64_t j, int64_t in, int64_t out, double ratio, std::string_view coord,
                    bool clamp_negative) {
  if (coord == "align_corners")
    return out > 1
               ? static_cast<double>(j) * static_cast<double>(in - 1) / static_cast<double>(out - 1)
               : 0.0;
  if (coord == "asymmetric") return static_cast<double>(j) * ratio;
  if (coord == "pytorch_half_pixel" && out == 1) return 0.0;
  const double x = (static_cast<double>(j) + 0.5) * ratio - 0.5;  // half_pixel
  return clamp_negative && x < 0 ? 0.0 : x;
}

// The taps of one dim of in -> out elements; scale_factor, when given, sets the ratio.
ResampleTaps resample_taps(int64_t in, int64_t out, std::optional<double> scale_factor,
                           std::string_view mode, std::string_view coord) {
  ResampleTaps r;
  r.in = in;
  r.out = out;
  const bool cubic = mode == "bicubic";
  r.taps = cubic ? 4 : (mode == "nearest" || mode == "nearest-exact" ? 1 : 2);
  r.index.resize(static_cast<size_t>(r.taps * out));
  r.weight.resize(static_cast<size_t>(r.taps * out));
  const double ratio = scale_factor && *scale_factor > 0
                           ? 1.0 / *scale_factor
                           : static_cast<double>(in) / static_cast<double>(out);
  for (int64_t j = 0; j < out; ++j) {
    auto set = [&](int64_t t, int64_t i, double w) {
      r.index[static_cast<size_t>(t * out + j)] = std::clamp<int64_t>(i, 0, in - 1);
      r.weight[static_cast<size_t>(t * out + j)] = w;
    };
    if (r.taps == 1) {
      // nearest: floor(j * ratio); nearest-exact: floor((j + 0.5) * ratio), as PyTorch.
      const double src = mode == "nearest" ? static_cast<double>(j) * ratio
                                           : (static_cast<double>(j) + 0.5) * ratio;
      set(0, static_cast<int64_t>(std::floor(src)), 1.0);
    } else if (!cubic) {
      const double src = source_index(j, in, out, ratio, coord, true);
      const auto i0 = static_cast<int64_t>(std::floor(src));
      const double f = src - static_cast<double>(i0);
      set(0, i0, 1.0 - f);
      set(1, std::min(i0 + 1, in - 1), f);
    } else {
      // Keys' cubic convolution with A = -0.75 over taps i0-1 .. i0+2 (clamped at the border).
      const double src = source_index(j, in, out, ratio, coord, false);
      const auto i0 = static_cast<int64_t>(std::floor(src));
      const double f = src - static_cast<double>(i0);
      constexpr double A = -0.75;
      const auto near = [](double x) { return ((A + 2) * x - (A + 3)) * x * x + 1; };
      const auto far = [](double x) { return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A; };
      set(0, i0 - 1, far(f + 1));
      set(1, i0, near(f));
      set(2, i0 + 1, near(1 - f));
      set(3, i0 + 2, far(2 - f));
    }
  }
  return r;
}

// One dim of a separable interpolation: out = sum_t weight_t * x[index_t] along dim d.
Tensor resample_dim(const Tensor& x, int64_t d, const ResampleTaps& r) {
  Shape wshape(static_cast<size_t>(x.dim()), 1);
  wshape[static_cast<size_t>(d)] = r.out;
  Tensor acc;
  for (int64_t t = 0; t < r.taps; ++t) {
    Tensor index = empty({r.out}, DType::Int64), weight = empty({r.out}, DType::Float64);
    std::copy_n(r.index.begin() + t * r.out, r.out, index.data<int64_t>());
    std::copy_n(r.weight.begin() + t * r.out, r.out, weight.data<double>());
    const Tensor term = mul(index_select(x, d, index), weight.reshape(wshape));
    acc = acc.defined() ? add(acc, term) : term;
  }
  return acc;
}

template <typename T>
Tensor interpolate_kernel(const Tensor& input, OptionalIntArrayRef size,
                          const std::optional<std::vector<double>>& scale_factor,
                          std::string_view mode, std::optional<bool> align_corners,
                          std::optional<std::string_view> coordinate_mode) {
  const auto plan =
      plan_interpolate(input, size, scale_factor, mode, align_corners, coordinate_mode);
  Tensor x = cast(input, DType::Float64);
  for (size_t i = 0; i < plan.size(); ++i) {
    x = resample_dim(x, 2 + static_cast<int64_t>(i), plan[i]);
  }
  return cast(x, dtype_of<T>);
}

}  // namespace

std::vector<ResampleTaps> plan_interpolate(const Tensor& input, OptionalIntArrayRef size,
                                           const std::optional<std::vector<double>>& scale_factor,
                                           std::string_view mode, std::optional<bool> align_corners,
                                           std::optional<std::string_view> coordinate_mode) {
  const int64_t nd = input.dim() - 2;
  TSR_CHECK(nd >= 1 && nd <= 3, "interpolate: expected a 3-D to 5-D input [N, C, *], got ",
            input.sizes());
  const bool linear = mode == "linear" || mode == "bilinear" || mode == "trilinear";
  TSR_CHECK(linear || mode == "nearest" || mode == "nearest-exact" || mode == "bicubic",
            "interpolate: mode must be nearest, nearest-exact, linear, bilinear, trilinear or "
            "bicubic, not '",
            mode, "'");
  const int64_t want = mode == "linear"                          ? 1
                       : mode == "bilinear" || mode == "bicubic" ? 2
                       : mode == "trilinear"                     ? 3
                                                                 : nd;
  TSR_CHECK(want == nd, "interpolate: got a ", input.dim(), "-D input, but ", mode,
            " mode needs a ", want + 2, "-D input");
  TSR_CHECK(!(align_corners && !(linear || mode == "bicubic")),
            "interpolate: align_corners option can only be set with the interpolating modes: "
            "linear | bilinear | bicubic | trilinear");
  TSR_CHECK(size.has_value() != scale_factor.has_value(),
            "interpolate: give exactly one of size and scale_factor");
  const auto count =
      size ? static_cast<int64_t>(size->size()) : static_cast<int64_t>(scale_factor->size());
  TSR_CHECK(count == 1 || count == nd, "interpolate: expected ", nd,
            " sizes or scale factors, got ", count);
  // PyTorch without align_corners is half_pixel (ONNX's pytorch_half_pixel differs at size 1).
  std::string_view coord = align_corners.value_or(false) ? "align_corners" : "half_pixel";
  if (coordinate_mode) coord = *coordinate_mode;
  TSR_CHECK(coord == "half_pixel" || coord == "pytorch_half_pixel" || coord == "align_corners" ||
                coord == "asymmetric",
            "interpolate: coordinate_transformation_mode must be half_pixel, pytorch_half_pixel, "
            "align_corners or asymmetric, not '",
            coord, "'");
  std::vector<ResampleTaps> plan;
  for (int64_t i = 0; i < nd; ++i) {
    const auto at = static_cast<size_t>(count == 1 ? 0 : i);
    const int64_t in = input.size(2 + i);
    std::optional<double> sf;
    int64_t out;
    if (size) {
      out = (*size)[at];
    } else {
      sf = (*scale_factor)[at];
      out = ops::interpolate_output_size(in, *sf);
    }
    TSR_CHECK(out > 0 && in > 0, "interpolate: input ", input.sizes(),
              " and output sizes must be positive, got output size ", out);
    plan.push_back(resample_taps(in, out, sf, mode, coord));
  }
  return plan;
}

TSR_REGISTER {
  impl_for(scaled_dot_product_attention_op(), kBackendReference, FloatingDTypes{},
           []<typename T>() { return &sdpa_kernel<T>; });
  impl_for(interpolate_op(), kBackendReference, FloatingDTypes{},
           []<typename T>() { return &interpolate_kernel<T>; });
}

Tensor scaled_dot_product_attention(const Tensor& query, const Tensor& key, const Tensor& value,
                                    const std::optional<Tensor>& attn_mask, bool is_causal,
                                    std::optional<double> scale) {
  static const auto op =
      scaled_dot_product_attention_op()
          .typed<Tensor(const Tensor&, const Tensor&, const Tensor&, const std::optional<Tensor>&,
                        double, bool, std::optional<double>)>();
  return op.call(query, key, value, attn_mask, 0.0, is_causal, scale);
}
Tensor interpolate(const Tensor& input, OptionalIntArrayRef size,
                   const std::optional<std::vector<double>>& scale_factor, std::string_view mode,
                   std::optional<bool> align_corners) {
  static const auto op =
      interpolate_op()
          .typed<Tensor(const Tensor&, OptionalIntArrayRef,
                        const std::optional<std::vector<double>>&, std::string_view,
                        std::optional<bool>, std::optional<std::string_view>)>();
  return op.call(input, size, scale_factor, mode, align_corners, std::nullopt);
}

}  // namespace tessera
