// Vectorised cpu kernels for float32/float64 elementwise arithmetic (Highway, with the
// instruction set chosen at run time), split over the intra-op threads above kGrainSize
// elements; the unary math ops are in unary.cpp. Operands of the op's dtype whose
// broadcast, after merging dims, has a last dim each operand reads contiguously or not at
// all (same shapes, scalars, a bias row, an outer product) take the vector loops, row by
// row; every other case is handed to the reference kernel. See Note [CPU elementwise kernels].
//
// Note [CPU elementwise kernels]
// Each kernel here is registered for (op, cpu, float32|float64) and covers the cases that
// dominate real use: contiguous operands, same shape or scalar. The reference kernels in
// src/ops stay the definition of the op: anything else (broadcasts, strides, mixed dtypes,
// rounding modes) is redispatched to them, and tests/backends/cpu_kernels_test.cpp checks
// each kernel against its reference on sizes that exercise the vector tails. Transcendental
// functions use Highway's contrib/math; lanes outside its accurate range (infinities,
// NaN, subnormals, overflow) are recomputed with the C library so that special values
// match PyTorch exactly.

// Highway's per-target re-inclusion needs this order.
// clang-format off
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "backends/cpu/kernels/elementwise.cpp"
#include <hwy/foreach_target.h>  // NOLINT: re-includes this file once per target
#include <hwy/highway.h>
#include <hwy/contrib/math/math-inl.h>
// clang-format on

#include <cmath>
#include <limits>

HWY_BEFORE_NAMESPACE();
namespace tessera::cpu::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

#ifndef TSR_CPU_BINARY_OPS
#define TSR_CPU_BINARY_OPS(X) X(Add) X(Sub) X(Mul) X(Div) X(Maximum) X(Minimum)
// X(Op, op): float32-only ops computed through float64 lanes where needed (the float64
// dtype stays with the C library in the reference kernel).
#define TSR_CPU_F32_BINARY_OPS(X) X(Pow, pow) X(Atan2, atan2) X(Fmod, fmod) X(Remainder, remainder)
#endif
#define TSR_ENUMERATOR(E) E,
enum class Binary { TSR_CPU_BINARY_OPS(TSR_ENUMERATOR) };
#undef TSR_ENUMERATOR

// out[i] = a[i] op b[i] (add and sub with b scaled by alpha); a_step/b_step are 1, or 0
// for an operand broadcast along the row.
template <Binary Op, typename T>
HWY_INLINE void BinaryLoop(const T* a, size_t a_step, const T* b, size_t b_step, T alpha, T* out,
                           size_t n) {
  const hn::ScalableTag<T> d;
  const size_t lanes = hn::Lanes(d);
  const auto valpha = hn::Set(d, alpha);
  auto load = [&](const T* p, size_t step, size_t i) {
    return step ? hn::LoadU(d, p + i) : hn::Set(d, p[0]);
  };
  auto apply = [&](auto x, auto y) {
    if constexpr (Op == Binary::Add) return hn::MulAdd(valpha, y, x);
    if constexpr (Op == Binary::Sub) return hn::NegMulAdd(valpha, y, x);
    if constexpr (Op == Binary::Mul) return hn::Mul(x, y);
    if constexpr (Op == Binary::Div) return hn::Div(x, y);
    if constexpr (Op == Binary::Maximum || Op == Binary::Minimum) {
      // NaN wins: a NaN operand gives NaN through the sum.
      const auto best = Op == Binary::Maximum ? hn::Max(x, y) : hn::Min(x, y);
      return hn::IfThenElse(hn::Or(hn::IsNaN(x), hn::IsNaN(y)), hn::Add(x, y), best);
    }
  };
  size_t i = 0;
  for (; i + lanes <= n; i += lanes)
    hn::StoreU(apply(load(a, a_step, i), load(b, b_step, i)), d, out + i);
  for (; i < n; ++i) {  // the tail, with the same fused arithmetic
    const T x = a[a_step * i], y = b[b_step * i];
    if constexpr (Op == Binary::Add) out[i] = std::fma(alpha, y, x);
    if constexpr (Op == Binary::Sub) out[i] = std::fma(-alpha, y, x);
    if constexpr (Op == Binary::Mul) out[i] = x * y;
    if constexpr (Op == Binary::Div) out[i] = x / y;
    if constexpr (Op == Binary::Maximum) out[i] = x != x || y != y ? x + y : std::max(x, y);
    if constexpr (Op == Binary::Minimum) out[i] = x != x || y != y ? x + y : std::min(x, y);
  }
}

// float32 fmod (kPython: remainder, the divisor's sign) through float64 lanes: for
// |x / y| < 2^24 the truncated quotient of the float64 division is exact (x / y is at least
// 2^-24 from an integer unless it is one), and x - q y is exact in float64, so the result
// is C's fmod exactly; other lanes (larger quotients, zero divisors, NaN, infinities) take
// std::fmod. As the reference, remainder then adds y when the signs differ.
template <bool kPython>
HWY_INLINE void FmodLoop(const float* a, size_t a_step, const float* b, size_t b_step, float,
                         float* out, size_t n) {
  const hn::ScalableTag<double> dd;
  const hn::Rebind<float, decltype(dd)> df;
  const size_t lanes = hn::Lanes(dd);
  const auto limit = hn::Set(dd, 16777216.0), zero = hn::Zero(dd);
  auto scalar = [](float x, float y) {
    float r = std::fmod(x, y);
    if (kPython && r != 0 && ((r < 0) != (y < 0))) r += y;
    return r;
  };
  size_t i = 0;
  for (; i + lanes <= n; i += lanes) {
    const auto x = hn::PromoteTo(dd, a_step ? hn::LoadU(df, a + i) : hn::Set(df, a[0]));
    const auto y = hn::PromoteTo(dd, b_step ? hn::LoadU(df, b + i) : hn::Set(df, b[0]));
    const auto q = hn::Trunc(hn::Div(x, y));
    auto r = hn::NegMulAdd(q, y, x);
    if (kPython) {
      const auto flip = hn::And(hn::Ne(r, zero), hn::Xor(hn::Lt(r, zero), hn::Lt(y, zero)));
      r = hn::IfThenElse(flip, hn::Add(r, y), r);
    }
    hn::StoreU(hn::DemoteTo(df, r), df, out + i);
    if (!hn::AllTrue(dd, hn::Lt(hn::Abs(q), limit))) {
      for (size_t j = i; j < i + lanes; ++j) out[j] = scalar(a[a_step * j], b[b_step * j]);
    }
  }
  for (; i < n; ++i) out[i] = scalar(a[a_step * i], b[b_step * i]);
}

void FmodF32(const float* a, size_t as, const float* b, size_t bs, float al, float* out, size_t n) {
  FmodLoop<false>(a, as, b, bs, al, out, n);
}
void RemainderF32(const float* a, size_t as, const float* b, size_t bs, float al, float* out,
                  size_t n) {
  FmodLoop<true>(a, as, b, bs, al, out, n);
}

// float32 pow and atan2 through float64 lanes (Highway's float64 functions, then one
// rounding to float32), for the vectors Float32Loop below does not take: pow for x > 0 and finite
// operands as exp(y log x); atan2 for x != 0 and finite operands as atan(y / x), moved by pi for x
// < 0. Other lanes (zeros, negative bases, NaN, infinities) take the C library's float function, as
// the reference.
template <bool kPow>
HWY_INLINE void Float64Loop(const float* a, size_t a_step, const float* b, size_t b_step,
                            float* out, size_t n) {
  const hn::ScalableTag<double> dd;
  const hn::Rebind<float, decltype(dd)> df;
  const size_t lanes = hn::Lanes(dd);
  const auto zero = hn::Zero(dd), inf = hn::Set(dd, std::numeric_limits<double>::infinity());
  const auto pi = hn::Set(dd, 3.141592653589793238462643383279502884);
  auto scalar = [](float x, float y) { return kPow ? std::pow(x, y) : std::atan2(x, y); };
  size_t i = 0;
  for (; i + lanes <= n; i += lanes) {
    const auto x = hn::PromoteTo(dd, a_step ? hn::LoadU(df, a + i) : hn::Set(df, a[0]));
    const auto y = hn::PromoteTo(dd, b_step ? hn::LoadU(df, b + i) : hn::Set(df, b[0]));
    const auto finite = hn::And(hn::Lt(hn::Abs(x), inf), hn::Lt(hn::Abs(y), inf));
    hn::Vec<decltype(dd)> r;
    hn::Mask<decltype(dd)> ok;
    if constexpr (kPow) {  // x ** y, x = self, y = exponent
      ok = hn::And(finite, hn::Gt(x, zero));
      const auto e = hn::Mul(y, hn::Log(dd, hn::IfThenElse(ok, x, hn::Set(dd, 1.0))));
      ok = hn::And(ok, hn::Le(e, hn::Set(dd, 700.0)));  // Exp's range; beyond, float overflows
      r = hn::Exp(dd, hn::Min(e, hn::Set(dd, 700.0)));
    } else {  // atan2(self, other): self is the y of the angle, other its x
      ok = hn::And(finite, hn::Ne(y, zero));
      const auto angle = hn::Atan(dd, hn::Div(x, hn::IfThenElse(ok, y, hn::Set(dd, 1.0))));
      r = hn::IfThenElse(hn::Lt(y, zero), hn::Add(angle, hn::CopySign(pi, x)), angle);
    }
    hn::StoreU(hn::DemoteTo(df, r), df, out + i);
    if (!hn::AllTrue(dd, ok)) {
      for (size_t j = i; j < i + lanes; ++j) out[j] = scalar(a[a_step * j], b[b_step * j]);
    }
  }
  for (; i < n; ++i) out[i] = scalar(a[a_step * i], b[b_step * i]);
}

// The float32 fast path of pow and atan2, vectors whose every lane is covered: pow where
// x > 0 and |y log x| < 4 (exp's argument then carries at most ~5e-7 relative error),
// atan2 where the operands are finite and x != 0 (atan of the float32 ratio is within a
// few ulp; pi's rounding is 3e-8 of the result). Other vectors go through Float64Loop.
template <bool kPow>
HWY_INLINE void Float32Loop(const float* a, size_t a_step, const float* b, size_t b_step,
                            float* out, size_t n) {
  const hn::ScalableTag<float> d;
  const size_t lanes = hn::Lanes(d);
  const auto zero = hn::Zero(d), inf = hn::Set(d, std::numeric_limits<float>::infinity());
  size_t i = 0;
  for (; i + lanes <= n; i += lanes) {
    const auto x = a_step ? hn::LoadU(d, a + i) : hn::Set(d, a[0]);
    const auto y = b_step ? hn::LoadU(d, b + i) : hn::Set(d, b[0]);
    const auto finite = hn::And(hn::Lt(hn::Abs(x), inf), hn::Lt(hn::Abs(y), inf));
    if constexpr (kPow) {
      const auto ok = hn::And(finite, hn::Gt(x, zero));
      const auto e = hn::Mul(y, hn::Log(d, hn::IfThenElse(ok, x, hn::Set(d, 1.0f))));
      if (hn::AllTrue(d, hn::And(ok, hn::Lt(hn::Abs(e), hn::Set(d, 4.0f))))) {
        hn::StoreU(hn::Exp(d, e), d, out + i);
        continue;
      }
    } else {
      const auto ok = hn::And(finite, hn::Ne(y, zero));
      if (hn::AllTrue(d, ok)) {
        const auto angle = hn::Atan(d, hn::Div(x, y));
        const auto pi = hn::CopySign(hn::Set(d, 3.14159265358979323846f), x);
        hn::StoreU(hn::IfThenElse(hn::Lt(y, zero), hn::Add(angle, pi), angle), d, out + i);
        continue;
      }
    }
    Float64Loop<kPow>(a + a_step * i, a_step, b + b_step * i, b_step, out + i, lanes);
  }
  Float64Loop<kPow>(a + a_step * i, a_step, b + b_step * i, b_step, out + i, n - i);
}

void PowF32(const float* a, size_t as, const float* b, size_t bs, float, float* out, size_t n) {
  Float32Loop<true>(a, as, b, bs, out, n);
}
void Atan2F32(const float* a, size_t as, const float* b, size_t bs, float, float* out, size_t n) {
  Float32Loop<false>(a, as, b, bs, out, n);
}

#define TSR_BINARY_ENTRY(Op)                                                                      \
  void Op##F32(const float* a, size_t as, const float* b, size_t bs, float alpha, float* out,     \
               size_t n) {                                                                        \
    BinaryLoop<Binary::Op, float>(a, as, b, bs, alpha, out, n);                                   \
  }                                                                                               \
  void Op##F64(const double* a, size_t as, const double* b, size_t bs, double alpha, double* out, \
               size_t n) {                                                                        \
    BinaryLoop<Binary::Op, double>(a, as, b, bs, alpha, out, n);                                  \
  }
TSR_CPU_BINARY_OPS(TSR_BINARY_ENTRY)
#undef TSR_BINARY_ENTRY

}  // namespace tessera::cpu::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE

#include "api/functions.h"
#include "backends/cpu/kernels/cast.h"
#include "backends/cpu/kernels/vector_loops.h"
#include "core/parallel.h"
#include "ops/elementwise.h"
#include "ops/handles.h"

namespace tessera::cpu {

template <typename T>
using BinaryFn = void (*)(const T*, size_t, const T*, size_t, T, T*, size_t);

// One exported entry and one dispatching wrapper per (op, type): the wrapper calls the
// best target this machine supports.
#define TSR_EXPORT_BINARY(Op)                                                                     \
  HWY_EXPORT(Op##F32);                                                                            \
  HWY_EXPORT(Op##F64);                                                                            \
  void Op##F32_best(const float* a, size_t as, const float* b, size_t bs, float al, float* o,     \
                    size_t n) {                                                                   \
    HWY_DYNAMIC_DISPATCH(Op##F32)(a, as, b, bs, al, o, n);                                        \
  }                                                                                               \
  void Op##F64_best(const double* a, size_t as, const double* b, size_t bs, double al, double* o, \
                    size_t n) {                                                                   \
    HWY_DYNAMIC_DISPATCH(Op##F64)(a, as, b, bs, al, o, n);                                        \
  }
TSR_CPU_BINARY_OPS(TSR_EXPORT_BINARY)
#undef TSR_EXPORT_BINARY
#define TSR_EXPORT_F32_BINARY(Op, op)                                                         \
  HWY_EXPORT(Op##F32);                                                                        \
  void Op##F32_best(const float* a, size_t as, const float* b, size_t bs, float al, float* o, \
                    size_t n) {                                                               \
    HWY_DYNAMIC_DISPATCH(Op##F32)(a, as, b, bs, al, o, n);                                    \
  }
TSR_CPU_F32_BINARY_OPS(TSR_EXPORT_F32_BINARY)
#undef TSR_EXPORT_F32_BINARY

BinaryLoop binary_loop(std::string_view op) {
#define TSR_ENTRY(Op, name)                                                               \
  if (op == name) {                                                                       \
    return [](const float* a, size_t as, const float* b, size_t bs, float* o, size_t n) { \
      Op##F32_best(a, as, b, bs, 1.0f, o, n);                                             \
    };                                                                                    \
  }
  TSR_ENTRY(Add, "add")
  TSR_ENTRY(Sub, "sub")
  TSR_ENTRY(Mul, "mul")
  TSR_ENTRY(Div, "div")
  TSR_ENTRY(Maximum, "maximum")
  TSR_ENTRY(Minimum, "minimum")
#undef TSR_ENTRY
  return nullptr;
}

namespace {

// The vector entry points of an element type.
template <typename T>
struct Vec;
#define TSR_MEMBER(Op) static constexpr BinaryFn<float> Op = &Op##F32_best;
template <>
struct Vec<float> {
  TSR_CPU_BINARY_OPS(TSR_MEMBER)
};
#undef TSR_MEMBER
#define TSR_MEMBER(Op) static constexpr BinaryFn<double> Op = &Op##F64_best;
template <>
struct Vec<double> {
  TSR_CPU_BINARY_OPS(TSR_MEMBER)
};
#undef TSR_MEMBER
using VecDTypes = DTypeList<DType::Float32, DType::Float64>;

// The broadcast of a and b as rows: the output (contiguous, of shape `shape`) is rows of
// `inner` elements; row r reads a from a + offset (a_step 1 along the row, or 0: one
// element repeated), likewise b. Dims are merged where both operands allow, so same
// shapes are one row and [8, 128, 768] + [768] is 1024 rows of 768.
struct RowPlan {
  Shape shape;
  SmallVector<int64_t, 6> sizes, a_strides, b_strides;  // the outer dims, merged
  int64_t rows = 1, inner = 1, a_step = 0, b_step = 0;

  std::pair<int64_t, int64_t> offsets(int64_t row) const {
    int64_t oa = 0, ob = 0;
    for (size_t d = sizes.size(); d-- > 0;) {
      const int64_t i = row % sizes[d];
      row /= sizes[d];
      oa += i * a_strides[d];
      ob += i * b_strides[d];
    }
    return {oa, ob};
  }
};

// nullopt when the shapes do not broadcast (the reference reports it) or the last merged
// dim is strided in an operand.
std::optional<RowPlan> plan_rows(const Tensor& a, const Tensor& b) {
  const int64_t nd = std::max(a.dim(), b.dim());
  RowPlan p;
  p.shape = Shape(static_cast<size_t>(nd), 1);
  struct Dim {
    int64_t size, sa, sb;
  };
  SmallVector<Dim, 6> dims;
  for (int64_t i = 0; i < nd; ++i) {
    const int64_t ia = i - (nd - a.dim()), ib = i - (nd - b.dim());
    const int64_t da = ia >= 0 ? a.size(ia) : 1, db = ib >= 0 ? b.size(ib) : 1;
    if (da != db && da != 1 && db != 1) return std::nullopt;
    const int64_t size = da == 1 ? db : da;
    p.shape[static_cast<size_t>(i)] = size;
    if (size == 1) continue;
    const Dim d{size, da == 1 ? 0 : a.stride(ia), db == 1 ? 0 : b.stride(ib)};
    if (!dims.empty() && dims.back().sa == d.sa * d.size && dims.back().sb == d.sb * d.size) {
      dims.back() = {dims.back().size * d.size, d.sa, d.sb};  // merged into the inner dim
    } else {
      dims.push_back(d);
    }
  }
  if (dims.empty()) dims.push_back({1, 0, 0});
  const Dim last = dims.back();
  if ((last.sa != 0 && last.sa != 1) || (last.sb != 0 && last.sb != 1)) return std::nullopt;
  p.inner = last.size;
  p.a_step = last.sa;
  p.b_step = last.sb;
  for (size_t i = 0; i + 1 < dims.size(); ++i) {
    p.sizes.push_back(dims[i].size);
    p.a_strides.push_back(dims[i].sa);
    p.b_strides.push_back(dims[i].sb);
    p.rows *= dims[i].size;
  }
  return p;
}

// out = fn(a, b) by the vector loop when both operands are of dtype T and the broadcast is
// rows (RowPlan); an undefined tensor otherwise.
template <typename T>
Tensor try_binary(const Tensor& a, const Tensor& b, T alpha, BinaryFn<T> fn) {
  if (a.dtype() != dtype_of<T> || b.dtype() != dtype_of<T>) return {};
  const auto plan = plan_rows(a, b);
  if (!plan) return {};
  Tensor out = empty(plan->shape, TensorOptions(dtype_of<T>, output_device({&a, &b})));
  if (out.numel() == 0) return out;
  const T* pa = static_cast<const T*>(a.data_ptr());
  const T* pb = static_cast<const T*>(b.data_ptr());
  T* po = static_cast<T*>(out.data_ptr());
  const auto as = static_cast<size_t>(plan->a_step), bs = static_cast<size_t>(plan->b_step);
  const int64_t w = plan->inner;
  if (plan->rows == 1) {  // one row: split along it
    parallel_for(0, w, kGrainSize, [&](int64_t begin, int64_t end) {
      fn(pa + begin * plan->a_step, as, pb + begin * plan->b_step, bs, alpha, po + begin,
         static_cast<size_t>(end - begin));
    });
    return out;
  }
  parallel_for(0, plan->rows, std::max<int64_t>(1, kGrainSize / w), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const auto [oa, ob] = plan->offsets(r);
      fn(pa + oa, as, pb + ob, bs, alpha, po + r * w, static_cast<size_t>(w));
    }
  });
  return out;
}

// float16 and bfloat16 operands of one dtype H, same shape or one a single element: blocks
// converted to float32, the float32 loop, each result rounded once (as the reference).
template <typename H>
Tensor try_half_binary(const Tensor& a, const Tensor& b, float alpha, BinaryFn<float> fn) {
  if (a.dtype() != dtype_of<H> || b.dtype() != dtype_of<H>) return {};
  const auto plan = plan_rows(a, b);
  if (!plan || plan->rows != 1) return {};
  Tensor out = empty(plan->shape, TensorOptions(dtype_of<H>, output_device({&a, &b})));
  const H* pa = static_cast<const H*>(a.data_ptr());
  const H* pb = static_cast<const H*>(b.data_ptr());
  H* po = static_cast<H*>(out.data_ptr());
  const int64_t as = plan->a_step, bs = plan->b_step;
  parallel_for(0, plan->inner, kGrainSize, [&](int64_t begin, int64_t end) {
    constexpr int64_t kBlock = 1024;
    float x[kBlock], y[kBlock], r[kBlock];
    for (int64_t i = begin; i < end; i += kBlock) {
      const auto n = static_cast<size_t>(std::min(kBlock, end - i));
      convert_to_float(pa + i * as, x, as ? n : 1);
      convert_to_float(pb + i * bs, y, bs ? n : 1);
      fn(x, static_cast<size_t>(as), y, static_cast<size_t>(bs), alpha, r, n);
      convert_from_float(r, po + i, n);
    }
  });
  return out;
}

using AlphaSig = Tensor(const Tensor&, const Tensor&, const Scalar&);
using PlainSig = Tensor(const Tensor&, const Tensor&);
using DivSig = Tensor(const Tensor&, const Tensor&, std::optional<std::string_view>);

// The vector loop of element type T (float, double, or a 16-bit float computed in float)
// for a and b; undefined when not covered. entry<U>() is the op's loop for element type U.
template <typename T, typename Entry>
Tensor try_any(const Tensor& a, const Tensor& b, double alpha, Entry entry) {
  if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
    return try_binary<T>(a, b, T(alpha), entry.template operator()<T>());
  } else {
    return try_half_binary<T>(a, b, float(alpha), entry.template operator()<float>());
  }
}

// add and sub: a complex or bool alpha is left to the reference kernel, which reports it.
template <typename T, typename Entry>
Tensor alpha_kernel(const Tensor& a, const Tensor& b, const Scalar& alpha, OperatorHandle op,
                    Entry entry) {
  if (alpha.is_integral() || alpha.is_floating()) {
    if (Tensor out = try_any<T>(a, b, alpha.to<double>(), entry); out.defined()) return out;
  }
  return op.typed<AlphaSig>().redispatch(kBackendReference, a, b, alpha);
}

template <typename T, typename Entry>
Tensor plain_kernel(const Tensor& a, const Tensor& b, OperatorHandle op, Entry entry) {
  if (Tensor out = try_any<T>(a, b, 1.0, entry); out.defined()) return out;
  return op.typed<PlainSig>().redispatch(kBackendReference, a, b);
}

// The vector loop of Op for element type U, as the kernels above take it.
#define TSR_ENTRY(Op) []<typename U>() { return Vec<U>::Op; }

template <typename T>
Tensor div_kernel(const Tensor& a, const Tensor& b, std::optional<std::string_view> mode) {
  if (!mode) {
    if (Tensor out = try_any<T>(a, b, 1.0, TSR_ENTRY(Div)); out.defined()) return out;
  }
  return ops::div_op().typed<DivSig>().redispatch(kBackendReference, a, b, mode);
}

}  // namespace

TSR_REGISTER {
  // float32 and float64; float16 and bfloat16 through float32 for the four arithmetic ops.
  using Arith = DTypeList<DType::Float32, DType::Float64, DType::Float16, DType::BFloat16>;
  impl_for(ops::add_op(), kBackendCPU, Arith{}, []<typename T>() {
    return +[](const Tensor& a, const Tensor& b, const Scalar& alpha) {
      return alpha_kernel<T>(a, b, alpha, ops::add_op(), TSR_ENTRY(Add));
    };
  });
  impl_for(ops::sub_op(), kBackendCPU, Arith{}, []<typename T>() {
    return +[](const Tensor& a, const Tensor& b, const Scalar& alpha) {
      return alpha_kernel<T>(a, b, alpha, ops::sub_op(), TSR_ENTRY(Sub));
    };
  });
  impl_for(ops::div_op(), kBackendCPU, Arith{}, []<typename T>() { return &div_kernel<T>; });
#define TSR_REGISTER_PLAIN(op, Op, DTypes)                           \
  impl_for(ops::op##_op(), kBackendCPU, DTypes{}, []<typename T>() { \
    return +[](const Tensor& a, const Tensor& b) {                   \
      return plain_kernel<T>(a, b, ops::op##_op(), TSR_ENTRY(Op));   \
    };                                                               \
  });
  TSR_REGISTER_PLAIN(mul, Mul, Arith)
  TSR_REGISTER_PLAIN(maximum, Maximum, VecDTypes)
  TSR_REGISTER_PLAIN(minimum, Minimum, VecDTypes)
#undef TSR_REGISTER_PLAIN
  // pow, atan2, fmod, remainder: float32 only (see TSR_CPU_F32_BINARY_OPS).
#define TSR_REGISTER_F32(Op, op)                                                                 \
  Dispatcher::get().impl(ops::op##_op(), kBackendCPU, DType::Float32,                            \
                         KernelFunction::from_unboxed(+[](const Tensor& a, const Tensor& b) {    \
                           return plain_kernel<float>(a, b, ops::op##_op(),                      \
                                                      []<typename>() { return &Op##F32_best; }); \
                         }));
  TSR_CPU_F32_BINARY_OPS(TSR_REGISTER_F32)
#undef TSR_REGISTER_F32
#undef TSR_ENTRY
}

}  // namespace tessera::cpu
#endif  // HWY_ONCE
