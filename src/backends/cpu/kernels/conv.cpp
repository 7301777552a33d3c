// float32 convolution on the cpu backend through oneDNN: forward and transposed
// (deconvolution), 1- to 3-d, groups, stride, padding, dilation, output_padding up to the
// padding. Primitives are created once per shape and kept (oneDNN's creation costs far
// more than a small convolution); weights are reordered to the layout the primitive asks
// for on each call (pre-packing them is the graph runtime's job). Activations are
// reordered into and out of oneDNN's blocked layouts around each call, by reorders made
// with the primitive, into buffers from tessera's allocator. Other dtypes and
// cases go to the reference kernel.
#include <fmt/format.h>

#include <cmath>
#include <mutex>
#include <oneapi/dnnl/dnnl.hpp>
#include <optional>
#include <unordered_map>
#include <vector>

#include "api/functions.h"
#include "backends/cpu/kernels/conv_direct.h"
#include "backends/cpu/kernels/sgemm.h"
#include "core/parallel.h"
#include "ops/elementwise.h"
#include "ops/handles.h"

namespace tessera::cpu {
namespace {

using ConvSigExact = Tensor(const Tensor&, const Tensor&, const std::optional<Tensor>&, IntArrayRef,
                            IntArrayRef, IntArrayRef, bool, IntArrayRef, int64_t);

// An activation applied to a convolution's output (convolution_activation): none, or
// max(min(y, hi), lo) (relu: lo 0; clamp), or leaky_relu (y < 0: slope * y).
struct Activation {
  enum class Kind : uint8_t { None, Clamp, Leaky };
  Kind kind = Kind::None;
  float lo = 0, hi = 0, slope = 0;
  std::string key() const {
    return kind == Kind::None
               ? ""
               : fmt::format("/act{}:{},{},{}", static_cast<int>(kind), lo, hi, slope);
  }
  // y[0, n) in place.
  void apply(float* y, int64_t n) const {
    if (kind == Kind::Clamp) {
      for (int64_t i = 0; i < n; ++i) y[i] = std::min(std::max(y[i], lo), hi);
    } else if (kind == Kind::Leaky) {
      for (int64_t i = 0; i < n; ++i) y[i] = y[i] < 0 ? y[i] * slope : y[i];
    }
  }
};

dnnl::engine& cpu_engine() {
  static dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}

dnnl::memory::format_tag plain_tag(int64_t dims) {
  using tag = dnnl::memory::format_tag;
  return dims == 3 ? tag::ncw : dims == 4 ? tag::nchw : tag::ncdhw;
}
dnnl::memory::format_tag grouped_weights_tag(int64_t dims) {  // dims of the ungrouped weights
  using tag = dnnl::memory::format_tag;
  return dims == 3 ? tag::goiw : dims == 4 ? tag::goihw : tag::goidhw;
}

// The weights' layout as tessera stores them, in the dims oneDNN expects ([g,] o, i,
// spatial...): PyTorch's [o, i/g, ...] for a convolution, [i, o/g, ...] (i and o swapped)
// for a transposed one.
dnnl::memory::format_tag user_weights_tag(int64_t dims, bool grouped, bool transposed) {
  using tag = dnnl::memory::format_tag;
  if (!transposed) return grouped ? grouped_weights_tag(dims) : plain_tag(dims);
  if (grouped) return dims == 3 ? tag::acbd : dims == 4 ? tag::acbde : tag::acbdef;
  return dims == 3 ? tag::bac : dims == 4 ? tag::bacd : tag::bacde;
}

struct ConvPrimitive {
  dnnl::primitive prim;
  dnnl::memory::desc src, weights, bias, dst;           // the primitive's layouts
  dnnl::memory::desc user_weights, user_src, user_dst;  // tessera's row-major layouts
  // Reorders between the two, where they differ (created once, as the primitive).
  std::optional<dnnl::reorder> src_in, weights_in, dst_out;
  // The key of frozen weights reordered for this primitive (Note [Frozen storage]).
  std::string weights_key = {};
};

std::optional<dnnl::reorder> reorder_between(const dnnl::memory::desc& from,
                                             const dnnl::memory::desc& to) {
  if (from == to) return std::nullopt;
  return dnnl::reorder(dnnl::reorder::primitive_desc(cpu_engine(), from, cpu_engine(), to));
}

// One primitive per geometry and thread count, created on first use. out_pad is the transposed
// convolution's output_padding (extra rows past the right padding).
const ConvPrimitive& conv_primitive(const Tensor& x, const Tensor& w, bool bias, IntArrayRef out,
                                    const std::vector<int64_t>& s, const std::vector<int64_t>& p,
                                    const std::vector<int64_t>& d, int64_t groups, bool transposed,
                                    const std::vector<int64_t>& out_pad, const Activation& act) {
  std::string key;
  for (IntArrayRef v : {x.sizes(), w.sizes(), out, IntArrayRef(s), IntArrayRef(p), IntArrayRef(d),
                        IntArrayRef(out_pad)}) {
    for (int64_t i : v) key += std::to_string(i) + ",";
    key += ";";
  }
  key += std::to_string(groups) + (bias ? "b" : "") + (transposed ? "t" : "");
  // oneDNN fixes a primitive's thread count when it creates it.
  key += "/" + std::to_string(get_num_threads()) + act.key();
  static std::mutex mu;
  static std::unordered_map<std::string, std::unique_ptr<ConvPrimitive>> cache;
  std::lock_guard lock(mu);
  auto& slot = cache[key];
  if (slot) return *slot;
  using md = dnnl::memory::desc;
  using dt = dnnl::memory::data_type;
  using tag = dnnl::memory::format_tag;
  const dnnl::memory::dims src(x.sizes().begin(), x.sizes().end());
  const dnnl::memory::dims dst(out.begin(), out.end());
  // oneDNN's weight dims: [g,] out channels (per group), in channels (per group), spatial.
  dnnl::memory::dims wd(w.sizes().begin(), w.sizes().end());
  if (transposed) {  // PyTorch's [in, out / g, ...]
    wd[0] = w.size(1) * groups;
    wd[1] = w.size(0) / groups;
  }
  if (groups > 1) {
    wd[0] /= groups;
    wd.insert(wd.begin(), groups);
  }
  const md user_w(wd, dt::f32, user_weights_tag(w.dim(), groups > 1, transposed));
  // Layouts are oneDNN's choice (blocked ones run its fastest kernels); tensors are
  // reordered in and out of them around the primitive.
  const md src_md(src, dt::f32, tag::any);
  const md dst_md(dst, dt::f32, tag::any);
  const md w_any(wd, dt::f32, tag::any);
  const md bias_md = bias ? md({out[1]}, dt::f32, tag::x) : md();
  dnnl::memory::dims dil, pad_r;
  for (int64_t v : d) dil.push_back(v - 1);  // oneDNN counts the gaps
  for (size_t i = 0; i < p.size(); ++i) pad_r.push_back(p[i] - (transposed ? out_pad[i] : 0));
  const dnnl::memory::dims strides(s.begin(), s.end()), pads(p.begin(), p.end());
  auto make = [&](auto pd, auto prim) {
    const md user_src(src, dt::f32, plain_tag(x.dim())), user_dst(dst, dt::f32, plain_tag(x.dim()));
    return std::make_unique<ConvPrimitive>(ConvPrimitive{
        prim, pd.src_desc(), pd.weights_desc(), bias ? pd.bias_desc() : md(), pd.dst_desc(), user_w,
        user_src, user_dst, reorder_between(user_src, pd.src_desc()),
        reorder_between(user_w, pd.weights_desc()), reorder_between(pd.dst_desc(), user_dst)});
  };
  if (transposed) {
    const dnnl::deconvolution_forward::desc desc(dnnl::prop_kind::forward_inference,
                                                 dnnl::algorithm::deconvolution_direct, src_md,
                                                 w_any, bias_md, dst_md, strides, dil, pads, pad_r);
    const dnnl::deconvolution_forward::primitive_desc pd(desc, cpu_engine());
    slot = make(pd, dnnl::deconvolution_forward(pd));
  } else {
    const dnnl::convolution_forward::desc desc(dnnl::prop_kind::forward_inference,
                                               dnnl::algorithm::convolution_direct, src_md, w_any,
                                               bias_md, dst_md, strides, dil, pads, pad_r);
    // The activation as a post-op: applied while the output is still in cache.
    dnnl::primitive_attr attr;
    if (act.kind != Activation::Kind::None) {
      dnnl::post_ops ops;
      if (act.kind == Activation::Kind::Clamp) {
        ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_clip, act.lo, act.hi);
      } else {
        ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_relu, act.slope, 0.0f);
      }
      attr.set_post_ops(ops);
    }
    const dnnl::convolution_forward::primitive_desc pd(desc, attr, cpu_engine());
    slot = make(pd, dnnl::convolution_forward(pd));
  }
  slot->weights_key = "onednn.conv.weights/" + key;
  return *slot;
}

// Note [Convolutions without blocked layouts]
// oneDNN's fastest kernels want activations in blocked layouts (nChw8c on AVX2), so each
// call through it reorders its input in and its output out. Two kinds of convolution skip
// that on NCHW directly, where a benchmark showed them faster (mobilenet_v2: its 1x1 and
// depthwise convolutions, bench/RESULTS.md):
// - pointwise (1x1 kernels, stride 1, no padding, one group): with few input channels,
//   conv_direct.cpp's register tiles (bias, products and activation in registers, each
//   output written once); with more, on small planes, when the weights are a Session's
//   constants (frozen, packed once into panels), conv_direct.cpp's panel kernel, whose
//   vectors run across output channels (vectors of a 7x7 plane's pixels leave lanes idle);
//   else, per image, the [out, in] weight matrix times the [in, H*W] input is the
//   [out, H*W] output, one sgemm with the bias accumulated into (oneDNN packs the weights
//   on each call: an eager call gains nothing from packing them once);
// - depthwise 2-d (one input and one output channel per group): conv_direct.cpp.

// The most input channels the pointwise register tiles take: on mobilenet_v2's shapes they
// were 1.1-1.6x faster than the sgemm up to 32 inputs, 1.3-1.8x slower from 64 (oneDNN's
// blocking over the inputs pays off there); bench/RESULTS.md.
constexpr int64_t kPointwiseInputs = 32;
// The largest plane (H * W) the panel kernel takes from there (on mobilenet_v2's 28x28,
// 14x14 and 7x7 layers it was 1.0-1.5x faster at two threads than the sgemm, which repacks
// the weights on every call; bench/RESULTS.md).
constexpr int64_t kSmallPlane = 1024;

std::optional<Tensor> direct_conv(const Tensor& x, const Tensor& w, const Tensor& bias,
                                  const Shape& out, const std::vector<int64_t>& s,
                                  const std::vector<int64_t>& p, const std::vector<int64_t>& d,
                                  int64_t groups, const Activation& act) {
  const int64_t nd = x.dim() - 2, n = x.size(0), cin = x.size(1), cout = w.size(0);
  bool pointwise = groups == 1;
  int64_t plane = 1;
  for (int64_t i = 0; i < nd; ++i) {
    const auto j = static_cast<size_t>(i);
    pointwise = pointwise && w.size(2 + i) == 1 && s[j] == 1 && p[j] == 0;
    plane *= x.size(2 + i);
  }
  const auto* bp = bias.defined() ? static_cast<const float*>(bias.data_ptr()) : nullptr;
  if (pointwise && act.kind != Activation::Kind::Leaky && cin <= kPointwiseInputs) {
    Tensor y = empty(out, DType::Float32);
    const bool clamp = act.kind == Activation::Kind::Clamp;
    pointwise_conv(static_cast<const float*>(x.data_ptr()), static_cast<const float*>(w.data_ptr()),
                   bp, static_cast<float*>(y.data_ptr()), n, cin, cout, plane,
                   clamp ? act.lo : -INFINITY, clamp ? act.hi : INFINITY);
    return y;
  }
  if (pointwise && act.kind != Activation::Kind::Leaky && plane <= kSmallPlane &&
      w.storage()->frozen() && w.storage_offset() == 0) {
    const int64_t width = pointwise_panel_width();
    const auto panels = std::static_pointer_cast<Tensor>(
        // Keyed by the shape too: one frozen storage may be viewed with two shapes.
        w.storage()->derived(fmt::format("pointwise.panels/{}/{}x{}", width, cout, cin), [&] {
          auto t = std::make_shared<Tensor>(
              empty({(cout + width - 1) / width * width * cin}, DType::Float32));
          pack_pointwise_panels(static_cast<const float*>(w.data_ptr()), cin, cout,
                                static_cast<float*>(t->data_ptr()));
          return std::static_pointer_cast<void>(t);
        }));
    Tensor y = empty(out, DType::Float32);
    const bool clamp = act.kind == Activation::Kind::Clamp;
    pointwise_conv_panels(static_cast<const float*>(x.data_ptr()),
                          static_cast<const float*>(panels->data_ptr()), bp,
                          static_cast<float*>(y.data_ptr()), n, cin, cout, plane,
                          clamp ? act.lo : -INFINITY, clamp ? act.hi : INFINITY);
    return y;
  }
  if (pointwise) {
    Tensor y = empty(out, DType::Float32);
    auto* yp = static_cast<float*>(y.data_ptr());
    const auto* xp = static_cast<const float*>(x.data_ptr());
    const Operand a{static_cast<const float*>(w.data_ptr()), 'N', cin};
    // Few input channels make the product memory-bound: then blocks of 1024 columns each
    // get their bias, product and activation while in cache, split over the threads.
    constexpr int64_t kCols = 1024;
    if (cin <= 64 && plane >= 2 * kCols) {
      const int64_t per_image = (plane + kCols - 1) / kCols;
      parallel_for(0, n * per_image, 1, [&](int64_t k0, int64_t k1) {
        for (int64_t k = k0; k < k1; ++k) {
          const int64_t b = k / per_image, j0 = (k % per_image) * kCols;
          const int64_t nc = std::min(kCols, plane - j0);
          float* c = yp + b * cout * plane + j0;
          if (bp) {
            for (int64_t o = 0; o < cout; ++o) std::fill(c + o * plane, c + o * plane + nc, bp[o]);
          }
          sgemm(cout, nc, cin, a, Operand{xp + b * cin * plane + j0, 'N', plane}, c, 1.0f,
                bp ? 1.0f : 0.0f, plane);
          for (int64_t o = 0; o < cout; ++o) act.apply(c + o * plane, nc);
        }
      });
      return y;
    }
    for (int64_t b = 0; b < n; ++b) {
      float* c = yp + b * cout * plane;
      if (bp) {
        for (int64_t o = 0; o < cout; ++o) std::fill(c + o * plane, c + (o + 1) * plane, bp[o]);
      }
      sgemm(cout, plane, cin, a, Operand{xp + b * cin * plane, 'N', plane}, c, 1.0f,
            bp ? 1.0f : 0.0f);
    }
    if (act.kind != Activation::Kind::None) {
      parallel_for(0, y.numel(), kGrainSize,
                   [&](int64_t i0, int64_t i1) { act.apply(yp + i0, i1 - i0); });
    }
    return y;
  }
  if (nd == 2 && groups == cin && cout == cin && w.size(1) == 1 && s[1] <= 2) {
    Tensor y = empty(out, DType::Float32);
    const Window2d g{x.size(2), x.size(3), out[2], out[3], w.size(2), w.size(3),
                     s[0],      s[1],      p[0],   p[1],   d[0],      d[1]};
    // Clamps are applied in registers; a leaky slope after.
    const bool clamp = act.kind == Activation::Kind::Clamp;
    auto* yp = static_cast<float*>(y.data_ptr());
    depthwise_conv2d(static_cast<const float*>(x.data_ptr()),
                     static_cast<const float*>(w.data_ptr()), bp, yp, n * cin, cin, g,
                     clamp ? act.lo : -INFINITY, clamp ? act.hi : INFINITY);
    if (act.kind == Activation::Kind::Leaky) act.apply(yp, y.numel());
    return y;
  }
  return std::nullopt;
}

// A float32 convolution with its activation, or nullopt for the cases the reference kernel
// takes (other dtypes, geometries oneDNN cannot run, and every error).
std::optional<Tensor> run_conv(const Tensor& input, const Tensor& weight,
                               const std::optional<Tensor>& bias, IntArrayRef stride,
                               IntArrayRef padding, IntArrayRef dilation, bool transposed,
                               IntArrayRef output_padding, int64_t groups, const Activation& act) {
  const int64_t nd = input.dim() - 2;
  const bool has_bias = bias && bias->defined();
  const bool covered = input.dtype() == DType::Float32 && weight.dtype() == DType::Float32 &&
                       nd >= 1 && nd <= 3 && weight.dim() == input.dim() && groups >= 1 &&
                       input.numel() > 0 && (!has_bias || bias->dtype() == DType::Float32);
  if (!covered) return std::nullopt;
  // The reference kernel checks every argument and gives the output shape; its errors are
  // the op's. Here only the geometry is recomputed.
  const auto expand = [nd](IntArrayRef v, int64_t fallback) {
    std::vector<int64_t> out(static_cast<size_t>(nd), fallback);
    for (int64_t i = 0; i < nd; ++i)
      if (!v.empty()) out[static_cast<size_t>(i)] = v[v.size() == 1 ? 0 : static_cast<size_t>(i)];
    return out;
  };
  const auto s = expand(stride, 1), p = expand(padding, 0), d = expand(dilation, 1);
  const auto op_pad = expand(output_padding, 0);
  const auto n = static_cast<size_t>(nd);
  bool valid = stride.size() <= n && padding.size() <= n && dilation.size() <= n &&
               output_padding.size() <= n && input.size(1) % groups == 0 &&
               weight.size(0) % groups == 0;
  // Channels: a convolution's weight is [out, in / g, ...], a transposed one's [in, out / g, ...].
  const int64_t out_channels = transposed ? weight.size(1) * groups : weight.size(0);
  valid = valid &&
          (transposed ? weight.size(0) == input.size(1) : weight.size(1) * groups == input.size(1));
  Shape out{input.size(0), out_channels};
  for (int64_t i = 0; valid && i < nd; ++i) {
    const auto j = static_cast<size_t>(i);
    valid = s[j] > 0 && d[j] > 0 && p[j] >= 0 && op_pad[j] >= 0;
    const int64_t span = d[j] * (weight.size(2 + i) - 1) + 1;
    if (transposed) {
      // oneDNN takes output_padding as less right padding, so it may not exceed the padding.
      valid = valid && op_pad[j] <= p[j] && (op_pad[j] < s[j] || op_pad[j] < d[j]);
      const int64_t size = (input.size(2 + i) - 1) * s[j] - 2 * p[j] + span + op_pad[j];
      valid = valid && size > 0;
      out.push_back(valid ? size : 0);
    } else {
      valid = valid && op_pad[j] == 0;
      const int64_t padded = input.size(2 + i) + 2 * p[j];
      valid = valid && padded >= span;
      out.push_back(valid ? (padded - span) / s[j] + 1 : 0);
    }
  }
  if (!valid || (has_bias && bias->numel() != out_channels)) return std::nullopt;
  const Tensor x = input.contiguous(), w = weight.contiguous();
  if (!transposed) {
    if (auto y = direct_conv(x, w, has_bias ? bias->contiguous() : Tensor(), out, s, p, d, groups,
                             act)) {
      return *y;
    }
  }
  const ConvPrimitive& cp =
      conv_primitive(x, w, has_bias, out, s, p, d, groups, transposed, op_pad, act);
  Tensor result = empty(out, TensorOptions(DType::Float32, input.device()));
  dnnl::stream stream(cpu_engine());
  // Buffers for the primitive's layouts come from tessera's allocator (its cache of large
  // blocks saves faulting fresh pages on every call).
  std::vector<Tensor> buffers;
  const auto buffer = [&](const dnnl::memory::desc& want) {
    buffers.push_back(empty({static_cast<int64_t>(want.get_size())}, DType::UInt8));
    return dnnl::memory(want, cpu_engine(), buffers.back().data_ptr());
  };
  // The tensor as the primitive wants it: itself, or a reordered copy.
  const auto to_primitive = [&](const dnnl::memory::desc& user, const dnnl::memory::desc& want,
                                const std::optional<dnnl::reorder>& reorder, void* data) {
    dnnl::memory mem(user, cpu_engine(), data);
    if (!reorder) return mem;
    dnnl::memory out = buffer(want);
    reorder->execute(stream, {{DNNL_ARG_FROM, mem}, {DNNL_ARG_TO, out}});
    return out;
  };
  dnnl::memory src_mem = to_primitive(cp.user_src, cp.src, cp.src_in, x.data_ptr());
  // Frozen weights (a Session's constants) are reordered once and kept with their storage
  // (Note [Frozen storage]); others on every call.
  dnnl::memory w_mem;
  if (cp.weights_in && w.storage()->frozen() && w.storage_offset() == 0) {
    const auto packed = std::static_pointer_cast<Tensor>(w.storage()->derived(cp.weights_key, [&] {
      auto t = std::make_shared<Tensor>(
          empty({static_cast<int64_t>(cp.weights.get_size())}, DType::UInt8));
      dnnl::memory from(cp.user_weights, cpu_engine(), w.data_ptr());
      dnnl::memory to(cp.weights, cpu_engine(), t->data_ptr());
      cp.weights_in->execute(stream, {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}});
      stream.wait();
      return std::static_pointer_cast<void>(t);
    }));
    w_mem = dnnl::memory(cp.weights, cpu_engine(), packed->data_ptr());
  } else {
    w_mem = to_primitive(cp.user_weights, cp.weights, cp.weights_in, w.data_ptr());
  }
  dnnl::memory user_dst(cp.user_dst, cpu_engine(), result.data_ptr());
  dnnl::memory dst_mem = cp.dst_out ? buffer(cp.dst) : user_dst;
  std::unordered_map<int, dnnl::memory> args{
      {DNNL_ARG_SRC, src_mem}, {DNNL_ARG_WEIGHTS, w_mem}, {DNNL_ARG_DST, dst_mem}};
  Tensor b;
  if (has_bias) {
    b = bias->contiguous();
    args.emplace(DNNL_ARG_BIAS, dnnl::memory(cp.bias, cpu_engine(), b.data_ptr()));
  }
  cp.prim.execute(stream, args);
  if (cp.dst_out) cp.dst_out->execute(stream, {{DNNL_ARG_FROM, dst_mem}, {DNNL_ARG_TO, user_dst}});
  stream.wait();
  return result;
}

Tensor conv_kernel(const Tensor& input, const Tensor& weight, const std::optional<Tensor>& bias,
                   IntArrayRef stride, IntArrayRef padding, IntArrayRef dilation, bool transposed,
                   IntArrayRef output_padding, int64_t groups) {
  if (auto y = run_conv(input, weight, bias, stride, padding, dilation, transposed, output_padding,
                        groups, Activation{})) {
    return *y;
  }
  static const auto op = ops::convolution_op().typed<ConvSigExact>();
  return op.redispatch(kBackendReference, input, weight, bias, stride, padding, dilation,
                       transposed, output_padding, groups);
}

// float16/bfloat16 convolution with float32 accumulation: the operands widened to float32,
// the float32 paths above, one rounding back (for CPUs without AVX512-BF16/AMX, where
// oneDNN has no faster 16-bit kernels). Mixed dtypes and what run_conv leaves go to the
// reference.
Tensor half_conv_kernel(const Tensor& input, const Tensor& weight,
                        const std::optional<Tensor>& bias, IntArrayRef stride, IntArrayRef padding,
                        IntArrayRef dilation, bool transposed, IntArrayRef output_padding,
                        int64_t groups) {
  const DType dt = input.dtype();
  const bool has_bias = bias && bias->defined();
  if (weight.dtype() == dt && (!has_bias || bias->dtype() == dt)) {
    const auto wide = [](const Tensor& t) { return cast(t, DType::Float32); };
    const std::optional<Tensor> b = has_bias ? std::optional<Tensor>(wide(*bias)) : std::nullopt;
    if (auto y = run_conv(wide(input), wide(weight), b, stride, padding, dilation, transposed,
                          output_padding, groups, Activation{})) {
      return cast(*y, dt);
    }
  }
  static const auto op = ops::convolution_op().typed<ConvSigExact>();
  return op.redispatch(kBackendReference, input, weight, bias, stride, padding, dilation,
                       transposed, output_padding, groups);
}

using ConvActSig = Tensor(const Tensor&, const Tensor&, const std::optional<Tensor>&, IntArrayRef,
                          IntArrayRef, IntArrayRef, int64_t, std::string_view,
                          const std::vector<double>&);

Tensor conv_activation_kernel(const Tensor& input, const Tensor& weight,
                              const std::optional<Tensor>& bias, IntArrayRef stride,
                              IntArrayRef padding, IntArrayRef dilation, int64_t groups,
                              std::string_view activation, const std::vector<double>& params) {
  Activation act;
  if (activation == "relu" && params.empty()) {
    act = {Activation::Kind::Clamp, 0.0f, INFINITY, 0.0f};
  } else if (activation == "clamp" && params.size() == 2) {
    act = {Activation::Kind::Clamp, static_cast<float>(params[0]), static_cast<float>(params[1]),
           0.0f};
  } else if (activation == "leaky_relu" && params.size() == 1) {
    act = {Activation::Kind::Leaky, 0.0f, 0.0f, static_cast<float>(params[0])};
  }
  if (act.kind != Activation::Kind::None) {
    if (auto y =
            run_conv(input, weight, bias, stride, padding, dilation, false, {0}, groups, act)) {
      return *y;
    }
  }
  static const auto op = ops::convolution_activation_op().typed<ConvActSig>();
  return op.redispatch(kBackendReference, input, weight, bias, stride, padding, dilation, groups,
                       activation, params);
}

}  // namespace

TSR_REGISTER {
  Dispatcher::get().impl(ops::convolution_op(), kBackendCPU, DType::Float32,
                         KernelFunction::from_unboxed(&conv_kernel));
  Dispatcher::get().impl(ops::convolution_activation_op(), kBackendCPU, DType::Float32,
                         KernelFunction::from_unboxed(&conv_activation_kernel));
  for (DType d : {DType::Float16, DType::BFloat16}) {
    Dispatcher::get().impl(ops::convolution_op(), kBackendCPU, d,
                           KernelFunction::from_unboxed(&half_conv_kernel));
  }
}

}  // namespace tessera::cpu
