// Vectorised cpu kernels for lerp (tensor and scalar weight), addcmul, prelu and
// masked_fill on contiguous float32/float64 operands of one shape (prelu: one slope or one
// per channel), and complex64/complex128 mul, split over the intra-op threads; the formulas
// are the reference kernels' (ops/pointwise.cpp, ops/activation.cpp, ops/indexing.cpp,
// ops/binary.cpp), which keep every other case.

// Highway's per-target re-inclusion needs this order.
// clang-format off
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "backends/cpu/kernels/pointwise.cpp"
#include <hwy/foreach_target.h>  // NOLINT: re-includes this file once per target
#include <hwy/highway.h>
// clang-format on

#include <cmath>
#include <complex>

HWY_BEFORE_NAMESPACE();
namespace tessera::cpu::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// PyTorch's lerp: self + w (end - self) for |w| < 0.5, else end - (end - self)(1 - w).
template <typename T>
HWY_INLINE T ScalarLerp(T s, T e, T w) {
  return std::abs(w) < T(0.5) ? s + w * (e - s) : e - (e - s) * (T(1) - w);
}

// out = lerp(s, e, w) with w[i] (w_step 1) or one weight (w_step 0).
template <typename T>
HWY_INLINE void LerpLoop(const T* s, const T* e, const T* w, size_t w_step, T* out, size_t n) {
  const hn::ScalableTag<T> d;
  const size_t lanes = hn::Lanes(d);
  const auto half = hn::Set(d, T(0.5)), one = hn::Set(d, T(1));
  size_t i = 0;
  for (; i + lanes <= n; i += lanes) {
    const auto vs = hn::LoadU(d, s + i), ve = hn::LoadU(d, e + i);
    const auto vw = w_step ? hn::LoadU(d, w + i) : hn::Set(d, w[0]);
    const auto diff = hn::Sub(ve, vs);
    const auto low = hn::Add(vs, hn::Mul(vw, diff));
    const auto high = hn::Sub(ve, hn::Mul(diff, hn::Sub(one, vw)));
    hn::StoreU(hn::IfThenElse(hn::Lt(hn::Abs(vw), half), low, high), d, out + i);
  }
  for (; i < n; ++i) out[i] = ScalarLerp(s[i], e[i], w[w_step * i]);
}

// out = s + v (x y), unfused as the reference.
template <typename T>
HWY_INLINE void AddcmulLoop(const T* s, const T* x, const T* y, T v, T* out, size_t n) {
  const hn::ScalableTag<T> d;
  const size_t lanes = hn::Lanes(d);
  const auto vv = hn::Set(d, v);
  size_t i = 0;
  for (; i + lanes <= n; i += lanes) {
    const auto prod = hn::Mul(vv, hn::Mul(hn::LoadU(d, x + i), hn::LoadU(d, y + i)));
    hn::StoreU(hn::Add(hn::LoadU(d, s + i), prod), d, out + i);
  }
  for (; i < n; ++i) out[i] = s[i] + v * (x[i] * y[i]);
}

// out = x > 0 ? x : w x over a plane of one slope.
template <typename T>
HWY_INLINE void PreluPlane(const T* x, T w, T* out, size_t n) {
  const hn::ScalableTag<T> d;
  const size_t lanes = hn::Lanes(d);
  const auto vw = hn::Set(d, w), zero = hn::Zero(d);
  size_t i = 0;
  for (; i + lanes <= n; i += lanes) {
    const auto v = hn::LoadU(d, x + i);
    hn::StoreU(hn::IfThenElse(hn::Gt(v, zero), v, hn::Mul(v, vw)), d, out + i);
  }
  for (; i < n; ++i) out[i] = x[i] > 0 ? x[i] : w * x[i];
}

// out = mask ? value : x, the mask one byte per element.
template <typename T>
HWY_INLINE void MaskedFillLoop(const T* x, const bool* mask, T value, T* out, size_t n) {
  size_t i = 0;
  if constexpr (sizeof(T) == 4) {  // bytes widen to 32-bit lanes on every target
    const hn::ScalableTag<T> d;
    const hn::RebindToUnsigned<decltype(d)> du;
    const hn::Rebind<uint8_t, decltype(d)> d8;
    const size_t lanes = hn::Lanes(d);
    const auto vv = hn::Set(d, value);
    const auto* m = reinterpret_cast<const uint8_t*>(mask);
    for (; i + lanes <= n; i += lanes) {
      const auto set =
          hn::RebindMask(d, hn::Ne(hn::PromoteTo(du, hn::LoadU(d8, m + i)), hn::Zero(du)));
      hn::StoreU(hn::IfThenElse(set, vv, hn::LoadU(d, x + i)), d, out + i);
    }
  }
  for (; i < n; ++i) out[i] = mask[i] ? value : x[i];
}

// Complex products of n interleaved (re, im) pairs: (ar br - ai bi, ar bi + ai br), each
// product rounded then summed, as std::complex's formula; a block whose result holds a NaN
// (from an infinity or a NaN operand) is recomputed by std::complex, which recovers
// infinities as C's Annex G does (the reference kernel's definition).
template <typename T>
HWY_INLINE void ComplexMulLoop(const T* a, const T* b, T* out, size_t n) {
  const auto scalar = [&](size_t k) {
    const std::complex<T> x(a[2 * k], a[2 * k + 1]), y(b[2 * k], b[2 * k + 1]);
    const std::complex<T> z = x * y;
    out[2 * k] = z.real();
    out[2 * k + 1] = z.imag();
  };
  size_t i = 0;  // in floats
#if HWY_TARGET != HWY_SCALAR
  {
    const hn::ScalableTag<T> d;
    const size_t lanes = hn::Lanes(d);  // floats per vector: lanes / 2 complex numbers
    // -1 in the even (real) lanes, +1 in the odd ones.
    const auto sign = hn::OddEven(hn::Set(d, T(1)), hn::Set(d, T(-1)));
    for (; i + lanes <= 2 * n; i += lanes) {
      const auto va = hn::LoadU(d, a + i), vb = hn::LoadU(d, b + i);
      const auto re = hn::DupEven(va), im = hn::DupOdd(va);
      const auto r = hn::Add(hn::Mul(re, vb), hn::Mul(sign, hn::Mul(im, hn::Reverse2(d, vb))));
      hn::StoreU(r, d, out + i);
      if (HWY_UNLIKELY(!hn::AllFalse(d, hn::IsNaN(r)))) {
        for (size_t k = i / 2; k < (i + lanes) / 2; ++k) scalar(k);
      }
    }
  }
#endif
  for (size_t k = i / 2; k < n; ++k) scalar(k);
}

#define TSR_POINTWISE_ENTRIES(T, F)                                                         \
  void Lerp##F(const T* s, const T* e, const T* w, size_t ws, T* o, size_t n) {             \
    LerpLoop(s, e, w, ws, o, n);                                                            \
  }                                                                                         \
  void Addcmul##F(const T* s, const T* x, const T* y, T v, T* o, size_t n) {                \
    AddcmulLoop(s, x, y, v, o, n);                                                          \
  }                                                                                         \
  void PreluPlanes##F(const T* x, const T* w, size_t nw, T* o, size_t planes, size_t plane, \
                      size_t first) {                                                       \
    for (size_t p = 0; p < planes; ++p)                                                     \
      PreluPlane(x + p * plane, w[(first + p) % nw], o + p * plane, plane);                 \
  }                                                                                         \
  void MaskedFill##F(const T* x, const bool* m, T v, T* o, size_t n) {                      \
    MaskedFillLoop(x, m, v, o, n);                                                          \
  }                                                                                         \
  void ComplexMul##F(const T* a, const T* b, T* o, size_t n) {                              \
    ComplexMulLoop(a, b, o, n);                                                             \
  }
TSR_POINTWISE_ENTRIES(float, F32)
TSR_POINTWISE_ENTRIES(double, F64)
#undef TSR_POINTWISE_ENTRIES

}  // namespace tessera::cpu::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE

#include "core/parallel.h"
#include "ops/elementwise.h"
#include "ops/handles.h"

namespace tessera::cpu {

HWY_EXPORT(LerpF32);
HWY_EXPORT(LerpF64);
HWY_EXPORT(AddcmulF32);
HWY_EXPORT(AddcmulF64);
HWY_EXPORT(PreluPlanesF32);
HWY_EXPORT(PreluPlanesF64);
HWY_EXPORT(MaskedFillF32);
HWY_EXPORT(MaskedFillF64);
HWY_EXPORT(ComplexMulF32);
HWY_EXPORT(ComplexMulF64);

namespace {

template <typename T>
constexpr bool kF32 = std::is_same_v<T, float>;

// Whether every tensor is contiguous, of dtype T (bool for a mask) and of self's shape.
template <typename T>
bool same_layout(const Tensor& self, std::initializer_list<const Tensor*> others) {
  if (self.dtype() != dtype_of<T> || !self.is_contiguous()) return false;
  for (const Tensor* t : others) {
    if (!t->is_contiguous() || !t->sizes().equals(self.sizes())) return false;
  }
  return true;
}

template <typename T>
const T* data(const Tensor& t) {
  return static_cast<const T*>(t.data_ptr());
}

// f(begin, end, out) over self's elements in parallel ranges, into a new tensor like self.
template <typename T, typename F>
Tensor map_ranges(const Tensor& self, F f) {
  Tensor out = empty(self.sizes(), TensorOptions(dtype_of<T>, self.device()));
  T* o = static_cast<T*>(out.data_ptr());
  parallel_for(0, self.numel(), kGrainSize, [&](int64_t b, int64_t e) { f(b, e, o); });
  return out;
}

template <typename T>
void lerp_range(const T* s, const T* e, const T* w, size_t ws, T* o, size_t n) {
  if constexpr (kF32<T>) {
    HWY_DYNAMIC_DISPATCH(LerpF32)(s, e, w, ws, o, n);
  } else {
    HWY_DYNAMIC_DISPATCH(LerpF64)(s, e, w, ws, o, n);
  }
}

template <typename T>
Tensor lerp_tensor_kernel(const Tensor& self, const Tensor& end, const Tensor& weight) {
  if (!same_layout<T>(self, {&end, &weight}) || end.dtype() != self.dtype() ||
      weight.dtype() != self.dtype()) {
    return ops::lerp_tensor_op()
        .typed<Tensor(const Tensor&, const Tensor&, const Tensor&)>()
        .redispatch(kBackendReference, self, end, weight);
  }
  return map_ranges<T>(self, [&](int64_t b, int64_t e, T* o) {
    lerp_range<T>(data<T>(self) + b, data<T>(end) + b, data<T>(weight) + b, 1, o + b,
                  static_cast<size_t>(e - b));
  });
}

template <typename T>
Tensor lerp_scalar_kernel(const Tensor& self, const Tensor& end, const Scalar& weight) {
  if (!same_layout<T>(self, {&end}) || end.dtype() != self.dtype() ||
      !(weight.is_floating() || weight.is_integral())) {
    return ops::lerp_scalar_op()
        .typed<Tensor(const Tensor&, const Tensor&, const Scalar&)>()
        .redispatch(kBackendReference, self, end, weight);
  }
  const T w = weight.to<T>();
  return map_ranges<T>(self, [&](int64_t b, int64_t e, T* o) {
    lerp_range<T>(data<T>(self) + b, data<T>(end) + b, &w, 0, o + b, static_cast<size_t>(e - b));
  });
}

template <typename T>
Tensor addcmul_kernel(const Tensor& self, const Tensor& t1, const Tensor& t2, const Scalar& value) {
  if (!same_layout<T>(self, {&t1, &t2}) || t1.dtype() != self.dtype() ||
      t2.dtype() != self.dtype() || !(value.is_floating() || value.is_integral())) {
    return ops::addcmul_op()
        .typed<Tensor(const Tensor&, const Tensor&, const Tensor&, const Scalar&)>()
        .redispatch(kBackendReference, self, t1, t2, value);
  }
  const T v = value.to<T>();
  return map_ranges<T>(self, [&](int64_t b, int64_t e, T* o) {
    const auto n = static_cast<size_t>(e - b);
    if constexpr (kF32<T>) {
      HWY_DYNAMIC_DISPATCH(AddcmulF32)
      (data<T>(self) + b, data<T>(t1) + b, data<T>(t2) + b, v, o + b, n);
    } else {
      HWY_DYNAMIC_DISPATCH(AddcmulF64)
      (data<T>(self) + b, data<T>(t1) + b, data<T>(t2) + b, v, o + b, n);
    }
  });
}

template <typename T>
Tensor prelu_kernel(const Tensor& self, const Tensor& weight) {
  const int64_t channels = self.dim() >= 2 ? self.size(1) : 1;
  const bool covered = self.dtype() == dtype_of<T> && self.is_contiguous() && self.numel() > 0 &&
                       weight.dtype() == dtype_of<T> && weight.dim() <= 1 &&
                       weight.is_contiguous() &&
                       (weight.numel() == 1 || weight.numel() == channels);
  if (!covered) {
    return ops::prelu_op().typed<Tensor(const Tensor&, const Tensor&)>().redispatch(
        kBackendReference, self, weight);
  }
  // Planes of one slope: every element when there is one, else each channel's elements.
  const int64_t nw = weight.numel();
  const int64_t plane = nw == 1 ? self.numel() : self.numel() / (self.size(0) * channels);
  const int64_t planes = self.numel() / plane;
  if (planes == 1) {
    return map_ranges<T>(self, [&](int64_t b, int64_t e, T* po) {
      const auto args = std::make_tuple(data<T>(self) + b, data<T>(weight), size_t{1}, po + b,
                                        size_t{1}, static_cast<size_t>(e - b), size_t{0});
      if constexpr (kF32<T>) {
        std::apply(HWY_DYNAMIC_DISPATCH(PreluPlanesF32), args);
      } else {
        std::apply(HWY_DYNAMIC_DISPATCH(PreluPlanesF64), args);
      }
    });
  }
  Tensor out = empty(self.sizes(), TensorOptions(dtype_of<T>, self.device()));
  T* o = static_cast<T*>(out.data_ptr());
  parallel_for(0, planes, std::max<int64_t>(1, kGrainSize / plane), [&](int64_t p0, int64_t p1) {
    const auto args = std::make_tuple(
        data<T>(self) + p0 * plane, data<T>(weight), static_cast<size_t>(nw), o + p0 * plane,
        static_cast<size_t>(p1 - p0), static_cast<size_t>(plane), static_cast<size_t>(p0));
    if constexpr (kF32<T>) {
      std::apply(HWY_DYNAMIC_DISPATCH(PreluPlanesF32), args);
    } else {
      std::apply(HWY_DYNAMIC_DISPATCH(PreluPlanesF64), args);
    }
  });
  return out;
}

template <typename T>
Tensor masked_fill_kernel(const Tensor& self, const Tensor& mask, const Scalar& value) {
  if (!same_layout<T>(self, {&mask}) || mask.dtype() != DType::Bool ||
      !(value.is_floating() || value.is_integral())) {
    return ops::masked_fill_op()
        .typed<Tensor(const Tensor&, const Tensor&, const Scalar&)>()
        .redispatch(kBackendReference, self, mask, value);
  }
  const T v = value.to<T>();
  return map_ranges<T>(self, [&](int64_t b, int64_t e, T* o) {
    const auto n = static_cast<size_t>(e - b);
    if constexpr (kF32<T>) {
      HWY_DYNAMIC_DISPATCH(MaskedFillF32)(data<T>(self) + b, data<bool>(mask) + b, v, o + b, n);
    } else {
      HWY_DYNAMIC_DISPATCH(MaskedFillF64)(data<T>(self) + b, data<bool>(mask) + b, v, o + b, n);
    }
  });
}

// mul of complex64/complex128 operands of one shape, contiguous (PyTorch's formula, with
// the reference's recovery of infinities).
template <typename T>
Tensor complex_mul_kernel(const Tensor& self, const Tensor& other) {
  using R = typename T::value_type;
  if (!same_layout<T>(self, {&other}) || other.dtype() != self.dtype()) {
    return ops::mul_op().typed<Tensor(const Tensor&, const Tensor&)>().redispatch(kBackendReference,
                                                                                  self, other);
  }
  return map_ranges<T>(self, [&](int64_t b, int64_t e, T* o) {
    const auto* x = reinterpret_cast<const R*>(data<T>(self) + b);
    const auto* y = reinterpret_cast<const R*>(data<T>(other) + b);
    auto* z = reinterpret_cast<R*>(o + b);
    if constexpr (std::is_same_v<R, float>) {
      HWY_DYNAMIC_DISPATCH(ComplexMulF32)(x, y, z, static_cast<size_t>(e - b));
    } else {
      HWY_DYNAMIC_DISPATCH(ComplexMulF64)(x, y, z, static_cast<size_t>(e - b));
    }
  });
}

}  // namespace

TSR_REGISTER {
  using F = DTypeList<DType::Float32, DType::Float64>;
  impl_for(ops::lerp_tensor_op(), kBackendCPU, F{},
           []<typename T>() { return &lerp_tensor_kernel<T>; });
  impl_for(ops::lerp_scalar_op(), kBackendCPU, F{},
           []<typename T>() { return &lerp_scalar_kernel<T>; });
  impl_for(ops::addcmul_op(), kBackendCPU, F{}, []<typename T>() { return &addcmul_kernel<T>; });
  impl_for(ops::prelu_op(), kBackendCPU, F{}, []<typename T>() { return &prelu_kernel<T>; });
  impl_for(ops::masked_fill_op(), kBackendCPU, F{},
           []<typename T>() { return &masked_fill_kernel<T>; });
  impl_for(ops::mul_op(), kBackendCPU, DTypeList<DType::Complex64, DType::Complex128>{},
           []<typename T>() { return &complex_mul_kernel<T>; });
}

}  // namespace tessera::cpu
#endif  // HWY_ONCE
