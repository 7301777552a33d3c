// Vectorised cpu reductions of contiguous float32/float64 tensors over one block of
// adjacent dims: sum, mean, prod, max, min, amax, amin, linalg_vector_norm (ord 1, 2, inf),
// logsumexp, var and std, any and all (bool too); max/min with indices, argmax and argmin along a
// dim; and cumsum/cumprod along any dim. Other cases (strided inputs, dims that are not adjacent,
// dtype conversions, empty reductions and every error) are the reference kernel's. See
// Note [CPU reductions].
//
// Note [CPU reductions]
// A contiguous tensor reduced over the adjacent dims [a, b) is a [outer, red, inner] array.
// With inner == 1 each output is a row of red contiguous elements ("row" mode: vector
// accumulators along the row); otherwise each output is a column read with stride inner
// ("column" mode: a tile of columns accumulated row after row, so memory is read in order).
// Rows and column tiles are split over the intra-op threads; a whole-tensor reduction is
// cut into fixed chunks whose partial results are combined in order, so results do not
// depend on the thread count. Float32 sums accumulate in float32 vectors along a row (four
// interleaved accumulators) and down columns in float32 groups of 8 rows added in float64.
// max/min give NaN when any element is NaN.

// Highway's per-target re-inclusion needs this order.
// clang-format off
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "backends/cpu/kernels/reduce.cpp"
#include <hwy/foreach_target.h>  // NOLINT: re-includes this file once per target
#include <hwy/highway.h>
#include <hwy/contrib/math/math-inl.h>
#include "backends/cpu/kernels/exp-inl.h"
// clang-format on

#include <bit>
#include <cmath>
#include <limits>
#include <optional>
#include <vector>

#ifndef TSR_CPU_REDUCE_KINDS
#define TSR_CPU_REDUCE_KINDS
namespace tessera::cpu {
// What is accumulated: x, |x|, x^2 (summed), x (multiplied), x or |x| (largest), x (smallest).
enum class Reduce { Sum, AbsSum, SumSq, Prod, Max, AbsMax, Min };
// How partial results of k are combined: sums of |x| or x^2 are added, maxima of |x| are
// maxima.
constexpr Reduce CombineOf(Reduce k) {
  return k == Reduce::AbsSum || k == Reduce::SumSq ? Reduce::Sum
         : k == Reduce::AbsMax                     ? Reduce::Max
                                                   : k;
}
}  // namespace tessera::cpu
#endif

HWY_BEFORE_NAMESPACE();
namespace tessera::cpu::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

template <Reduce K, typename T>
constexpr T Identity() {
  if constexpr (K == Reduce::Prod) return T(1);
  constexpr bool kInf = std::numeric_limits<T>::has_infinity;  // integers: their extremes
  if constexpr (K == Reduce::Max || K == Reduce::AbsMax)
    return kInf ? -std::numeric_limits<T>::infinity() : std::numeric_limits<T>::lowest();
  if constexpr (K == Reduce::Min)
    return kInf ? std::numeric_limits<T>::infinity() : std::numeric_limits<T>::max();
  return T(0);
}

// acc combined with x; max and min keep NaN (a NaN operand gives a NaN sum).
template <Reduce K, class V>
HWY_INLINE V Step(V acc, V x) {
  if constexpr (K == Reduce::Sum) return hn::Add(acc, x);
  if constexpr (K == Reduce::AbsSum) return hn::Add(acc, hn::Abs(x));
  if constexpr (K == Reduce::SumSq) return hn::MulAdd(x, x, acc);
  if constexpr (K == Reduce::Prod) return hn::Mul(acc, x);
  if constexpr (K == Reduce::Max || K == Reduce::AbsMax || K == Reduce::Min) {
    const V y = K == Reduce::AbsMax ? hn::Abs(x) : x;
    const V best = K == Reduce::Min ? hn::Min(acc, y) : hn::Max(acc, y);
    if constexpr (!hwy::IsFloat<hn::TFromV<V>>()) {
      return best;
    } else {
      return hn::IfThenElse(hn::Or(hn::IsNaN(acc), hn::IsNaN(y)), hn::Add(acc, y), best);
    }
  }
}

template <Reduce K, typename T>
HWY_INLINE T ScalarStep(T acc, T x) {
  if constexpr (K == Reduce::Sum) return acc + x;
  if constexpr (K == Reduce::AbsSum) return acc + std::fabs(x);
  if constexpr (K == Reduce::SumSq) return std::fma(x, x, acc);
  if constexpr (K == Reduce::Prod) return acc * x;
  if constexpr (K == Reduce::Max || K == Reduce::AbsMax || K == Reduce::Min) {
    const T y = K == Reduce::AbsMax ? std::fabs(x) : x;
    if (acc != acc || y != y) return acc + y;
    return K == Reduce::Min ? std::min(acc, y) : std::max(acc, y);
  }
}

template <Reduce K, class D, class V>
HWY_INLINE hn::TFromD<D> Lanes(D d, V v) {
  using T = hn::TFromD<D>;
  if constexpr (K == Reduce::Sum || K == Reduce::AbsSum || K == Reduce::SumSq) {
    return hn::GetLane(hn::SumOfLanes(d, v));
  } else {
    HWY_ALIGN T lanes[hn::MaxLanes(d)];
    hn::Store(v, d, lanes);
    T r = Identity<K, T>();
    for (size_t i = 0; i < hn::Lanes(d); ++i) r = ScalarStep<K>(r, lanes[i]);
    return r;
  }
}

// The reduction of one contiguous row: four interleaved vector accumulators, then the
// lanes, then the tail.
// With kCentered, x - center is reduced (the squared deviations of var and std).
template <Reduce K, typename T, bool kCentered = false>
HWY_INLINE T Row(const T* p, size_t n, T center = 0) {
  const hn::ScalableTag<T> d;
  const size_t lanes = hn::Lanes(d);
  const auto vc = hn::Set(d, center);
  auto load = [&](const T* at) {
    const auto x = hn::LoadU(d, at);
    return kCentered ? hn::Sub(x, vc) : x;
  };
  const auto id = hn::Set(d, Identity<K, T>());
  auto s0 = id, s1 = id, s2 = id, s3 = id;
  // Extremes: plain max/min in the loop, NaN lanes remembered aside (cheaper than keeping
  // NaN in each step).
  constexpr bool kExtreme = K == Reduce::Max || K == Reduce::AbsMax || K == Reduce::Min;
  auto nan = hn::Zero(d);
  auto step = [&](auto acc, auto x) {
    if constexpr (kExtreme) {
      if constexpr (hwy::IsFloat<T>()) nan = hn::Or(nan, hn::VecFromMask(d, hn::IsNaN(x)));
      const auto y = K == Reduce::AbsMax ? hn::Abs(x) : x;
      return K == Reduce::Min ? hn::Min(acc, y) : hn::Max(acc, y);
    } else {
      return Step<K>(acc, x);
    }
  };
  size_t i = 0;
  for (; i + 4 * lanes <= n; i += 4 * lanes) {
    s0 = step(s0, load(p + i));
    s1 = step(s1, load(p + i + lanes));
    s2 = step(s2, load(p + i + 2 * lanes));
    s3 = step(s3, load(p + i + 3 * lanes));
  }
  for (; i + lanes <= n; i += lanes) s0 = step(s0, load(p + i));
  constexpr Reduce kCombine = CombineOf(K);
  T r = Lanes<kCombine>(d, Step<kCombine>(Step<kCombine>(s0, s1), Step<kCombine>(s2, s3)));
  if (kExtreme && !hn::AllTrue(d, hn::Eq(nan, hn::Zero(d)))) {
    return std::numeric_limits<T>::quiet_NaN();
  }
  for (; i < n; ++i) r = ScalarStep<K>(r, kCentered ? p[i] - center : p[i]);
  return r;
}

// Columns [0, ncols) of a [red, stride] array: out[c] = the reduction of p[r * stride + c]
// over r. Groups of kGroup rows are read side by side (long sequential streams, which the
// prefetchers follow) into a tile of kTile accumulators that stays in L2. Sums of float
// add each group in float, the groups' sums in double.
// With kCentered, p[r * stride + c] - center[c] is reduced.
template <Reduce K, typename T, bool kCentered = false>
HWY_INLINE void Columns(const T* p, size_t red, size_t stride, size_t ncols, T* out,
                        const T* center = nullptr) {
  constexpr bool kWide =
      std::is_same_v<T, float> && (K == Reduce::Sum || K == Reduce::AbsSum || K == Reduce::SumSq);
  constexpr Reduce kCombine = CombineOf(K);
  constexpr size_t kTile = 2048, kGroup = 8;
  const hn::ScalableTag<T> d;
  const size_t lanes = hn::Lanes(d);
  HWY_ALIGN T acc[kTile];
  HWY_ALIGN double wide[kWide ? kTile : 1];
  for (size_t c0 = 0; c0 < ncols; c0 += kTile) {
    const size_t w = std::min(kTile, ncols - c0);
    for (size_t j = 0; j < w; ++j) {
      acc[j] = Identity<K, T>();
      if constexpr (kWide) wide[j] = 0;
    }
    for (size_t r0 = 0; r0 < red; r0 += kGroup) {
      const size_t nr = std::min(kGroup, red - r0);
      const T* row = p + r0 * stride + c0;
      size_t j = 0;
      for (; j + lanes <= w; j += lanes) {
        const auto vc = kCentered ? hn::LoadU(d, center + c0 + j) : hn::Zero(d);
        auto load = [&](const T* at) {
          const auto x = hn::LoadU(d, at);
          return kCentered ? hn::Sub(x, vc) : x;
        };
        auto v = Step<K>(hn::Set(d, Identity<K, T>()), load(row + j));
        for (size_t q = 1; q < nr; ++q) v = Step<K>(v, load(row + q * stride + j));
        hn::Store(kWide ? v : Step<kCombine>(hn::Load(d, acc + j), v), d, acc + j);
      }
      for (; j < w; ++j) {
        const T c = kCentered ? center[c0 + j] : T(0);
        T v = Identity<K, T>();
        for (size_t q = 0; q < nr; ++q) v = ScalarStep<K>(v, row[q * stride + j] - c);
        acc[j] = kWide ? v : ScalarStep<kCombine>(acc[j], v);
      }
      if constexpr (kWide) {
        for (size_t j2 = 0; j2 < w; ++j2) wide[j2] += double(acc[j2]);
      }
    }
    for (size_t j = 0; j < w; ++j) {
      if constexpr (kWide) {
        out[c0 + j] = T(wide[j]);
      } else {
        out[c0 + j] = acc[j];
      }
    }
  }
}

// log(sum(exp(x - m))) + m of a row whose max m is finite.
template <typename T>
HWY_INLINE T LogSumExpRow(const T* p, size_t n, T m) {
  const hn::ScalableTag<T> d;
  const size_t lanes = hn::Lanes(d);
  const auto vm = hn::Set(d, m);
  auto s0 = hn::Zero(d), s1 = hn::Zero(d);
  size_t i = 0;
  for (; i + 2 * lanes <= n; i += 2 * lanes) {
    s0 = hn::Add(s0, ExpNonPositive(d, hn::Sub(hn::LoadU(d, p + i), vm)));
    s1 = hn::Add(s1, ExpNonPositive(d, hn::Sub(hn::LoadU(d, p + i + lanes), vm)));
  }
  for (; i + lanes <= n; i += lanes)
    s0 = hn::Add(s0, ExpNonPositive(d, hn::Sub(hn::LoadU(d, p + i), vm)));
  T s = hn::GetLane(hn::SumOfLanes(d, hn::Add(s0, s1)));
  for (; i < n; ++i) s += std::exp(p[i] - m);
  return m + std::log(s);
}

#define TSR_REDUCE_ENTRIES(T, F)                                                                \
  void RowsKind##F(Reduce k, const T* in, T* out, size_t rows, size_t n) {                      \
    switch (k) {                                                                                \
      case Reduce::Sum:                                                                         \
        for (size_t r = 0; r < rows; ++r) out[r] = Row<Reduce::Sum>(in + r * n, n);             \
        break;                                                                                  \
      case Reduce::AbsSum:                                                                      \
        for (size_t r = 0; r < rows; ++r) out[r] = Row<Reduce::AbsSum>(in + r * n, n);          \
        break;                                                                                  \
      case Reduce::SumSq:                                                                       \
        for (size_t r = 0; r < rows; ++r) out[r] = Row<Reduce::SumSq>(in + r * n, n);           \
        break;                                                                                  \
      case Reduce::Prod:                                                                        \
        for (size_t r = 0; r < rows; ++r) out[r] = Row<Reduce::Prod>(in + r * n, n);            \
        break;                                                                                  \
      case Reduce::Max:                                                                         \
        for (size_t r = 0; r < rows; ++r) out[r] = Row<Reduce::Max>(in + r * n, n);             \
        break;                                                                                  \
      case Reduce::AbsMax:                                                                      \
        for (size_t r = 0; r < rows; ++r) out[r] = Row<Reduce::AbsMax>(in + r * n, n);          \
        break;                                                                                  \
      case Reduce::Min:                                                                         \
        for (size_t r = 0; r < rows; ++r) out[r] = Row<Reduce::Min>(in + r * n, n);             \
        break;                                                                                  \
    }                                                                                           \
  }                                                                                             \
  void ColumnsKind##F(Reduce k, const T* in, size_t red, size_t stride, size_t ncols, T* out) { \
    switch (k) {                                                                                \
      case Reduce::Sum:                                                                         \
        return Columns<Reduce::Sum>(in, red, stride, ncols, out);                               \
      case Reduce::AbsSum:                                                                      \
        return Columns<Reduce::AbsSum>(in, red, stride, ncols, out);                            \
      case Reduce::SumSq:                                                                       \
        return Columns<Reduce::SumSq>(in, red, stride, ncols, out);                             \
      case Reduce::Prod:                                                                        \
        return Columns<Reduce::Prod>(in, red, stride, ncols, out);                              \
      case Reduce::Max:                                                                         \
        return Columns<Reduce::Max>(in, red, stride, ncols, out);                               \
      case Reduce::AbsMax:                                                                      \
        return Columns<Reduce::AbsMax>(in, red, stride, ncols, out);                            \
      case Reduce::Min:                                                                         \
        return Columns<Reduce::Min>(in, red, stride, ncols, out);                               \
    }                                                                                           \
  }                                                                                             \
  T LogSumExp##F(const T* in, size_t n, T m) {                                                  \
    return LogSumExpRow(in, n, m);                                                              \
  }                                                                                             \
  void SqDevRows##F(const T* in, const T* mean, T* out, size_t rows, size_t n) {                \
    for (size_t r = 0; r < rows; ++r)                                                           \
      out[r] = Row<Reduce::SumSq, T, true>(in + r * n, n, mean[r]);                             \
  }                                                                                             \
  void SqDevColumns##F(const T* in, const T* mean, size_t red, size_t stride, size_t ncols,     \
                       T* out) {                                                                \
    Columns<Reduce::SumSq, T, true>(in, red, stride, ncols, out, mean);                         \
  }
TSR_REDUCE_ENTRIES(float, F32)
TSR_REDUCE_ENTRIES(double, F64)
#undef TSR_REDUCE_ENTRIES

// int32: the extremes only (sums of integers accumulate in int64, the reference's).
void RowsKindI32(Reduce k, const int32_t* in, int32_t* out, size_t rows, size_t n) {
  for (size_t r = 0; r < rows; ++r)
    out[r] = k == Reduce::Max ? Row<Reduce::Max>(in + r * n, n) : Row<Reduce::Min>(in + r * n, n);
}
void ColumnsKindI32(Reduce k, const int32_t* in, size_t red, size_t stride, size_t ncols,
                    int32_t* out) {
  if (k == Reduce::Max) return Columns<Reduce::Max>(in, red, stride, ncols, out);
  return Columns<Reduce::Min>(in, red, stride, ncols, out);
}

}  // namespace tessera::cpu::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE

#include "core/parallel.h"
#include "ops/elementwise.h"
#include "ops/handles.h"

namespace tessera::cpu {

HWY_EXPORT(RowsKindF32);
HWY_EXPORT(RowsKindF64);
HWY_EXPORT(ColumnsKindF32);
HWY_EXPORT(ColumnsKindF64);
HWY_EXPORT(RowsKindI32);
HWY_EXPORT(ColumnsKindI32);
HWY_EXPORT(LogSumExpF32);
HWY_EXPORT(LogSumExpF64);
HWY_EXPORT(SqDevRowsF32);
HWY_EXPORT(SqDevRowsF64);
HWY_EXPORT(SqDevColumnsF32);
HWY_EXPORT(SqDevColumnsF64);

namespace {

// center (sums of squares only, floats only): one value per output, subtracted from its
// elements first (the squared deviations of var and std).
template <typename T>
void reduce_rows(Reduce k, const T* in, T* out, size_t rows, size_t n, const T* center = nullptr) {
  if constexpr (std::is_same_v<T, float>) {
    if (center) return HWY_DYNAMIC_DISPATCH(SqDevRowsF32)(in, center, out, rows, n);
    HWY_DYNAMIC_DISPATCH(RowsKindF32)(k, in, out, rows, n);
  } else if constexpr (std::is_same_v<T, int32_t>) {
    HWY_DYNAMIC_DISPATCH(RowsKindI32)(k, in, out, rows, n);
  } else {
    if (center) return HWY_DYNAMIC_DISPATCH(SqDevRowsF64)(in, center, out, rows, n);
    HWY_DYNAMIC_DISPATCH(RowsKindF64)(k, in, out, rows, n);
  }
}
template <typename T>
void reduce_columns(Reduce k, const T* in, size_t red, size_t stride, size_t ncols, T* out,
                    const T* center = nullptr) {
  if constexpr (std::is_same_v<T, float>) {
    if (center) return HWY_DYNAMIC_DISPATCH(SqDevColumnsF32)(in, center, red, stride, ncols, out);
    HWY_DYNAMIC_DISPATCH(ColumnsKindF32)(k, in, red, stride, ncols, out);
  } else if constexpr (std::is_same_v<T, int32_t>) {
    HWY_DYNAMIC_DISPATCH(ColumnsKindI32)(k, in, red, stride, ncols, out);
  } else {
    if (center) return HWY_DYNAMIC_DISPATCH(SqDevColumnsF64)(in, center, red, stride, ncols, out);
    HWY_DYNAMIC_DISPATCH(ColumnsKindF64)(k, in, red, stride, ncols, out);
  }
}
template <typename T>
T log_sum_exp(const T* in, size_t n, T m) {
  if constexpr (std::is_same_v<T, float>) {
    return HWY_DYNAMIC_DISPATCH(LogSumExpF32)(in, n, m);
  } else {
    return HWY_DYNAMIC_DISPATCH(LogSumExpF64)(in, n, m);
  }
}

// A contiguous tensor reduced over adjacent dims, as [outer, red, inner] (Note [CPU
// reductions]), with the result's shape.
struct Block {
  int64_t outer = 1, red = 1, inner = 1;
  Shape out_shape;
};

// The block of self reduced over dims (all when empty), or nullopt when the vector
// kernels do not cover it: self not contiguous or not of dtype T, a bad, repeated or
// non-adjacent dim, or an empty input (the reference gives its identity or its error).
template <typename T>
std::optional<Block> plan_block(const Tensor& self, IntArrayRef dims, bool keepdim) {
  if (self.dtype() != dtype_of<T> || !self.is_contiguous() || self.numel() == 0) return {};
  const int64_t nd = self.dim();
  uint64_t mask = 0;
  for (int64_t d : dims) {
    const int64_t w = d < 0 ? d + std::max<int64_t>(nd, 1) : d;
    if (w < 0 || w >= std::max<int64_t>(nd, 1) || w >= 64 || (mask >> w & 1)) return {};
    mask |= uint64_t{1} << w;
  }
  if (dims.empty() || nd == 0) mask = nd == 0 ? 1 : (uint64_t{1} << nd) - 1;
  const int first = std::countr_zero(mask);
  const int last = 63 - std::countl_zero(mask);
  if (std::popcount(mask) != last - first + 1) return {};  // not adjacent
  Block b;
  for (int64_t d = 0; d < nd; ++d) {
    const int64_t size = self.size(d);
    if (d < first) {
      b.outer *= size;
    } else if (d > last) {
      b.inner *= size;
    } else {
      b.red *= size;
    }
    if (d < first || d > last) {
      b.out_shape.push_back(size);
    } else if (keepdim) {
      b.out_shape.push_back(1);
    }
  }
  return b;
}

// Elements a thread should have at least: a row or a column tile is not split.
int64_t grain_of(int64_t work_per_item) {
  return std::max<int64_t>(1, kGrainSize / std::max<int64_t>(work_per_item, 1));
}

// out[i] for the [outer, red, inner] block b of in, reduced by k; with center (k SumSq),
// the sums of (x - center[i])^2.
template <typename T>
void run_block(Reduce k, const T* in, T* out, const Block& b, const T* center = nullptr) {
  if (b.inner == 1 && b.outer == 1) {
    // One row: fixed chunks reduced in parallel, their results reduced in order.
    const int64_t chunks = (b.red + kGrainSize - 1) / kGrainSize;
    if (chunks <= 1) return reduce_rows<T>(k, in, out, 1, static_cast<size_t>(b.red), center);
    std::vector<T> partial(static_cast<size_t>(chunks));
    parallel_for(0, chunks, 1, [&](int64_t c0, int64_t c1) {
      for (int64_t c = c0; c < c1; ++c) {
        const int64_t begin = c * kGrainSize, n = std::min(kGrainSize, b.red - begin);
        reduce_rows<T>(k, in + begin, &partial[static_cast<size_t>(c)], 1, static_cast<size_t>(n),
                       center);
      }
    });
    return reduce_rows<T>(CombineOf(k), partial.data(), out, 1, partial.size());
  }
  if (b.inner == 1) {
    parallel_for(0, b.outer, grain_of(b.red), [&](int64_t r0, int64_t r1) {
      reduce_rows<T>(k, in + r0 * b.red, out + r0, static_cast<size_t>(r1 - r0),
                     static_cast<size_t>(b.red), center ? center + r0 : nullptr);
    });
    return;
  }
  // Columns: each outer slice is [red, inner]; threads take ranges of the outer * inner
  // columns, cut where a slice ends.
  parallel_for(0, b.outer * b.inner, grain_of(b.red), [&](int64_t c0, int64_t c1) {
    while (c0 < c1) {
      const int64_t o = c0 / b.inner, c = c0 % b.inner, w = std::min(c1 - c0, b.inner - c);
      reduce_columns<T>(k, in + o * b.red * b.inner + c, static_cast<size_t>(b.red),
                        static_cast<size_t>(b.inner), static_cast<size_t>(w), out + c0,
                        center ? center + c0 : nullptr);
      c0 += w;
    }
  });
}

// The reduction of self by k over dims, or an undefined tensor when not covered.
template <typename T>
Tensor try_reduce(const Tensor& self, IntArrayRef dims, bool keepdim, Reduce k) {
  const auto b = plan_block<T>(self, dims, keepdim);
  if (!b) return {};
  Tensor out = empty(b->out_shape, TensorOptions(dtype_of<T>, self.device()));
  run_block<T>(k, static_cast<const T*>(self.data_ptr()), static_cast<T*>(out.data_ptr()), *b);
  return out;
}

IntArrayRef dims_or_all(OptionalIntArrayRef dim) {
  return dim ? *dim : IntArrayRef();
}

using SumSig = Tensor(const Tensor&, OptionalIntArrayRef, bool, std::optional<DType>);

template <typename T>
Tensor sum_kernel(const Tensor& self, OptionalIntArrayRef dim, bool keepdim,
                  std::optional<DType> dtype) {
  if (!dtype || *dtype == dtype_of<T>) {
    if (Tensor out = try_reduce<T>(self, dims_or_all(dim), keepdim, Reduce::Sum); out.defined())
      return out;
  }
  return ops::sum_op().typed<SumSig>().redispatch(kBackendReference, self, dim, keepdim, dtype);
}

template <typename T>
Tensor mean_kernel(const Tensor& self, OptionalIntArrayRef dim, bool keepdim,
                   std::optional<DType> dtype) {
  if (!dtype || *dtype == dtype_of<T>) {
    if (Tensor out = try_reduce<T>(self, dims_or_all(dim), keepdim, Reduce::Sum); out.defined()) {
      const int64_t n = out.numel() == 0 ? 1 : self.numel() / out.numel();
      T* o = static_cast<T*>(out.data_ptr());
      for (int64_t i = 0; i < out.numel(); ++i) o[i] = T(double(o[i]) / double(n));
      return out;
    }
  }
  return ops::mean_op().typed<SumSig>().redispatch(kBackendReference, self, dim, keepdim, dtype);
}

template <typename T, Reduce K>
Tensor extreme_kernel(const Tensor& self, IntArrayRef dim, bool keepdim) {
  if (Tensor out = try_reduce<T>(self, dim, keepdim, K); out.defined()) return out;
  return (K == Reduce::Max ? ops::amax_op() : ops::amin_op())
      .typed<Tensor(const Tensor&, IntArrayRef, bool)>()
      .redispatch(kBackendReference, self, dim, keepdim);
}

template <typename T, Reduce K>
Tensor extreme_all_kernel(const Tensor& self) {
  if (Tensor out = try_reduce<T>(self, {}, false, K); out.defined()) return out;
  return (K == Reduce::Max ? ops::max_op() : ops::min_op())
      .typed<Tensor(const Tensor&)>()
      .redispatch(kBackendReference, self);
}

template <typename T>
Tensor prod_kernel(const Tensor& self, std::optional<DType> dtype) {
  if (!dtype || *dtype == dtype_of<T>) {
    if (Tensor out = try_reduce<T>(self, {}, false, Reduce::Prod); out.defined()) return out;
  }
  return ops::prod_op().typed<Tensor(const Tensor&, std::optional<DType>)>().redispatch(
      kBackendReference, self, dtype);
}

template <typename T>
Tensor prod_dim_kernel(const Tensor& self, int64_t dim, bool keepdim, std::optional<DType> dtype) {
  if (!dtype || *dtype == dtype_of<T>) {
    if (Tensor out = try_reduce<T>(self, {dim}, keepdim, Reduce::Prod); out.defined()) return out;
  }
  return ops::prod_dim_op()
      .typed<Tensor(const Tensor&, int64_t, bool, std::optional<DType>)>()
      .redispatch(kBackendReference, self, dim, keepdim, dtype);
}

// ord 1, 2 and inf; the others (0, -inf, fractional) are the reference's.
template <typename T>
Tensor vector_norm_kernel(const Tensor& self, const Scalar& ord, OptionalIntArrayRef dim,
                          bool keepdim) {
  const double p = ord.is_complex() ? 0 : ord.to<double>();
  if (p == 1 || p == 2 || p == std::numeric_limits<double>::infinity()) {
    const Reduce k = p == 1 ? Reduce::AbsSum : p == 2 ? Reduce::SumSq : Reduce::AbsMax;
    if (Tensor out = try_reduce<T>(self, dims_or_all(dim), keepdim, k); out.defined()) {
      if (p == 2) {
        T* o = static_cast<T*>(out.data_ptr());
        for (int64_t i = 0; i < out.numel(); ++i) o[i] = std::sqrt(o[i]);
      }
      return out;
    }
  }
  return ops::vector_norm_op()
      .typed<Tensor(const Tensor&, const Scalar&, OptionalIntArrayRef, bool)>()
      .redispatch(kBackendReference, self, ord, dim, keepdim);
}

// Rows only (the reduced dims last); a row whose max is not finite takes the reference's
// formula: inf or NaN as they are.
template <typename T>
Tensor logsumexp_kernel(const Tensor& self, IntArrayRef dim, bool keepdim) {
  const auto b = dim.empty() ? std::nullopt : plan_block<T>(self, dim, keepdim);
  if (!b || b->inner != 1) {
    return ops::logsumexp_op().typed<Tensor(const Tensor&, IntArrayRef, bool)>().redispatch(
        kBackendReference, self, dim, keepdim);
  }
  Tensor out = empty(b->out_shape, TensorOptions(dtype_of<T>, self.device()));
  const T* in = static_cast<const T*>(self.data_ptr());
  T* o = static_cast<T*>(out.data_ptr());
  parallel_for(0, b->outer, grain_of(2 * b->red), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const T* row = in + r * b->red;
      T m;
      reduce_rows<T>(Reduce::Max, row, &m, 1, static_cast<size_t>(b->red));
      o[r] = std::isfinite(m) ? log_sum_exp<T>(row, static_cast<size_t>(b->red), m) : m;
    }
  });
  return out;
}

// any / all over a block of adjacent dims of a contiguous float32, float64 or bool tensor:
// rows are read in blocks that the compiler vectorises, stopping at the first block that
// decides (a nonzero for any, a zero for all; NaN is nonzero); columns accumulate side by
// side, row after row.
template <typename T>
bool decides(const T* p, int64_t n, bool any) {
  // Counted, not or-ed: a sum of comparison results is what the compiler vectorises.
  int32_t hits = 0;
  if (any) {
    for (int64_t j = 0; j < n; ++j) hits += p[j] != T(0);
  } else {
    for (int64_t j = 0; j < n; ++j) hits += p[j] == T(0);
  }
  return hits != 0;
}

template <typename T>
Tensor any_all_kernel(const Tensor& self, OptionalIntArrayRef dim, bool keepdim, bool any) {
  const auto b = plan_block<T>(self, dims_or_all(dim), keepdim);
  if (!b) {
    return (any ? ops::any_op() : ops::all_op())
        .typed<Tensor(const Tensor&, OptionalIntArrayRef, bool)>()
        .redispatch(kBackendReference, self, dim, keepdim);
  }
  Tensor out = empty(b->out_shape, TensorOptions(DType::Bool, self.device()));
  const T* in = static_cast<const T*>(self.data_ptr());
  bool* o = static_cast<bool*>(out.data_ptr());
  const int64_t red = b->red, inner = b->inner;
  if (inner == 1) {
    parallel_for(0, b->outer, grain_of(red), [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        const T* row = in + r * red;
        bool result = !any;
        // Blocks growing from 16 to 1024 elements: an early answer costs little.
        for (int64_t j = 0, block = 16; j < red;
             j += block, block = std::min<int64_t>(2 * block, 1024)) {
          if (decides(row + j, std::min(block, red - j), any)) {
            result = any;
            break;
          }
        }
        o[r] = result;
      }
    });
    return out;
  }
  parallel_for(0, b->outer, grain_of(red * inner), [&](int64_t k0, int64_t k1) {
    for (int64_t k = k0; k < k1; ++k) {
      bool* dst = o + k * inner;
      std::fill_n(dst, inner, !any);
      for (int64_t r = 0; r < red; ++r) {
        const T* row = in + (k * red + r) * inner;
        if (any) {
          for (int64_t c = 0; c < inner; ++c) dst[c] |= row[c] != T(0);
        } else {
          for (int64_t c = 0; c < inner; ++c) dst[c] &= row[c] != T(0);
        }
      }
    }
  });
  return out;
}

// var and std (the reference's correction: sum (x - mean)^2 / max(0, n - correction)) in
// two passes over the block, both run_block's: the means, then the squared deviations
// from them.
template <typename T>
Tensor var_std_kernel(const Tensor& self, OptionalIntArrayRef dim,
                      const std::optional<Scalar>& correction, bool keepdim, bool take_sqrt) {
  const auto b = correction && correction->is_complex()
                     ? std::nullopt
                     : plan_block<T>(self, dims_or_all(dim), keepdim);
  if (!b) {
    return (take_sqrt ? ops::std_op() : ops::var_op())
        .typed<Tensor(const Tensor&, OptionalIntArrayRef, const std::optional<Scalar>&, bool)>()
        .redispatch(kBackendReference, self, dim, correction, keepdim);
  }
  Tensor out = empty(b->out_shape, TensorOptions(dtype_of<T>, self.device()));
  std::vector<T> mean(static_cast<size_t>(out.numel()));
  const T* in = static_cast<const T*>(self.data_ptr());
  T* o = static_cast<T*>(out.data_ptr());
  const int64_t red = b->red;
  run_block<T>(Reduce::Sum, in, mean.data(), *b);
  for (T& m : mean) m = T(double(m) / double(red));
  run_block<T>(Reduce::SumSq, in, o, *b, mean.data());
  const double divisor = std::max(0.0, double(red) - (correction ? correction->to<double>() : 1.0));
  for (int64_t i = 0; i < out.numel(); ++i) {
    const double v = double(o[i]) / divisor;
    o[i] = T(take_sqrt ? std::sqrt(v) : v);
  }
  return out;
}

// max.dim, min.dim, argmax and argmin along one dim of a contiguous tensor: the value and
// index of the first extreme (the first NaN if there is one), as the reference. Rows take
// the vector extreme, then the first element equal to it; columns keep a running best per
// column, row after row.
template <typename T, bool kMax>
std::optional<std::tuple<Tensor, Tensor>> try_extreme_dim(const Tensor& self, int64_t dim,
                                                          bool keepdim) {
  const int64_t nd = self.dim();
  if (nd == 0) return std::nullopt;
  const auto b = plan_block<T>(self, IntArrayRef({dim}), keepdim);
  if (!b) return std::nullopt;
  Tensor values = empty(b->out_shape, TensorOptions(dtype_of<T>, self.device()));
  Tensor indices = empty(b->out_shape, TensorOptions(DType::Int64, self.device()));
  const T* in = static_cast<const T*>(self.data_ptr());
  T* v = static_cast<T*>(values.data_ptr());
  auto* ix = static_cast<int64_t*>(indices.data_ptr());
  const int64_t red = b->red, inner = b->inner;
  if (inner == 1) {
    parallel_for(0, b->outer, grain_of(red), [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        const T* row = in + r * red;
        T m;
        reduce_rows<T>(kMax ? Reduce::Max : Reduce::Min, row, &m, 1, static_cast<size_t>(red));
        int64_t at = 0;
        if (m != m) {
          while (!(row[at] != row[at])) ++at;
        } else {
          while (!(row[at] == m)) ++at;
        }
        v[r] = row[at];
        ix[r] = at;
      }
    });
    return std::tuple{values, indices};
  }
  parallel_for(0, b->outer * inner, grain_of(red), [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1;) {  // a run of columns of one outer index
      const int64_t o = c / inner, first = c % inner, w = std::min(c1 - c, inner - first);
      const T* base = in + o * red * inner + first;
      T* bv = v + c;
      int64_t* bi = ix + c;
      for (int64_t j = 0; j < w; ++j) {
        bv[j] = base[j];
        bi[j] = 0;
      }
      for (int64_t r = 1; r < red; ++r) {
        const T* row = base + r * inner;
        for (int64_t j = 0; j < w; ++j) {
          const T x = row[j], cur = bv[j];
          const bool take = (kMax ? x > cur : x < cur) | ((x != x) & (cur == cur));
          bv[j] = take ? x : cur;
          bi[j] = take ? r : bi[j];
        }
      }
      c += w;
    }
  });
  return std::tuple{values, indices};
}

using ExtremeDimSig = std::tuple<Tensor, Tensor>(const Tensor&, int64_t, bool);
using ArgSig = Tensor(const Tensor&, std::optional<int64_t>, bool);

template <typename T, bool kMax>
std::tuple<Tensor, Tensor> extreme_dim_kernel(const Tensor& self, int64_t dim, bool keepdim) {
  if (auto r = try_extreme_dim<T, kMax>(self, dim, keepdim)) return *r;
  return (kMax ? ops::max_dim_op() : ops::min_dim_op())
      .typed<ExtremeDimSig>()
      .redispatch(kBackendReference, self, dim, keepdim);
}

template <typename T, bool kMax>
Tensor arg_extreme_kernel(const Tensor& self, std::optional<int64_t> dim, bool keepdim) {
  if (dim) {
    if (auto r = try_extreme_dim<T, kMax>(self, *dim, keepdim)) return std::get<1>(*r);
  }
  return (kMax ? ops::argmax_op() : ops::argmin_op())
      .typed<ArgSig>()
      .redispatch(kBackendReference, self, dim, keepdim);
}

// cumsum (cumprod) along the rows of [outer, size], one row after another in the
// reference's order. (Scanning rows side by side to overlap their chains of dependent
// adds is slower: rows of a power-of-two size alias in the L1 cache, 2.4x slower at
// [1024, 1024].)
template <typename T, bool kProduct>
void scan_rows(const T* in, T* o, int64_t outer, int64_t size) {
  parallel_for(0, outer, std::max<int64_t>(1, kGrainSize / size), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const T* src = in + r * size;
      T* dst = o + r * size;
      double acc = kProduct ? 1.0 : 0.0;
      for (int64_t j = 0; j < size; ++j) {
        acc = kProduct ? acc * double(src[j]) : acc + double(src[j]);
        dst[j] = T(acc);
      }
    }
  });
}

// cumsum and cumprod along a dim that is not the last of a contiguous tensor: each
// [size, inner] slice is scanned row by row, a row of double accumulators (as the
// reference's) carried down, so memory is read in order. The last dim (and every other
// case) is the reference's row scan.
template <typename T>
Tensor scan_kernel(const Tensor& self, int64_t dim, std::optional<DType> dtype, bool product) {
  const int64_t nd = self.dim();
  const int64_t d = dim < 0 ? dim + nd : dim;
  if ((dtype && *dtype != dtype_of<T>) || !self.is_contiguous() || d < 0 || d >= nd ||
      self.numel() == 0) {
    return (product ? ops::cumprod_op() : ops::cumsum_op())
        .typed<Tensor(const Tensor&, int64_t, std::optional<DType>)>()
        .redispatch(kBackendReference, self, dim, dtype);
  }
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < nd; ++i) {
    if (i < d) outer *= self.size(i);
    if (i > d) inner *= self.size(i);
  }
  const int64_t size = self.size(d);
  Tensor out = empty(self.sizes(), TensorOptions(dtype_of<T>, self.device()));
  const T* in = static_cast<const T*>(self.data_ptr());
  T* o = static_cast<T*>(out.data_ptr());
  if (inner == 1) {
    if (product) {
      scan_rows<T, true>(in, o, outer, size);
    } else {
      scan_rows<T, false>(in, o, outer, size);
    }
    return out;
  }
  // Down columns: threads take column ranges of every slice: [slice, column block] items.
  constexpr int64_t kBlock = 1024;
  const int64_t blocks = (inner + kBlock - 1) / kBlock;
  parallel_for(0, outer * blocks, std::max<int64_t>(1, kGrainSize / (size * kBlock)),
               [&](int64_t i0, int64_t i1) {
                 std::vector<double> acc(static_cast<size_t>(kBlock));
                 for (int64_t item = i0; item < i1; ++item) {
                   const int64_t s = item / blocks, c0 = (item % blocks) * kBlock;
                   const int64_t w = std::min(kBlock, inner - c0);
                   std::fill(acc.begin(), acc.begin() + w, product ? 1.0 : 0.0);
                   for (int64_t r = 0; r < size; ++r) {
                     const int64_t base = (s * size + r) * inner + c0;
                     for (int64_t j = 0; j < w; ++j) {
                       const double x = double(in[base + j]);
                       acc[static_cast<size_t>(j)] = product ? acc[static_cast<size_t>(j)] * x
                                                             : acc[static_cast<size_t>(j)] + x;
                       o[base + j] = T(acc[static_cast<size_t>(j)]);
                     }
                   }
                 }
               });
  return out;
}

}  // namespace

TSR_REGISTER {
  using F = DTypeList<DType::Float32, DType::Float64>;
  impl_for(ops::max_dim_op(), kBackendCPU, F{},
           []<typename T>() { return &extreme_dim_kernel<T, true>; });
  impl_for(ops::min_dim_op(), kBackendCPU, F{},
           []<typename T>() { return &extreme_dim_kernel<T, false>; });
  impl_for(ops::argmax_op(), kBackendCPU, F{},
           []<typename T>() { return &arg_extreme_kernel<T, true>; });
  impl_for(ops::argmin_op(), kBackendCPU, F{},
           []<typename T>() { return &arg_extreme_kernel<T, false>; });
  impl_for(ops::cumsum_op(), kBackendCPU, F{}, []<typename T>() {
    return +[](const Tensor& s, int64_t d, std::optional<DType> t) {
      return scan_kernel<T>(s, d, t, false);
    };
  });
  impl_for(ops::cumprod_op(), kBackendCPU, F{}, []<typename T>() {
    return +[](const Tensor& s, int64_t d, std::optional<DType> t) {
      return scan_kernel<T>(s, d, t, true);
    };
  });
  impl_for(ops::sum_op(), kBackendCPU, F{}, []<typename T>() { return &sum_kernel<T>; });
  impl_for(ops::mean_op(), kBackendCPU, F{}, []<typename T>() { return &mean_kernel<T>; });
  // Extremes of int32 too.
  using FI = DTypeList<DType::Float32, DType::Float64, DType::Int32>;
  impl_for(ops::amax_op(), kBackendCPU, FI{},
           []<typename T>() { return &extreme_kernel<T, Reduce::Max>; });
  impl_for(ops::amin_op(), kBackendCPU, FI{},
           []<typename T>() { return &extreme_kernel<T, Reduce::Min>; });
  impl_for(ops::max_op(), kBackendCPU, FI{},
           []<typename T>() { return &extreme_all_kernel<T, Reduce::Max>; });
  impl_for(ops::min_op(), kBackendCPU, FI{},
           []<typename T>() { return &extreme_all_kernel<T, Reduce::Min>; });
  impl_for(ops::prod_op(), kBackendCPU, F{}, []<typename T>() { return &prod_kernel<T>; });
  impl_for(ops::prod_dim_op(), kBackendCPU, F{}, []<typename T>() { return &prod_dim_kernel<T>; });
  impl_for(ops::vector_norm_op(), kBackendCPU, F{},
           []<typename T>() { return &vector_norm_kernel<T>; });
  impl_for(ops::logsumexp_op(), kBackendCPU, F{},
           []<typename T>() { return &logsumexp_kernel<T>; });
  using FB = DTypeList<DType::Float32, DType::Float64, DType::Bool>;
  impl_for(ops::any_op(), kBackendCPU, FB{}, []<typename T>() {
    return +[](const Tensor& s, OptionalIntArrayRef d, bool k) {
      return any_all_kernel<T>(s, d, k, true);
    };
  });
  impl_for(ops::all_op(), kBackendCPU, FB{}, []<typename T>() {
    return +[](const Tensor& s, OptionalIntArrayRef d, bool k) {
      return any_all_kernel<T>(s, d, k, false);
    };
  });
  impl_for(ops::var_op(), kBackendCPU, F{}, []<typename T>() {
    return +[](const Tensor& s, OptionalIntArrayRef d, const std::optional<Scalar>& c, bool k) {
      return var_std_kernel<T>(s, d, c, k, false);
    };
  });
  impl_for(ops::std_op(), kBackendCPU, F{}, []<typename T>() {
    return +[](const Tensor& s, OptionalIntArrayRef d, const std::optional<Scalar>& c, bool k) {
      return var_std_kernel<T>(s, d, c, k, true);
    };
  });
}

}  // namespace tessera::cpu
#endif  // HWY_ONCE
