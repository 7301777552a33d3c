// Vectorised cpu casts between float32 and float16, bfloat16, float64 and int32 for
// contiguous tensors, split over the intra-op threads. Each gives the reference's result
// (core/convert.h) bit for bit: float16 and bfloat16 round to nearest even, float -> int32
// truncates; lanes the vector instructions do not convert the same way (NaN for bfloat16,
// out of int32's range) take the scalar conversion. Other pairs are the reference kernel's.

// Highway's per-target re-inclusion needs this order.
// clang-format off
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "backends/cpu/kernels/cast.cpp"
#include <hwy/foreach_target.h>  // NOLINT: re-includes this file once per target
#include <hwy/highway.h>
// clang-format on

#include "core/convert.h"
#include "core/half.h"

HWY_BEFORE_NAMESPACE();
namespace tessera::cpu::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// from[i] -> to[i] for n elements, two vectors a step: each vector converted and stored,
// then redone by the scalar rule when ok(v) fails in any lane; the tail by the scalar rule.
template <typename To, typename From, class DF, class Convert, class Ok>
HWY_INLINE void CastLoop(DF df, const From* in, To* out, size_t n, Convert vconvert, Ok ok) {
  const size_t lanes = hn::Lanes(df);
  auto scalar = [&](size_t at) {
    for (size_t j = at; j < at + lanes; ++j) out[j] = convert<To>(in[j]);
  };
  size_t i = 0;
  for (; i + 2 * lanes <= n; i += 2 * lanes) {
    const auto v0 = hn::LoadU(df, in + i), v1 = hn::LoadU(df, in + i + lanes);
    vconvert(v0, out + i);
    vconvert(v1, out + i + lanes);
    if (!hn::AllTrue(df, hn::And(ok(v0), ok(v1)))) {
      scalar(i);
      scalar(i + lanes);
    }
  }
  for (; i + lanes <= n; i += lanes) {
    const auto v = hn::LoadU(df, in + i);
    vconvert(v, out + i);
    if (!hn::AllTrue(df, ok(v))) scalar(i);
  }
  for (; i < n; ++i) out[i] = convert<To>(in[i]);
}

void F32ToF16(const float* in, Half* out, size_t n) {
  const hn::ScalableTag<float> df;
  const hn::Rebind<hwy::float16_t, decltype(df)> dh;
  CastLoop(
      df, in, out, n,
      [&](auto v, Half* o) {
        hn::StoreU(hn::DemoteTo(dh, v), dh, reinterpret_cast<hwy::float16_t*>(o));
      },
      [&](auto v) { return hn::Eq(v, v); });  // NaN payloads: the scalar rule
}

void F16ToF32(const Half* in, float* out, size_t n) {
  const hn::ScalableTag<float> df;
  const hn::Rebind<hwy::float16_t, decltype(df)> dh;
  const size_t lanes = hn::Lanes(df);
  const auto* h = reinterpret_cast<const hwy::float16_t*>(in);
  size_t i = 0;
  for (; i + lanes <= n; i += lanes)
    hn::StoreU(hn::PromoteTo(df, hn::LoadU(dh, h + i)), df, out + i);
  for (; i < n; ++i) out[i] = convert<float>(in[i]);
}

// bfloat16 is the high half of a float32: shifts in integer lanes, rounding to nearest
// even by adding 0x7fff plus the kept half's lowest bit.
void F32ToBF16(const float* in, BFloat16* out, size_t n) {
  const hn::ScalableTag<float> df;
  const hn::RebindToUnsigned<decltype(df)> du;
  const hn::Rebind<uint16_t, decltype(df)> du16;
  CastLoop(
      df, in, out, n,
      [&](auto v, BFloat16* o) {
        const auto bits = hn::BitCast(du, v);
        const auto odd = hn::And(hn::ShiftRight<16>(bits), hn::Set(du, 1u));
        const auto rounded = hn::ShiftRight<16>(hn::Add(bits, hn::Add(hn::Set(du, 0x7fffu), odd)));
        // The rounded halves fit in int32, whose demotion to uint16 exists on every target.
        const auto narrow =
            hn::DemoteTo(du16, hn::BitCast(hn::RebindToSigned<decltype(du)>(), rounded));
        hn::StoreU(narrow, du16, reinterpret_cast<uint16_t*>(o));
      },
      [&](auto v) { return hn::Eq(v, v); });
}

void BF16ToF32(const BFloat16* in, float* out, size_t n) {
  const hn::ScalableTag<float> df;
  const hn::RebindToUnsigned<decltype(df)> du;
  const hn::Rebind<uint16_t, decltype(df)> du16;
  const size_t lanes = hn::Lanes(df);
  const auto* b = reinterpret_cast<const uint16_t*>(in);
  size_t i = 0;
  for (; i + lanes <= n; i += lanes) {
    const auto wide = hn::ShiftLeft<16>(hn::PromoteTo(du, hn::LoadU(du16, b + i)));
    hn::StoreU(hn::BitCast(df, wide), df, out + i);
  }
  for (; i < n; ++i) out[i] = convert<float>(in[i]);
}

// Truncation toward zero, as the reference (through int64, then wrapped to 32 bits) for
// |x| < 2^31; larger values, infinities and NaN take the scalar rule.
void F32ToI32(const float* in, int32_t* out, size_t n) {
  const hn::ScalableTag<float> df;
  const hn::RebindToSigned<decltype(df)> di;
  CastLoop(
      df, in, out, n, [&](auto v, int32_t* o) { hn::StoreU(hn::ConvertTo(di, v), di, o); },
      [&](auto v) { return hn::Lt(hn::Abs(v), hn::Set(df, 2147483648.0f)); });
}

void I32ToF32(const int32_t* in, float* out, size_t n) {
  const hn::ScalableTag<float> df;
  const hn::RebindToSigned<decltype(df)> di;
  const size_t lanes = hn::Lanes(df);
  size_t i = 0;
  for (; i + lanes <= n; i += lanes)
    hn::StoreU(hn::ConvertTo(df, hn::LoadU(di, in + i)), df, out + i);
  for (; i < n; ++i) out[i] = convert<float>(in[i]);
}

void F32ToF64(const float* in, double* out, size_t n) {
  const hn::ScalableTag<double> dd;
  const hn::Rebind<float, decltype(dd)> df;
  const size_t lanes = hn::Lanes(dd);
  size_t i = 0;
  for (; i + lanes <= n; i += lanes)
    hn::StoreU(hn::PromoteTo(dd, hn::LoadU(df, in + i)), dd, out + i);
  for (; i < n; ++i) out[i] = in[i];
}

void F64ToF32(const double* in, float* out, size_t n) {
  const hn::ScalableTag<double> dd;
  const hn::Rebind<float, decltype(dd)> df;
  const size_t lanes = hn::Lanes(dd);
  size_t i = 0;
  for (; i + lanes <= n; i += lanes)
    hn::StoreU(hn::DemoteTo(df, hn::LoadU(dd, in + i)), df, out + i);
  for (; i < n; ++i) out[i] = static_cast<float>(in[i]);
}

}  // namespace tessera::cpu::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE

#include "backends/cpu/kernels/cast.h"
#include "core/parallel.h"
#include "ops/elementwise.h"
#include "ops/handles.h"

namespace tessera::cpu {

HWY_EXPORT(F32ToF16);
HWY_EXPORT(F16ToF32);
HWY_EXPORT(F32ToBF16);
HWY_EXPORT(BF16ToF32);
HWY_EXPORT(F32ToI32);
HWY_EXPORT(I32ToF32);
HWY_EXPORT(F32ToF64);
HWY_EXPORT(F64ToF32);

void convert_to_float(const Half* in, float* out, size_t n) {
  HWY_DYNAMIC_DISPATCH(F16ToF32)(in, out, n);
}
void convert_to_float(const BFloat16* in, float* out, size_t n) {
  HWY_DYNAMIC_DISPATCH(BF16ToF32)(in, out, n);
}
void convert_from_float(const float* in, Half* out, size_t n) {
  HWY_DYNAMIC_DISPATCH(F32ToF16)(in, out, n);
}
void convert_from_float(const float* in, BFloat16* out, size_t n) {
  HWY_DYNAMIC_DISPATCH(F32ToBF16)(in, out, n);
}

namespace {

template <typename To, typename From>
void cast_range(const Tensor& self, Tensor& out, void (*fn)(const From*, To*, size_t)) {
  const From* in = static_cast<const From*>(self.data_ptr());
  To* o = static_cast<To*>(out.data_ptr());
  parallel_for(0, self.numel(), kGrainSize, [&](int64_t begin, int64_t end) {
    fn(in + begin, o + begin, static_cast<size_t>(end - begin));
  });
}

Tensor cast_kernel(const Tensor& self, DType dtype) {
  using D = DType;
  const DType from = self.dtype();
  if (self.is_contiguous()) {
#define TSR_CAST_CASE(F, T, TF, TT, Fn)                                    \
  if (from == D::F && dtype == D::T) {                                     \
    Tensor out = empty(self.sizes(), TensorOptions(dtype, self.device())); \
    cast_range<TT, TF>(self, out, HWY_DYNAMIC_DISPATCH(Fn));               \
    return out;                                                            \
  }
    TSR_CAST_CASE(Float32, Float16, float, Half, F32ToF16)
    TSR_CAST_CASE(Float16, Float32, Half, float, F16ToF32)
    TSR_CAST_CASE(Float32, BFloat16, float, BFloat16, F32ToBF16)
    TSR_CAST_CASE(BFloat16, Float32, BFloat16, float, BF16ToF32)
    TSR_CAST_CASE(Float32, Int32, float, int32_t, F32ToI32)
    TSR_CAST_CASE(Int32, Float32, int32_t, float, I32ToF32)
    TSR_CAST_CASE(Float32, Float64, float, double, F32ToF64)
    TSR_CAST_CASE(Float64, Float32, double, float, F64ToF32)
#undef TSR_CAST_CASE
  }
  return ops::cast_op().typed<Tensor(const Tensor&, DType)>().redispatch(kBackendReference, self,
                                                                         dtype);
}

}  // namespace

TSR_REGISTER {
  for (DType d : {DType::Float32, DType::Float16, DType::BFloat16, DType::Int32, DType::Float64}) {
    Dispatcher::get().impl(ops::cast_op(), kBackendCPU, d,
                           KernelFunction::from_unboxed(&cast_kernel));
  }
}

}  // namespace tessera::cpu
#endif  // HWY_ONCE
