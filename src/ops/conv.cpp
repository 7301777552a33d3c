// convolution (1-, 2- and 3-d; transposed; groups, stride, padding, dilation,
// output_padding) as one op like aten::convolution, and conv1d/2d/3d, conv_transpose1d/2d/3d
// (padding may be "same" or "valid") over it. The reference kernel is a direct loop in
// double (complex<double>), over 3-d spatial dims (1-d and 2-d are 3-d with leading 1s).
#include <array>

#include "api/functions.h"
#include "ops/elementwise.h"
#include "ops/handles.h"
#include "ops/output_size.h"

namespace tessera {
namespace ops {
TSR_OP(convolution,
       "convolution(Tensor input, Tensor weight, Tensor? bias, int[] stride, int[] padding, int[] "
       "dilation, bool transposed, int[] output_padding, int groups) -> Tensor",
       OpOptions{.dispatch_dtype_args = {0, 1}})
// A convolution with its activation applied to the output, what the graph optimiser fuses
// (passes/fuse_conv_activation.cpp) so a backend can apply it while the output is in cache
// (oneDNN post-ops on the cpu). activation: relu, clamp (params [min, max]) or leaky_relu
// (params [negative_slope]).
TSR_OP(convolution_activation,
       "convolution_activation(Tensor input, Tensor weight, Tensor? bias, int[] stride, int[] "
       "padding, int[] dilation, int groups, str activation, float[] params=[]) -> Tensor",
       OpOptions{.dispatch_dtype_args = {0, 1}})
}  // namespace ops
using namespace ops;

namespace {

using Dims3 = std::array<int64_t, 3>;

// A per-dim parameter of n spatial dims: one value for all, or n values.
std::vector<int64_t> expand_param(IntArrayRef p, int64_t n, const char* name) {
  TSR_CHECK(p.size() == 1 || static_cast<int64_t>(p.size()) == n, "convolution: expected ", name,
            " to have 1 or ", n, " values, got ", p.size());
  std::vector<int64_t> out(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    out[static_cast<size_t>(i)] = p[p.size() == 1 ? 0 : static_cast<size_t>(i)];
  return out;
}

// The n-d values placed in the last n of 3 dims; lead fills the others.
Dims3 to3(const std::vector<int64_t>& v, int64_t lead) {
  Dims3 out{lead, lead, lead};
  const auto n = v.size();
  for (size_t i = 0; i < n; ++i) out[3 - n + i] = v[i];
  return out;
}

template <typename T>
Tensor convolution_kernel(const Tensor& input, const Tensor& weight,
                          const std::optional<Tensor>& bias, IntArrayRef stride_,
                          IntArrayRef padding_, IntArrayRef dilation_, bool transposed,
                          IntArrayRef output_padding_, int64_t groups) {
  const int64_t nd = input.dim() - 2;
  TSR_CHECK(nd >= 1 && nd <= 3, "convolution: expected a 3-D, 4-D or 5-D input [N, C, *], got ",
            input.dim(), "-D ", input.sizes());
  TSR_CHECK(weight.dim() == input.dim(), "convolution: weight of ", weight.dim(),
            " dims for an input of ", input.dim(), " dims");
  TSR_CHECK(groups >= 1, "convolution: groups must be positive, got ", groups);
  const auto stride = expand_param(stride_, nd, "stride");
  const auto padding = expand_param(padding_, nd, "padding");
  const auto dilation = expand_param(dilation_, nd, "dilation");
  const auto out_pad = expand_param(
      output_padding_.empty() ? IntArrayRef(std::array<int64_t, 1>{0}) : output_padding_, nd,
      "output_padding");
  for (int64_t i = 0; i < nd; ++i) {
    TSR_CHECK(stride[i] > 0, "convolution: stride must be positive, got ", stride_);
    TSR_CHECK(dilation[i] > 0, "convolution: dilation must be positive, got ", dilation_);
    TSR_CHECK(padding[i] >= 0, "convolution: negative padding is not supported, got ", padding_);
    TSR_CHECK(out_pad[i] >= 0 && (out_pad[i] < stride[i] || out_pad[i] < dilation[i]),
              "convolution: output padding must be smaller than either stride or dilation, got ",
              output_padding_);
  }
  const int64_t n = input.size(0), c_in = input.size(1);
  // weight: [C_out, C_in / groups, *k]; transposed: [C_in, C_out / groups, *k].
  TSR_CHECK(c_in % groups == 0, "convolution: input channels (", c_in,
            ") must be divisible by groups (", groups, ")");
  const int64_t c_out = transposed ? weight.size(1) * groups : weight.size(0);
  if (transposed) {
    TSR_CHECK(weight.size(0) == c_in, "conv_transpose: weight ", weight.sizes(), " expects ",
              weight.size(0), " input channels, got ", c_in);
  } else {
    TSR_CHECK(weight.size(0) % groups == 0, "convolution: output channels (", weight.size(0),
              ") must be divisible by groups (", groups, ")");
    TSR_CHECK(weight.size(1) * groups == c_in, "convolution: expected input ", input.sizes(),
              " to have ", weight.size(1) * groups, " channels (weight ", weight.sizes(),
              ", groups ", groups, "), but got ", c_in, " channels instead");
  }
  if (bias && bias->defined())
    TSR_CHECK(bias->dim() == 1 && bias->size(0) == c_out, "convolution: expected bias of shape [",
              c_out, "], got ", bias->sizes());
  std::vector<int64_t> in_sz, k_sz, out_sz;
  for (int64_t i = 0; i < nd; ++i) {
    in_sz.push_back(input.size(2 + i));
    k_sz.push_back(weight.size(2 + i));
    const int64_t o = conv_output_size(in_sz[i], k_sz[i], stride[i], padding[i], dilation[i],
                                       transposed, out_pad[i]);
    TSR_CHECK(o > 0, "convolution: the kernel (", weight.sizes(), " with dilation ", dilation_,
              ") is larger than the padded input ", input.sizes(), " (padding ", padding_, ")");
    out_sz.push_back(o);
  }
  const Dims3 I = to3(in_sz, 1), K = to3(k_sz, 1), O = to3(out_sz, 1);
  const Dims3 S = to3(stride, 1), P = to3(padding, 0), D = to3(dilation, 1);
  Shape shape{n, c_out};
  for (int64_t o : out_sz) shape.push_back(o);
  // Accumulation in double (complex<double> for complex inputs).
  using Acc = std::conditional_t<is_complex_v<T>, complex128, double>;
  const Tensor x = cast_if_needed(input, dtype_of<Acc>).contiguous();
  const Tensor w = cast_if_needed(weight, dtype_of<Acc>).contiguous();
  const auto* xp = static_cast<const Acc*>(x.data_ptr());
  const auto* wp = static_cast<const Acc*>(w.data_ptr());
  std::vector<Acc> acc(static_cast<size_t>(n * c_out * O[0] * O[1] * O[2]), Acc(0));
  const int64_t cin_g = c_in / groups, cout_g = c_out / groups;
  const int64_t in_plane = I[0] * I[1] * I[2], out_plane = O[0] * O[1] * O[2];
  const int64_t k_plane = K[0] * K[1] * K[2];
  for (int64_t b = 0; b < n; ++b) {
    for (int64_t g = 0; g < groups; ++g) {
      for (int64_t oc = 0; oc < cout_g; ++oc) {
        for (int64_t ic = 0; ic < cin_g; ++ic) {
          const int64_t ci = g * cin_g + ic, co = g * cout_g + oc;
          const Acc* xin = xp + (b * c_in + ci) * in_plane;
          Acc* out = acc.data() + (b * c_out + co) * out_plane;
          const Acc* wk =
              transposed ? wp + (ci * cout_g + oc) * k_plane : wp + (co * cin_g + ic) * k_plane;
          for (int64_t k0 = 0; k0 < K[0]; ++k0)
            for (int64_t k1 = 0; k1 < K[1]; ++k1)
              for (int64_t k2 = 0; k2 < K[2]; ++k2) {
                const Acc wv = wk[(k0 * K[1] + k1) * K[2] + k2];
                if (!transposed) {
                  for (int64_t o0 = 0; o0 < O[0]; ++o0) {
                    const int64_t i0 = o0 * S[0] - P[0] + k0 * D[0];
                    if (i0 < 0 || i0 >= I[0]) continue;
                    for (int64_t o1 = 0; o1 < O[1]; ++o1) {
                      const int64_t i1 = o1 * S[1] - P[1] + k1 * D[1];
                      if (i1 < 0 || i1 >= I[1]) continue;
                      for (int64_t o2 = 0; o2 < O[2]; ++o2) {
                        const int64_t i2 = o2 * S[2] - P[2] + k2 * D[2];
                        if (i2 < 0 || i2 >= I[2]) continue;
                        out[(o0 * O[1] + o1) * O[2] + o2] += wv * xin[(i0 * I[1] + i1) * I[2] + i2];
                      }
                    }
                  }
                } else {
                  // Each input element spreads into the output through the kernel.
                  for (int64_t i0 = 0; i0 < I[0]; ++i0) {
                    const int64_t o0 = i0 * S[0] - P[0] + k0 * D[0];
                    if (o0 < 0 || o0 >= O[0]) continue;
                    for (int64_t i1 = 0; i1 < I[1]; ++i1) {
                      const int64_t o1 = i1 * S[1] - P[1] + k1 * D[1];
                      if (o1 < 0 || o1 >= O[1]) continue;
                      for (int64_t i2 = 0; i2 < I[2]; ++i2) {
                        const int64_t o2 = i2 * S[2] - P[2] + k2 * D[2];
                        if (o2 < 0 || o2 >= O[2]) continue;
                        out[(o0 * O[1] + o1) * O[2] + o2] += wv * xin[(i0 * I[1] + i1) * I[2] + i2];
                      }
                    }
                  }
                }
              }
        }
      }
    }
  }
  std::vector<Acc> bv;
  if (bias && bias->defined()) {
    const Tensor bc = cast_if_needed(*bias, dtype_of<Acc>).contiguous();
    const auto* p = static_cast<const Acc*>(bc.data_ptr());
    bv.assign(p, p + c_out);
  }
  Tensor result = empty(shape, TensorOptions(dtype_of<T>, input.device()));
  T* r = static_cast<T*>(result.data_ptr());
  for (int64_t i = 0; i < result.numel(); ++i) {
    const int64_t co = (i / out_plane) % c_out;
    r[i] =
        convert<T>(acc[static_cast<size_t>(i)] + (bv.empty() ? 0.0 : bv[static_cast<size_t>(co)]));
  }
  return result;
}

// conv1d/2d/3d: padding as numbers, or "valid" (none) / "same" (output size = input size
// at stride 1; an odd total is padded one more at the end, as PyTorch does).
Tensor conv_nd(const Tensor& input, const Tensor& weight, const std::optional<Tensor>& bias,
               IntArrayRef stride, const ConvPadding& padding, IntArrayRef dilation, int64_t groups,
               int64_t nd) {
  TSR_CHECK(input.dim() == nd + 2, "conv", nd, "d: expected a ", nd + 2, "-D input, got ",
            input.dim(), "-D ", input.sizes());
  if (padding.mode.empty())
    return convolution(input, weight, bias, stride, padding.sizes, dilation, false, {0}, groups);
  const std::string_view mode = padding.mode;
  if (mode == "valid")
    return convolution(input, weight, bias, stride, {0}, dilation, false, {0}, groups);
  TSR_CHECK(mode == "same", "conv", nd, "d: padding must be a size, 'valid' or 'same', not '", mode,
            "'");
  const auto s = expand_param(stride, nd, "stride");
  const auto d = expand_param(dilation, nd, "dilation");
  for (int64_t v : s)
    TSR_CHECK(v == 1, "conv", nd, "d: padding='same' is not supported for strided convolutions");
  Shape sym, extra;
  bool asymmetric = false;
  for (int64_t i = 0; i < nd; ++i) {
    const int64_t total = d[static_cast<size_t>(i)] * (weight.size(2 + i) - 1);
    sym.push_back(total / 2);
    extra.push_back(total % 2);
    asymmetric = asymmetric || total % 2;
  }
  if (!asymmetric)
    return convolution(input, weight, bias, stride, sym, dilation, false, {0}, groups);
  // One more at the end of the odd dims: pad the input there first.
  Shape pads;
  for (int64_t i = nd - 1; i >= 0; --i) {
    pads.push_back(0);
    pads.push_back(extra[static_cast<size_t>(i)]);
  }
  return convolution(pad(input, pads), weight, bias, stride, sym, dilation, false, {0}, groups);
}

}  // namespace

// The definition: the convolution, then the activation.
Tensor convolution_activation_kernel(const Tensor& input, const Tensor& weight,
                                     const std::optional<Tensor>& bias, IntArrayRef stride,
                                     IntArrayRef padding, IntArrayRef dilation, int64_t groups,
                                     std::string_view activation,
                                     const std::vector<double>& params) {
  const auto want = [&](size_t n) {
    TSR_CHECK(params.size() == n, "convolution_activation: ", activation, " takes ", n,
              " params, got ", params.size());
  };
  if (activation == "relu") {
    want(0);
  } else if (activation == "clamp") {
    want(2);
  } else if (activation == "leaky_relu") {
    want(1);
  } else {
    detail::throw_error<Error>(
        "convolution_activation: activation must be relu, clamp or leaky_relu, not '", activation,
        "'");
  }
  const Tensor y = convolution(input, weight, bias, stride, padding, dilation, false, {0}, groups);
  if (activation == "relu") return relu(y);
  if (activation == "clamp") return clamp(y, params[0], params[1]);
  return leaky_relu(y, params[0]);
}

TSR_REGISTER {
  Dispatcher::get().impl(convolution_activation_op(), kBackendReference, std::nullopt,
                         KernelFunction::from_unboxed(&convolution_activation_kernel));
  // Integers accumulate in double (exact up to 2^53) and truncate.
  impl_for(convolution_op(), kBackendReference,
           dtypes_of<DTypeCategory::Integer, DTypeCategory::Floating, DTypeCategory::Complex>{},
           []<typename T>() { return &convolution_kernel<T>; });
}

Tensor convolution(const Tensor& input, const Tensor& weight, const std::optional<Tensor>& bias,
                   IntArrayRef stride, IntArrayRef padding, IntArrayRef dilation, bool transposed,
                   IntArrayRef output_padding, int64_t groups) {
  static const auto op =
      convolution_op()
          .typed<Tensor(const Tensor&, const Tensor&, const std::optional<Tensor>&, IntArrayRef,
                        IntArrayRef, IntArrayRef, bool, IntArrayRef, int64_t)>();
  return op.call(input, weight, bias, stride, padding, dilation, transposed, output_padding,
                 groups);
}

#define TSR_CONV_API(nd)                                                                           \
  Tensor conv##nd##d(const Tensor& input, const Tensor& weight, const std::optional<Tensor>& bias, \
                     IntArrayRef stride, const ConvPadding& padding, IntArrayRef dilation,         \
                     int64_t groups) {                                                             \
    return conv_nd(input, weight, bias, stride, padding, dilation, groups, nd);                    \
  }                                                                                                \
  Tensor conv_transpose##nd##d(const Tensor& input, const Tensor& weight,                          \
                               const std::optional<Tensor>& bias, IntArrayRef stride,              \
                               IntArrayRef padding, IntArrayRef output_padding, int64_t groups,    \
                               IntArrayRef dilation) {                                             \
    TSR_CHECK(input.dim() == nd + 2, "conv_transpose" #nd "d: expected a ", nd + 2,                \
              "-D input, got ", input.dim(), "-D ", input.sizes());                                \
    return convolution(input, weight, bias, stride, padding, dilation, true, output_padding,       \
                       groups);                                                                    \
  }
TSR_CONV_API(1)
TSR_CONV_API(2)
TSR_CONV_API(3)
#undef TSR_CONV_API

}  // namespace tessera
