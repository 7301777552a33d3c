// Vector exp for the cpu kernels (Highway, re-included once per target like its
// contrib/math): ExpInRange for arguments the caller keeps in range, ExpNonPositive for
// the exp(x - max) of softmax and logsumexp.
#if defined(TESSERA_CPU_EXP_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef TESSERA_CPU_EXP_INL_H_
#undef TESSERA_CPU_EXP_INL_H_
#else
#define TESSERA_CPU_EXP_INL_H_
#endif

#include <hwy/contrib/math/math-inl.h>
#include <hwy/highway.h>

#include <numbers>
#include <type_traits>

HWY_BEFORE_NAMESPACE();
namespace tessera::cpu::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// e^x for float x in [-87, 88] (results normal; the callers' VectorRange keeps other
// lanes, NaN included, away): x = n ln2 + r with n = round(x / ln2) taken from the
// low bits of x / ln2 + 1.5 * 2^23, r by two FMAs with ln2 split, e^r = 1 + r + r^2 q(r)
// with q of degree 4 fitted to the relative error on |r| <= ln2 / 2 (< 4e-9; about
// 1 ulp in float32), and 2^n added to the exponent bits. About half of hn::Exp's work,
// which also covers the edges. float64 takes hn::Exp.
template <class D, class V>
HWY_INLINE V ExpInRange(D d, V x) {
  using T = hn::TFromD<D>;
  if constexpr (!std::is_same_v<T, float>) {
    return hn::Exp(d, x);
  } else {
    const hn::RebindToSigned<D> di;
    const V magic = hn::Set(d, 12582912.0f);  // 1.5 * 2^23
    const V t = hn::MulAdd(x, hn::Set(d, float(std::numbers::log2e)), magic);
    const V n = hn::Sub(t, magic);
    constexpr float kLn2Hi = float(std::numbers::ln2);
    constexpr float kLn2Lo = float(std::numbers::ln2 - double(kLn2Hi));
    V r = hn::NegMulAdd(n, hn::Set(d, kLn2Hi), x);
    r = hn::NegMulAdd(n, hn::Set(d, kLn2Lo), r);
    V q = hn::Set(d, 0.0013814532241193007f);
    for (const float c : {0.008368693238340445f, 0.041668387283234604f, 0.16666520830980644f,
                          0.4999999345720964f}) {
      q = hn::MulAdd(q, r, hn::Set(d, c));
    }
    const V e = hn::Add(hn::Set(d, 1.0f), hn::MulAdd(hn::Mul(r, r), q, r));
    // t's low bits hold n (1.5 * 2^23 contributes nothing after the shift).
    return hn::BitCast(d, hn::Add(hn::BitCast(di, e), hn::ShiftLeft<23>(hn::BitCast(di, t))));
  }
}

// exp(z) for z <= 0: z below the smallest normal's log (-inf included) gives 0.
template <class D, class V>
HWY_INLINE V ExpNonPositive(D d, V z) {
  using T = hn::TFromD<D>;
  const V lowest = hn::Set(d, std::is_same_v<T, float> ? T(-87) : T(-708));
  return hn::IfThenZeroElse(hn::Lt(z, lowest), ExpInRange(d, hn::Max(z, lowest)));
}

}  // namespace tessera::cpu::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // TESSERA_CPU_EXP_INL_H_
