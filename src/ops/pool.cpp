// max_pool (with indices), avg_pool, adaptive_avg_pool, adaptive_max_pool over the trailing
// 1 to 3 dims, and pad (constant, reflect, replicate, circular): schemas and reference
// kernels. Pools work on planes of up to 3 dims (fewer dims are 3 with leading sizes 1);
// every leading dim is a batch dim.
#include <array>
#include <cmath>
#include <limits>

#include "api/functions.h"
#include "ops/elementwise.h"
#include "ops/handles.h"
#include "ops/output_size.h"

namespace tessera {
namespace ops {
TSR_OP(max_pool,
       "max_pool(Tensor self, int[] kernel_size, int[] stride=[], int[] padding=[0], int[] "
       "dilation=[1], bool ceil_mode=False) -> (Tensor values, Tensor indices)")
TSR_OP(avg_pool,
       "avg_pool(Tensor self, int[] kernel_size, int[] stride=[], int[] padding=[0], bool "
       "ceil_mode=False, bool count_include_pad=True, int? divisor_override=None) -> Tensor")
TSR_OP(adaptive_avg_pool, "adaptive_avg_pool(Tensor self, int[] output_size) -> Tensor")
TSR_OP(adaptive_max_pool,
       "adaptive_max_pool(Tensor self, int[] output_size) -> (Tensor values, Tensor indices)")
TSR_OP(pad, "pad(Tensor self, int[] pad, str mode='constant', float? value=None) -> Tensor")
}  // namespace ops
using namespace ops;

namespace {

using Dims3 = std::array<int64_t, 3>;

// The geometry of a pooling: n pooled dims, the plane's input and output sizes (as 3-d),
// kernel, stride, padding, dilation, and how many planes there are.
struct Pool {
  int64_t n = 0, planes = 0;
  Dims3 in{1, 1, 1}, out{1, 1, 1}, k{1, 1, 1}, s{1, 1, 1}, p{0, 0, 0}, d{1, 1, 1};
  Shape out_shape;
};

Pool plan_pool(const Tensor& self, IntArrayRef kernel, IntArrayRef stride, IntArrayRef padding,
               IntArrayRef dilation, bool ceil_mode, const char* op) {
  Pool g;
  g.n = static_cast<int64_t>(kernel.size());
  TSR_CHECK(g.n >= 1 && g.n <= 3, op, ": kernel_size must have 1 to 3 values, got ", kernel);
  TSR_CHECK(self.dim() == g.n + 1 || self.dim() == g.n + 2, op, ": expected a ", g.n + 1, "-D or ",
            g.n + 2, "-D input for a ", g.n, "-d kernel, got ", self.dim(), "-D ", self.sizes());
  for (const auto& [v, name] : {std::pair{stride, "stride"}, std::pair{padding, "padding"},
                                std::pair{dilation, "dilation"}})
    TSR_CHECK(v.size() <= 1 || static_cast<int64_t>(v.size()) == g.n, op, ": ", name,
              " must have 1 or ", g.n, " values, got ", v);
  g.out_shape = Shape(self.sizes());
  g.planes = 1;
  for (int64_t i = 0; i < self.dim() - g.n; ++i) g.planes *= self.size(i);
  for (int64_t i = 0; i < g.n; ++i) {
    const auto j = static_cast<size_t>(3 - g.n + i);
    g.in[j] = self.size(self.dim() - g.n + i);
    g.k[j] = window_param(kernel, i, 1);
    g.s[j] = window_param(stride, i, g.k[j]);
    g.p[j] = window_param(padding, i, 0);
    g.d[j] = window_param(dilation, i, 1);
    TSR_CHECK(g.k[j] > 0 && g.s[j] > 0 && g.d[j] > 0, op,
              ": kernel_size, stride and dilation must be positive");
    TSR_CHECK(g.p[j] >= 0 && g.p[j] <= (g.d[j] * (g.k[j] - 1) + 1) / 2, op,
              ": pad should be at most half of effective kernel size, but got pad=", g.p[j],
              ", kernel_size=", g.k[j], " and dilation=", g.d[j]);
    const int64_t o = pool_output_size(g.in[j], g.k[j], g.s[j], g.p[j], g.d[j], ceil_mode);
    TSR_CHECK(o > 0, op, ": output size is too small: input ", self.sizes(), ", kernel ", kernel,
              ", padding ", padding, ", dilation ", dilation);
    g.out[j] = o;
    g.out_shape[static_cast<size_t>(self.dim() - g.n + i)] = o;
  }
  return g;
}

int64_t at3(const Dims3& size, int64_t a, int64_t b, int64_t c) {
  return (a * size[1] + b) * size[2] + c;
}

// The running maximum of a pooling window: the first maximum wins; NaN beats every number.
template <typename C>
struct WindowMax {
  int64_t index = -1;
  C value{};
  void offer(int64_t i, C v) {
    if (index < 0 || v > value || (v != v && value == value)) {
      index = i;
      value = v;
    }
  }
};

template <typename T>
std::tuple<Tensor, Tensor> max_pool_kernel(const Tensor& self, IntArrayRef kernel,
                                           IntArrayRef stride, IntArrayRef padding,
                                           IntArrayRef dilation, bool ceil_mode) {
  const Pool g = plan_pool(self, kernel, stride, padding, dilation, ceil_mode, "max_pool");
  const Tensor x = self.contiguous();
  Tensor values = empty(g.out_shape, TensorOptions(dtype_of<T>, self.device()));
  Tensor indices = empty(g.out_shape, TensorOptions(DType::Int64, self.device()));
  const T* in = static_cast<const T*>(x.data_ptr());
  T* v = static_cast<T*>(values.data_ptr());
  auto* ix = static_cast<int64_t*>(indices.data_ptr());
  const int64_t in_plane = g.in[0] * g.in[1] * g.in[2], out_plane = g.out[0] * g.out[1] * g.out[2];
  using C = compute_t<T>;
  for (int64_t pl = 0; pl < g.planes; ++pl) {
    for (int64_t o0 = 0; o0 < g.out[0]; ++o0)
      for (int64_t o1 = 0; o1 < g.out[1]; ++o1)
        for (int64_t o2 = 0; o2 < g.out[2]; ++o2) {
          WindowMax<C> m;
          for (int64_t k0 = 0; k0 < g.k[0]; ++k0) {
            const int64_t i0 = o0 * g.s[0] - g.p[0] + k0 * g.d[0];
            if (i0 < 0 || i0 >= g.in[0]) continue;
            for (int64_t k1 = 0; k1 < g.k[1]; ++k1) {
              const int64_t i1 = o1 * g.s[1] - g.p[1] + k1 * g.d[1];
              if (i1 < 0 || i1 >= g.in[1]) continue;
              for (int64_t k2 = 0; k2 < g.k[2]; ++k2) {
                const int64_t i2 = o2 * g.s[2] - g.p[2] + k2 * g.d[2];
                if (i2 < 0 || i2 >= g.in[2]) continue;
                const int64_t idx = at3(g.in, i0, i1, i2);
                m.offer(idx, C(in[pl * in_plane + idx]));
              }
            }
          }
          const int64_t o = pl * out_plane + at3(g.out, o0, o1, o2);
          v[o] = in[pl * in_plane + m.index];
          ix[o] = m.index;
        }
  }
  return {values, indices};
}

template <typename T>
Tensor avg_pool_kernel(const Tensor& self, IntArrayRef kernel, IntArrayRef stride,
                       IntArrayRef padding, bool ceil_mode, bool count_include_pad,
                       std::optional<int64_t> divisor) {
  TSR_CHECK(!divisor || *divisor != 0, "avg_pool: divisor must be not zero");
  const Pool g = plan_pool(self, kernel, stride, padding, {1}, ceil_mode, "avg_pool");
  const Tensor x = self.contiguous();
  Tensor out = empty(g.out_shape, TensorOptions(dtype_of<T>, self.device()));
  const T* in = static_cast<const T*>(x.data_ptr());
  T* o = static_cast<T*>(out.data_ptr());
  const int64_t in_plane = g.in[0] * g.in[1] * g.in[2], out_plane = g.out[0] * g.out[1] * g.out[2];
  for (int64_t pl = 0; pl < g.planes; ++pl) {
    for (int64_t o0 = 0; o0 < g.out[0]; ++o0)
      for (int64_t o1 = 0; o1 < g.out[1]; ++o1)
        for (int64_t o2 = 0; o2 < g.out[2]; ++o2) {
          // The window, clipped to the padded input (its size counts the padding) and then
          // to the input (what is summed), as PyTorch.
          Dims3 lo{}, hi{};
          int64_t padded = 1, inside = 1;
          const Dims3 oo{o0, o1, o2};
          for (size_t j = 0; j < 3; ++j) {
            lo[j] = oo[j] * g.s[j] - g.p[j];
            hi[j] = std::min(lo[j] + g.k[j], g.in[j] + g.p[j]);
            padded *= hi[j] - lo[j];
            lo[j] = std::max<int64_t>(lo[j], 0);
            hi[j] = std::min(hi[j], g.in[j]);
            inside *= std::max<int64_t>(hi[j] - lo[j], 0);
          }
          double sum = 0;
          for (int64_t i0 = lo[0]; i0 < hi[0]; ++i0)
            for (int64_t i1 = lo[1]; i1 < hi[1]; ++i1)
              for (int64_t i2 = lo[2]; i2 < hi[2]; ++i2)
                sum += convert<double>(in[pl * in_plane + at3(g.in, i0, i1, i2)]);
          const double div = divisor ? static_cast<double>(*divisor)
                                     : static_cast<double>(count_include_pad ? padded : inside);
          o[pl * out_plane + at3(g.out, o0, o1, o2)] = convert<T>(sum / div);
        }
  }
  return out;
}

// Adaptive pooling: output cell o of a dim of size in covers [floor(o*in/out), ceil((o+1)*in/out)).
struct Adaptive {
  Pool g;
  int64_t start(size_t j, int64_t o) const { return (o * g.in[j]) / g.out[j]; }
  int64_t end(size_t j, int64_t o) const { return ((o + 1) * g.in[j] + g.out[j] - 1) / g.out[j]; }
};

Adaptive plan_adaptive(const Tensor& self, IntArrayRef output_size, const char* op) {
  Adaptive a;
  Pool& g = a.g;
  g.n = static_cast<int64_t>(output_size.size());
  TSR_CHECK(g.n >= 1 && g.n <= 3, op, ": output_size must have 1 to 3 values, got ", output_size);
  TSR_CHECK(self.dim() == g.n + 1 || self.dim() == g.n + 2, op, ": expected a ", g.n + 1, "-D or ",
            g.n + 2, "-D input, got ", self.sizes());
  g.out_shape = Shape(self.sizes());
  g.planes = 1;
  for (int64_t i = 0; i < self.dim() - g.n; ++i) g.planes *= self.size(i);
  for (int64_t i = 0; i < g.n; ++i) {
    const auto j = static_cast<size_t>(3 - g.n + i);
    g.in[j] = self.size(self.dim() - g.n + i);
    g.out[j] = output_size[static_cast<size_t>(i)];
    TSR_CHECK(g.out[j] >= 0, op, ": output_size must be non-negative, got ", output_size);
    TSR_CHECK(g.in[j] > 0 || g.out[j] == 0, op, ": input ", self.sizes(),
              " has an empty pooled dim");
    g.out_shape[static_cast<size_t>(self.dim() - g.n + i)] = g.out[j];
  }
  return a;
}

template <typename T>
Tensor adaptive_avg_kernel(const Tensor& self, IntArrayRef output_size) {
  const Adaptive a = plan_adaptive(self, output_size, "adaptive_avg_pool");
  const Pool& g = a.g;
  const Tensor x = self.contiguous();
  Tensor out = empty(g.out_shape, TensorOptions(dtype_of<T>, self.device()));
  const T* in = static_cast<const T*>(x.data_ptr());
  T* o = static_cast<T*>(out.data_ptr());
  const int64_t in_plane = g.in[0] * g.in[1] * g.in[2], out_plane = g.out[0] * g.out[1] * g.out[2];
  for (int64_t pl = 0; pl < g.planes; ++pl)
    for (int64_t o0 = 0; o0 < g.out[0]; ++o0)
      for (int64_t o1 = 0; o1 < g.out[1]; ++o1)
        for (int64_t o2 = 0; o2 < g.out[2]; ++o2) {
          using Acc = std::conditional_t<is_complex_v<T>, complex128, double>;
          Acc sum{};
          int64_t count = 0;
          for (int64_t i0 = a.start(0, o0); i0 < a.end(0, o0); ++i0)
            for (int64_t i1 = a.start(1, o1); i1 < a.end(1, o1); ++i1)
              for (int64_t i2 = a.start(2, o2); i2 < a.end(2, o2); ++i2) {
                sum += convert<Acc>(in[pl * in_plane + at3(g.in, i0, i1, i2)]);
                ++count;
              }
          o[pl * out_plane + at3(g.out, o0, o1, o2)] = convert<T>(sum / static_cast<double>(count));
        }
  return out;
}

template <typename T>
std::tuple<Tensor, Tensor> adaptive_max_kernel(const Tensor& self, IntArrayRef output_size) {
  const Adaptive a = plan_adaptive(self, output_size, "adaptive_max_pool");
  const Pool& g = a.g;
  const Tensor x = self.contiguous();
  Tensor values = empty(g.out_shape, TensorOptions(dtype_of<T>, self.device()));
  Tensor indices = empty(g.out_shape, TensorOptions(DType::Int64, self.device()));
  const T* in = static_cast<const T*>(x.data_ptr());
  T* v = static_cast<T*>(values.data_ptr());
  auto* ix = static_cast<int64_t*>(indices.data_ptr());
  const int64_t in_plane = g.in[0] * g.in[1] * g.in[2], out_plane = g.out[0] * g.out[1] * g.out[2];
  using C = compute_t<T>;
  for (int64_t pl = 0; pl < g.planes; ++pl)
    for (int64_t o0 = 0; o0 < g.out[0]; ++o0)
      for (int64_t o1 = 0; o1 < g.out[1]; ++o1)
        for (int64_t o2 = 0; o2 < g.out[2]; ++o2) {
          WindowMax<C> m;
          for (int64_t i0 = a.start(0, o0); i0 < a.end(0, o0); ++i0)
            for (int64_t i1 = a.start(1, o1); i1 < a.end(1, o1); ++i1)
              for (int64_t i2 = a.start(2, o2); i2 < a.end(2, o2); ++i2) {
                const int64_t idx = at3(g.in, i0, i1, i2);
                m.offer(idx, C(in[pl * in_plane + idx]));
              }
          const int64_t o = pl * out_plane + at3(g.out, o0, o1, o2);
          v[o] = in[pl * in_plane + m.index];
          ix[o] = m.index;
        }
  return {values, indices};
}

// pad: constant writes self into a filled tensor (negative pads crop); the other modes
// gather along each padded dim by index_select with the mode's index map.
Tensor pad_kernel(const Tensor& self, IntArrayRef pads, std::string_view mode,
                  std::optional<double> value) {
  TSR_CHECK(pads.size() % 2 == 0, "pad: padding length must be divisible by 2, got ", pads.size());
  const auto npad = static_cast<int64_t>(pads.size() / 2);
  TSR_CHECK(npad <= self.dim(), "pad: padding length (", pads.size(),
            ") is too large for an input of ", self.dim(), " dims");
  Shape shape(self.sizes());
  for (int64_t i = 0; i < npad; ++i) {
    const int64_t d = self.dim() - 1 - i;
    shape[static_cast<size_t>(d)] +=
        pads[static_cast<size_t>(2 * i)] + pads[static_cast<size_t>(2 * i + 1)];
    TSR_CHECK(shape[static_cast<size_t>(d)] >= 0, "pad: the padded size of dim ", d,
              " would be negative: ", shape[static_cast<size_t>(d)]);
  }
  if (mode == "constant") {
    Tensor out = full(shape, value.value_or(0.0), TensorOptions(self.dtype(), self.device()));
    Tensor src = self, dst = out;
    for (int64_t i = 0; i < npad; ++i) {
      const int64_t d = self.dim() - 1 - i;
      const int64_t l = pads[static_cast<size_t>(2 * i)], r = pads[static_cast<size_t>(2 * i + 1)];
      const int64_t n = self.size(d);
      const int64_t from = std::max<int64_t>(0, -l),
                    to = std::max<int64_t>(from, n - std::max<int64_t>(0, -r));
      src = src.slice(d, from, to);
      dst = dst.slice(d, std::max<int64_t>(0, l), std::max<int64_t>(0, l) + (to - from));
    }
    if (src.numel() > 0) dst.copy_(src);
    return out;
  }
  TSR_CHECK(!value || *value == 0, "pad: padding mode \"", mode,
            "\" doesn't take in value argument");
  TSR_CHECK(mode == "reflect" || mode == "replicate" || mode == "circular",
            "pad: mode must be constant, reflect, replicate or circular, not '", mode, "'");
  Tensor out = self;
  for (int64_t i = 0; i < npad; ++i) {
    const int64_t d = self.dim() - 1 - i;
    const int64_t l = pads[static_cast<size_t>(2 * i)], r = pads[static_cast<size_t>(2 * i + 1)];
    const int64_t n = self.size(d);
    if (mode == "reflect") {
      TSR_CHECK(l < n && r < n,
                "pad: padding size should be less than the corresponding input "
                "dimension, but got: padding (",
                l, ", ", r, ") at dimension ", d, " of input ", self.sizes());
    } else if (mode == "circular") {
      TSR_CHECK(l <= n && r <= n,
                "pad: padding value causes wrapping around more than once "
                "(padding (",
                l, ", ", r, ") at dimension ", d, " of size ", n, ")");
    } else {
      TSR_CHECK(n > 0 || (l <= 0 && r <= 0), "pad: cannot replicate-pad an empty dim ", d);
    }
    Tensor index = empty({n + l + r}, DType::Int64);
    auto* p = static_cast<int64_t*>(index.data_ptr());
    for (int64_t j = -l; j < n + r; ++j) {
      int64_t k = j;
      if (mode == "reflect") {
        k = j < 0 ? -j : (j >= n ? 2 * (n - 1) - j : j);
      } else if (mode == "replicate") {
        k = std::clamp<int64_t>(j, 0, n - 1);
      } else {
        k = ((j % n) + n) % n;
      }
      p[j + l] = k;
    }
    out = index_select(out, d, index);
  }
  return out.is_same(self) ? self.clone() : out;
}

}  // namespace

TSR_REGISTER {
  using Numbers = dtypes_of<DTypeCategory::Integer, DTypeCategory::Floating>;
  impl_for(max_pool_op(), kBackendReference, Numbers{},
           []<typename T>() { return &max_pool_kernel<T>; });
  // Integer averages truncate, as PyTorch's.
  impl_for(avg_pool_op(), kBackendReference, Numbers{},
           []<typename T>() { return &avg_pool_kernel<T>; });
  impl_for(adaptive_avg_pool_op(), kBackendReference, InexactDTypes{},
           []<typename T>() { return &adaptive_avg_kernel<T>; });
  impl_for(adaptive_max_pool_op(), kBackendReference, Numbers{},
           []<typename T>() { return &adaptive_max_kernel<T>; });
  impl_generic(pad_op(), kBackendReference, &pad_kernel);
}

std::tuple<Tensor, Tensor> max_pool_with_indices(const Tensor& self, IntArrayRef kernel_size,
                                                 IntArrayRef stride, IntArrayRef padding,
                                                 IntArrayRef dilation, bool ceil_mode) {
  static const auto op =
      max_pool_op()
          .typed<std::tuple<Tensor, Tensor>(const Tensor&, IntArrayRef, IntArrayRef, IntArrayRef,
                                            IntArrayRef, bool)>();
  return op.call(self, kernel_size, stride, padding, dilation, ceil_mode);
}
#define TSR_MAX_POOL_API(nd)                                                                     \
  Tensor max_pool##nd##d(const Tensor& self, IntArrayRef kernel_size, IntArrayRef stride,        \
                         IntArrayRef padding, IntArrayRef dilation, bool ceil_mode) {            \
    TSR_CHECK(kernel_size.size() == 1 || kernel_size.size() == nd,                               \
              "max_pool" #nd "d: kernel_size must have 1 or " #nd " values, got ", kernel_size); \
    Shape k(nd, kernel_size[0]);                                                                 \
    if (kernel_size.size() == nd) k = Shape(kernel_size);                                        \
    return std::get<0>(max_pool_with_indices(self, k, stride, padding, dilation, ceil_mode));    \
  }
TSR_MAX_POOL_API(1)
TSR_MAX_POOL_API(2)
TSR_MAX_POOL_API(3)
#undef TSR_MAX_POOL_API
Tensor avg_pool(const Tensor& self, IntArrayRef kernel_size, IntArrayRef stride,
                IntArrayRef padding, bool ceil_mode, bool count_include_pad,
                std::optional<int64_t> divisor_override) {
  static const auto op = avg_pool_op()
                             .typed<Tensor(const Tensor&, IntArrayRef, IntArrayRef, IntArrayRef,
                                           bool, bool, std::optional<int64_t>)>();
  return op.call(self, kernel_size, stride, padding, ceil_mode, count_include_pad,
                 divisor_override);
}
Tensor adaptive_avg_pool(const Tensor& self, IntArrayRef output_size) {
  static const auto op = adaptive_avg_pool_op().typed<Tensor(const Tensor&, IntArrayRef)>();
  return op.call(self, output_size);
}
std::tuple<Tensor, Tensor> adaptive_max_pool(const Tensor& self, IntArrayRef output_size) {
  static const auto op =
      adaptive_max_pool_op().typed<std::tuple<Tensor, Tensor>(const Tensor&, IntArrayRef)>();
  return op.call(self, output_size);
}
Tensor pad(const Tensor& self, IntArrayRef pad, std::string_view mode,
           std::optional<double> value) {
  static const auto op =
      pad_op().typed<Tensor(const Tensor&, IntArrayRef, std::string_view, std::optional<double>)>();
  return op.call(self, pad, mode, value);
}

}  // namespace tessera
