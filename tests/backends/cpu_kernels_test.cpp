// The optimised cpu kernels against the reference kernels they stand in for, on sizes that
// exercise the vector loops' tails, scalar operands, special values, and the cases they
// hand back to the reference. See Note [CPU elementwise kernels].
#include <gtest/gtest.h>

#include <algorithm>

#include <cmath>
#include <random>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "ops/grid_sample.h"
#include "ops/handles.h"
#include "support/torch_cases.h"
#include "tessera.h"

namespace tessera {
namespace {

const int64_t kSizes[] = {0, 1, 3, 7, 8, 15, 16, 17, 31, 33, 100, 1000, 1027};

Tensor random(int64_t n, DType dt, uint32_t seed, bool positive = false) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(positive ? 0.01 : -20.0, 20.0);
  Tensor t = empty({n}, DType::Float64);
  double* p = t.data<double>();
  const double specials[] = {0.0, -0.0, INFINITY, -INFINITY, NAN, 1e-300, 88.0, -90.0, 1e-40};
  for (int64_t i = 0; i < n; ++i) p[i] = (i % 11 == 5) ? specials[(i / 11) % 9] : u(rng);
  return t.to(dt);
}

using testing::compare_tensors;

// Finite elements (x == x and |x| < inf), as a bool tensor.
Tensor isfinite_mask(const Tensor& t) {
  return lt(abs(t), full({}, INFINITY, t.dtype()));
}

template <typename Sig, typename... Args>
void expect_same(OperatorHandle op, const std::string& what, Args... args) {
  const auto typed = op.typed<Sig>();
  const Tensor cpu = typed.call(args...);
  const Tensor ref = typed.redispatch(kBackendReference, args...);
  const std::string diff = compare_tensors(cpu, ref);
  EXPECT_EQ(diff, "") << op.name() << " " << what;
}

class CpuKernels : public ::testing::TestWithParam<DType> {};

TEST_P(CpuKernels, BinaryMatchReference) {
  using Sig = Tensor(const Tensor&, const Tensor&, const Scalar&);
  const DType dt = GetParam();
  for (int64_t n : kSizes) {
    const Tensor a = random(n, dt, 1), b = random(n, dt, 2), s = full({}, 2.5, dt);
    for (const Scalar& alpha : {Scalar(1), Scalar(-3), Scalar(0.5)}) {
      expect_same<Sig>(ops::add_op(), "n=" + std::to_string(n), a, b, alpha);
      expect_same<Sig>(ops::sub_op(), "n=" + std::to_string(n), a, b, alpha);
      expect_same<Sig>(ops::add_op(), "scalar n=" + std::to_string(n), s, b, alpha);
      expect_same<Sig>(ops::sub_op(), "scalar n=" + std::to_string(n), a, s, alpha);
    }
    expect_same<Tensor(const Tensor&, const Tensor&)>(ops::mul_op(), "n=" + std::to_string(n), a,
                                                      b);
    expect_same<Tensor(const Tensor&, const Tensor&)>(ops::mul_op(), "scalar", a,
                                                      wrapped_scalar(3.0));
    using DivSig = Tensor(const Tensor&, const Tensor&, std::optional<std::string_view>);
    expect_same<DivSig>(ops::div_op(), "n=" + std::to_string(n), a, b, std::nullopt);
    expect_same<DivSig>(ops::div_op(), "floor n=" + std::to_string(n), a, b,
                        std::string_view("floor"));
    // Rows broadcast along leading dims, either side: [n] with [2, 3, n], [3, n] with [2, 3, n].
    const Tensor big = random(6 * n, dt, 5).view({2, 3, n});
    const Tensor rows = random(3 * n, dt, 6).view({3, n});
    for (const Tensor& small : {a, a.view({1, n}), rows}) {
      const std::string what = fmt::format("rows {} with {}", small.sizes(), big.sizes());
      expect_same<Sig>(ops::add_op(), what, big, small, Scalar(2));
      expect_same<Sig>(ops::sub_op(), what, small, big, Scalar(1));
      expect_same<Tensor(const Tensor&, const Tensor&)>(ops::mul_op(), what, small, big);
      expect_same<DivSig>(ops::div_op(), what, big, small, std::nullopt);
    }
    // fmod and remainder (float32 through float64 lanes): small and huge quotients, zero
    // divisors, negative operands, exact multiples.
    for (OperatorHandle op : {ops::fmod_op(), ops::remainder_op()}) {
      using PlainSig2 = Tensor(const Tensor&, const Tensor&);
      expect_same<PlainSig2>(op, "n=" + std::to_string(n), a, b);
      expect_same<PlainSig2>(op, "huge quotients", mul(a, full({}, 1e9, dt)), b);
      expect_same<PlainSig2>(op, "multiples", mul(round(b), full({}, 3.0, dt)), round(b));
      expect_same<PlainSig2>(op, "scalar divisor", a, full({}, -0.7, dt));
    }
    // pow and atan2 (float32 through float64 lanes): positive and negative bases, integer
    // exponents, zeros, overflow, every quadrant.
    for (OperatorHandle op : {ops::pow_op(), ops::atan2_op()}) {
      using PlainSig3 = Tensor(const Tensor&, const Tensor&);
      expect_same<PlainSig3>(op, "n=" + std::to_string(n), a, div(b, full({}, 4.0, dt)));
      expect_same<PlainSig3>(op, "integer exponents", a, round(div(b, full({}, 4.0, dt))));
      expect_same<PlainSig3>(op, "scalar", abs(a), full({}, 0.5, dt));
      expect_same<PlainSig3>(op, "large", mul(abs(a), full({}, 1e3, dt)), full({}, 30.0, dt));
    }
    // A column, an outer product, transposed operands and a strided last dim (reference).
    const Tensor column = random(3, dt, 7).view({3, 1});
    const Tensor other = random(6 * n, dt, 8).view({2, 3, n});
    using PlainSig = Tensor(const Tensor&, const Tensor&);
    for (OperatorHandle op : {ops::mul_op(), ops::maximum_op(), ops::minimum_op()}) {
      expect_same<PlainSig>(op, "column", big, column);
      expect_same<PlainSig>(op, "outer", column, a.view({1, n}));
      expect_same<PlainSig>(op, "transposed", big.transpose(0, 1), other.transpose(0, 1));
      expect_same<PlainSig>(op, "transposed last", big.transpose(1, 2), other.transpose(1, 2));
      expect_same<PlainSig>(op, "same", a, b);
      expect_same<PlainSig>(op, "scalar", s, b);
    }
  }
}

TEST_P(CpuKernels, UnaryMatchReference) {
  const DType dt = GetParam();
  for (int64_t n : kSizes) {
    const Tensor a = random(n, dt, 3), p = random(n, dt, 4, true);
    for (OperatorHandle op :
         {ops::exp_op(),      ops::neg_op(),         ops::abs_op(),       ops::sigmoid_op(),
          ops::tanh_op(),     ops::relu_op(),        ops::silu_op(),      ops::exp2_op(),
          ops::rsqrt_op(),    ops::reciprocal_op(),  ops::sign_op(),      ops::floor_op(),
          ops::ceil_op(),     ops::round_op(),       ops::trunc_op(),     ops::frac_op(),
          ops::cosh_op(),     ops::erf_op(),         ops::selu_op(),      ops::mish_op(),
          ops::softsign_op(), ops::hardsigmoid_op(), ops::hardswish_op(), ops::erfc_op(),
          ops::angle_op()}) {
      expect_same<Tensor(const Tensor&)>(op, "n=" + std::to_string(n), a);
      expect_same<Tensor(const Tensor&)>(op, "small n=" + std::to_string(n),
                                         div(a, full({}, 20.0, dt)));
    }
    // erfc across its whole range, where its result goes from 2 to subnormal; the ops on
    // the vector exp across theirs and beyond (lanes past +-80 go to the C library).
    const Tensor sweep = linspace(-5.0, 11.0, 20011 + n, DType::Float64).to(dt);
    expect_same<Tensor(const Tensor&)>(ops::erfc_op(), "sweep n=" + std::to_string(n), sweep);
    const Tensor wide = linspace(-100.0, 100.0, 20011 + n, DType::Float64).to(dt);
    for (OperatorHandle op :
         {ops::exp_op(), ops::sigmoid_op(), ops::silu_op(), ops::cosh_op(), ops::exp2_op()}) {
      expect_same<Tensor(const Tensor&)>(op, "sweep n=" + std::to_string(n), wide);
    }
    // Halves (round to even), integers and values near the poles of tan.
    const Tensor halves = div(round(mul(a, full({}, 2.0, dt))), full({}, 2.0, dt));
    for (OperatorHandle op : {ops::round_op(), ops::floor_op(), ops::ceil_op(), ops::trunc_op(),
                              ops::frac_op(), ops::exp2_op(), ops::tan_op()}) {
      expect_same<Tensor(const Tensor&)>(op, "halves n=" + std::to_string(n), halves);
    }
    const Tensor poles = add(mul(round(a), full({}, M_PI, dt)), full({}, M_PI / 2 - 1e-3, dt));
    expect_same<Tensor(const Tensor&)>(ops::tan_op(), "poles n=" + std::to_string(n), poles);
    expect_same<Tensor(const Tensor&)>(ops::tan_op(), "n=" + std::to_string(n), a);
    // The activations with parameters, including parameters the vector code leaves to the
    // reference (clamp bounds crossed, a negative input_scale, a large beta).
    for (auto [lo, hi] : {std::pair<double, double>{-1.5, 2}, {3, -3}}) {
      using Sig = Tensor(const Tensor&, const std::optional<Scalar>&, const std::optional<Scalar>&);
      expect_same<Sig>(ops::clamp_op(), "clamp", a, Scalar(lo), Scalar(hi));
      expect_same<Sig>(ops::clamp_op(), "clamp min", a, Scalar(lo), std::nullopt);
      expect_same<Sig>(ops::clamp_op(), "clamp max", a, std::nullopt, Scalar(hi));
      using HSig = Tensor(const Tensor&, const Scalar&, const Scalar&);
      expect_same<HSig>(ops::hardtanh_op(), "hardtanh", a, Scalar(lo), Scalar(hi));
    }
    using S1 = Tensor(const Tensor&, const Scalar&);
    expect_same<S1>(ops::leaky_relu_op(), "leaky_relu", a, Scalar(0.1));
    expect_same<S1>(ops::celu_op(), "celu", a, Scalar(0.7));
    expect_same<S1>(ops::celu_op(), "celu negative alpha", a, Scalar(-0.7));
    using S3 = Tensor(const Tensor&, const Scalar&, const Scalar&, const Scalar&);
    expect_same<S3>(ops::elu_op(), "elu", a, Scalar(1.2), Scalar(0.9), Scalar(1.1));
    using S2 = Tensor(const Tensor&, const Scalar&, const Scalar&);
    for (auto [beta, threshold] : {std::pair<double, double>{1, 20}, {2, 5}, {0.5, 100}}) {
      expect_same<S2>(ops::softplus_op(), "softplus", a, Scalar(beta), Scalar(threshold));
    }
    using GSig = Tensor(const Tensor&, std::string_view);
    for (std::string_view mode : {"none", "tanh"}) {
      expect_same<GSig>(ops::gelu_op(), std::string("gelu ") + std::string(mode), a, mode);
      expect_same<GSig>(ops::gelu_op(), std::string("small gelu ") + std::string(mode),
                        div(a, full({}, 5.0, dt)), mode);
    }
    // Inputs in [-20, 20] and specials: inside and outside each function's vector range.
    for (OperatorHandle op :
         {ops::sin_op(), ops::cos_op(), ops::asin_op(), ops::acos_op(), ops::atan_op(),
          ops::asinh_op(), ops::acosh_op(), ops::atanh_op(), ops::sinh_op(), ops::expm1_op(),
          ops::log1p_op(), ops::log2_op(), ops::log10_op()}) {
      expect_same<Tensor(const Tensor&)>(op, "n=" + std::to_string(n), a);
      expect_same<Tensor(const Tensor&)>(op, "small n=" + std::to_string(n),
                                         div(a, full({}, 20.0, dt)));
    }
    for (OperatorHandle op : {ops::log_op(), ops::sqrt_op()}) {
      expect_same<Tensor(const Tensor&)>(op, "n=" + std::to_string(n), p);
      expect_same<Tensor(const Tensor&)>(op, "negative n=" + std::to_string(n), a);
    }
  }
}

TEST_P(CpuKernels, SumMatchesReference) {
  using Sig = Tensor(const Tensor&, OptionalIntArrayRef, bool, std::optional<DType>);
  const DType dt = GetParam();
  for (int64_t n : kSizes) {
    const Tensor v = random(n, dt, 7);
    const Tensor finite = where(isfinite_mask(v), v, full({}, 1.0, dt));
    for (const Tensor& t : {finite, finite.view({1, n}), v}) {
      for (bool keepdim : {false, true}) {
        const std::string what = "n=" + std::to_string(n) + (keepdim ? " keepdim" : "");
        expect_same<Sig>(ops::sum_op(), what, t, OptionalIntArrayRef(std::nullopt), keepdim,
                         std::nullopt);
        expect_same<Sig>(ops::sum_op(), what + " dim -1", t, OptionalIntArrayRef({-1}), keepdim,
                         std::nullopt);
      }
    }
  }
  const Tensor m = random(3 * 5 * 40, dt, 8);
  const Tensor m3 = where(isfinite_mask(m), m, full({}, 1.0, dt)).view({3, 5, 40});
  expect_same<Sig>(ops::sum_op(), "3-d last dim", m3, OptionalIntArrayRef({2}), false,
                   std::nullopt);
  expect_same<Sig>(ops::sum_op(), "3-d dim 0 (reference)", m3, OptionalIntArrayRef({0}), false,
                   std::nullopt);
  expect_same<Sig>(ops::sum_op(), "dtype (reference)", m3, OptionalIntArrayRef({2}), false,
                   DType::Float64);
  expect_same<Sig>(ops::sum_op(), "0-d", full({}, 2.5, dt), OptionalIntArrayRef(std::nullopt),
                   false, std::nullopt);
  expect_same<Sig>(ops::sum_op(), "empty rows", zeros({3, 0}, dt), OptionalIntArrayRef({-1}), true,
                   std::nullopt);
}

// lerp, addcmul, prelu and masked_fill of pointwise.cpp, with weights on both sides of 0.5,
// NaN and infinities, and the cases left to the reference (broadcasts).
TEST_P(CpuKernels, PointwiseMatchReference) {
  using Sig3 = Tensor(const Tensor&, const Tensor&, const Tensor&);
  using LerpScalarSig = Tensor(const Tensor&, const Tensor&, const Scalar&);
  using AddcmulSig = Tensor(const Tensor&, const Tensor&, const Tensor&, const Scalar&);
  using PreluSig = Tensor(const Tensor&, const Tensor&);
  const DType dt = GetParam();
  for (int64_t n : kSizes) {
    const Tensor a = random(n, dt, 31), b = random(n, dt, 32);
    const Tensor w = div(random(n, dt, 33), full({}, 20.0, dt));  // around [-1, 1]
    const std::string what = "n=" + std::to_string(n);
    expect_same<Sig3>(ops::lerp_tensor_op(), what, a, b, w);
    for (double weight : {0.3, 0.7, -2.0}) {
      expect_same<LerpScalarSig>(ops::lerp_scalar_op(), what, a, b, Scalar(weight));
    }
    expect_same<AddcmulSig>(ops::addcmul_op(), what, a, b, w, Scalar(0.5));
    expect_same<AddcmulSig>(ops::addcmul_op(), what + " broadcast (reference)", a, b,
                            full({}, 2.0, dt), Scalar(int64_t{2}));
    const Tensor mask = gt(w, full({}, 0.0, dt));
    using FillSig = Tensor(const Tensor&, const Tensor&, const Scalar&);
    expect_same<FillSig>(ops::masked_fill_op(), what, a, mask, Scalar(-1e4));
    // prelu: one slope, and one per channel of [2, 3, n].
    const Tensor x = random(6 * n, dt, 34).view({2, 3, n});
    expect_same<PreluSig>(ops::prelu_op(), what, x, full({1}, 0.25, dt));
    expect_same<PreluSig>(ops::prelu_op(), what, x, random(3, dt, 35));
    expect_same<PreluSig>(ops::prelu_op(), what + " 1-d", a, full({1}, -0.5, dt));
  }
}

// complex64/complex128 mul (pointwise.cpp): the parts from random() (NaN, infinities,
// signed zeros among them, where the reference recovers infinities as C's Annex G does),
// and a broadcast left to the reference.
TEST(CpuComplexMul, MatchesReference) {
  using Sig = Tensor(const Tensor&, const Tensor&);
  for (DType dt : {DType::Complex64, DType::Complex128}) {
    const DType part = dt == DType::Complex64 ? DType::Float32 : DType::Float64;
    for (int64_t n : kSizes) {
      const auto make = [&](uint32_t seed) {
        Tensor z = zeros({n}, dt);
        real(z).copy_(random(n, part, seed));
        imag(z).copy_(random(n, part, seed + 100));
        return z;
      };
      const Tensor a = make(41), b = make(42);
      const std::string what = std::string(name(dt)) + " n=" + std::to_string(n);
      expect_same<Sig>(ops::mul_op(), what, a, b);
      expect_same<Sig>(ops::mul_op(), what + " broadcast (reference)", a, make(43).slice(0, 0, 1));
    }
  }
}

// The reductions of backends/cpu/kernels/reduce.cpp over every block of adjacent dims of
// a 3-d tensor (rows and columns, tails of each), whole tensors cut into chunks, NaN, and
// the cases left to the reference (dims not adjacent, strided input, empty).
TEST_P(CpuKernels, ReductionsMatchReference) {
  using DimsSig = Tensor(const Tensor&, OptionalIntArrayRef, bool, std::optional<DType>);
  using ExtremeSig = Tensor(const Tensor&, IntArrayRef, bool);
  using NormSig = Tensor(const Tensor&, const Scalar&, OptionalIntArrayRef, bool);
  const DType dt = GetParam();
  const Tensor v = random(5 * 37 * 19, dt, 9);
  const Tensor finite = where(isfinite_mask(v), v, full({}, 1.0, dt));
  const Tensor x = div(finite, full({}, 10.0, dt)).view({5, 37, 19});
  const Tensor with_nan =
      where(eq(arange(5 * 37 * 19, DType::Int64).view({5, 37, 19}), full({}, 300, DType::Int64)),
            full({}, NAN, dt), x);
  const std::vector<std::vector<int64_t>> blocks = {{},     {0},    {1},    {2},       {-1},
                                                    {0, 1}, {1, 2}, {2, 1}, {0, 1, 2}, {0, 2}};
  for (const Tensor& t : {x, with_nan, x.transpose(0, 2), x.slice(1, 0, 37, 2)}) {
    for (const auto& dims : blocks) {
      for (bool keepdim : {false, true}) {
        const std::string what =
            fmt::format("dims [{}] keepdim {} shape {}", fmt::join(dims, ","), keepdim, t.sizes());
        expect_same<DimsSig>(ops::sum_op(), what, t, OptionalIntArrayRef(dims), keepdim,
                             std::nullopt);
        expect_same<DimsSig>(ops::mean_op(), what, t, OptionalIntArrayRef(dims), keepdim,
                             std::nullopt);
        expect_same<ExtremeSig>(ops::amax_op(), what, t, IntArrayRef(dims), keepdim);
        expect_same<ExtremeSig>(ops::amin_op(), what, t, IntArrayRef(dims), keepdim);
        for (double ord : {1.0, 2.0, double(INFINITY), 3.0}) {
          expect_same<NormSig>(ops::vector_norm_op(), what + fmt::format(" ord {}", ord), t,
                               Scalar(ord), OptionalIntArrayRef(dims), keepdim);
        }
        if (!dims.empty()) {
          expect_same<ExtremeSig>(ops::logsumexp_op(), what, t, IntArrayRef(dims), keepdim);
        }
        // any and all, on the values (zeros among them) and on bools.
        using AnySig = Tensor(const Tensor&, OptionalIntArrayRef, bool);
        for (const Tensor& u : {t, round(t), gt(t, full({}, -1.9, dt))}) {
          for (OperatorHandle op : {ops::any_op(), ops::all_op()}) {
            expect_same<AnySig>(op, fmt::format("{} {} {}", what, op.name(), name(u.dtype())), u,
                                OptionalIntArrayRef(dims), keepdim);
          }
        }
        // var and std with the default, no and a large correction (n - correction <= 0).
        using VarSig =
            Tensor(const Tensor&, OptionalIntArrayRef, const std::optional<Scalar>&, bool);
        for (const std::optional<Scalar>& c :
             {std::optional<Scalar>(), std::optional<Scalar>(0), std::optional<Scalar>(2.5),
              std::optional<Scalar>(40)}) {
          expect_same<VarSig>(ops::var_op(), what + " var", t, OptionalIntArrayRef(dims), c,
                              keepdim);
          expect_same<VarSig>(ops::std_op(), what + " std", t, OptionalIntArrayRef(dims), c,
                              keepdim);
        }
      }
    }
    for (int64_t d : {0, 1, 2, -1}) {
      using ProdSig = Tensor(const Tensor&, int64_t, bool, std::optional<DType>);
      expect_same<ProdSig>(ops::prod_dim_op(), "prod dim", t, d, false, std::nullopt);
      // Values and indices of the extremes; ties (rounded values) keep the first.
      for (const Tensor& u : {t, round(t)}) {
        for (OperatorHandle op : {ops::max_dim_op(), ops::min_dim_op()}) {
          using ExtremeSig = std::tuple<Tensor, Tensor>(const Tensor&, int64_t, bool);
          const auto typed = op.typed<ExtremeSig>();
          const auto [cv, ci] = typed.call(u, d, true);
          const auto [rv, ri] = typed.redispatch(kBackendReference, u, d, true);
          EXPECT_EQ(testing::compare_tensors(cv, rv), "") << op.name() << " dim " << d;
          EXPECT_EQ(testing::compare_tensors(ci, ri), "") << op.name() << " indices dim " << d;
        }
        using ArgSig = Tensor(const Tensor&, std::optional<int64_t>, bool);
        expect_same<ArgSig>(ops::argmax_op(), "argmax", u, std::optional<int64_t>(d), false);
        expect_same<ArgSig>(ops::argmin_op(), "argmin", u, std::optional<int64_t>(d), false);
      }
      using ScanSig = Tensor(const Tensor&, int64_t, std::optional<DType>);
      expect_same<ScanSig>(ops::cumsum_op(), "cumsum " + std::to_string(d), t, d, std::nullopt);
      expect_same<ScanSig>(ops::cumprod_op(), "cumprod " + std::to_string(d), t, d, std::nullopt);
    }
    expect_same<Tensor(const Tensor&)>(ops::max_op(), "max", t);
    expect_same<Tensor(const Tensor&)>(ops::min_op(), "min", t);
  }
  // Whole tensors of several chunks, with the product kept finite.
  const Tensor big = add(div(random(200000, dt, 10), full({}, 1e4, dt)), full({}, 1.0, dt));
  const Tensor big_finite = where(isfinite_mask(big), big, full({}, 1.0, dt));
  expect_same<Tensor(const Tensor&)>(ops::max_op(), "max of chunks", big);
  expect_same<Tensor(const Tensor&)>(ops::min_op(), "min of chunks", big_finite);
  expect_same<Tensor(const Tensor&, std::optional<DType>)>(
      ops::prod_op(), "prod of chunks", big_finite.slice(0, 0, 3000), std::nullopt);
  expect_same<DimsSig>(ops::sum_op(), "sum of chunks", big_finite,
                       OptionalIntArrayRef(std::nullopt), false, std::nullopt);
  using VarSig = Tensor(const Tensor&, OptionalIntArrayRef, const std::optional<Scalar>&, bool);
  // Spread out (variance ~130, so the tolerance is relative), and offset from 0.
  const Tensor r = random(200000, dt, 11);
  const Tensor spread = add(where(isfinite_mask(r), r, full({}, 1.0, dt)), full({}, 50.0, dt));
  expect_same<VarSig>(ops::var_op(), "var of chunks", spread, OptionalIntArrayRef(std::nullopt),
                      std::nullopt, false);
  expect_same<VarSig>(ops::std_op(), "std of columns", spread.view({400, 500}),
                      OptionalIntArrayRef({0}), std::nullopt, false);
  expect_same<VarSig>(ops::var_op(), "var of rows", spread.view({400, 500}),
                      OptionalIntArrayRef({1}), std::nullopt, false);
  // Infinite rows of logsumexp, and an empty tensor.
  const Tensor inf_rows = full({2, 3}, -INFINITY, dt);
  expect_same<ExtremeSig>(ops::logsumexp_op(), "-inf rows", inf_rows, IntArrayRef({1}), false);
  expect_same<ExtremeSig>(ops::logsumexp_op(), "inf rows", neg(inf_rows), IntArrayRef({1}), false);
  expect_same<DimsSig>(ops::sum_op(), "empty", zeros({0, 3}, dt), OptionalIntArrayRef({0}), false,
                       std::nullopt);
}

// int32 extremes: rows, columns, whole tensors of several chunks, the type's limits.
TEST(CpuReduceInt32, MatchesReference) {
  using ExtremeSig = Tensor(const Tensor&, IntArrayRef, bool);
  manual_seed(71);
  Tensor x = (rand({7, 33, 19}) * 2e9 - 1e9).to(DType::Int32);
  x.view({-1}).data<int32_t>()[5] = std::numeric_limits<int32_t>::min();
  x.view({-1}).data<int32_t>()[77] = std::numeric_limits<int32_t>::max();
  for (const std::vector<int64_t>& dims :
       std::vector<std::vector<int64_t>>{{}, {0}, {1}, {2}, {0, 1}, {1, 2}}) {
    expect_same<ExtremeSig>(ops::amax_op(), "amax", x, IntArrayRef(dims), false);
    expect_same<ExtremeSig>(ops::amin_op(), "amin", x, IntArrayRef(dims), true);
  }
  const Tensor big = (rand({200000}) * 1e6).to(DType::Int32);
  expect_same<Tensor(const Tensor&)>(ops::max_op(), "max", big);
  expect_same<Tensor(const Tensor&)>(ops::min_op(), "min", big);
  expect_same<Tensor(const Tensor&)>(ops::min_op(), "min small", x);
}

// softmax, log_softmax, layer_norm, rms_norm and batch_norm of normalize.cpp: rows across
// the vector tails, masked (-inf) and NaN rows, and the cases left to the reference.
TEST_P(CpuKernels, NormalizationsMatchReference) {
  const DType dt = GetParam();
  using SoftmaxSig = Tensor(const Tensor&, int64_t, std::optional<DType>);
  using LayerNormSig = Tensor(const Tensor&, IntArrayRef, const std::optional<Tensor>&,
                              const std::optional<Tensor>&, double);
  using RmsNormSig =
      Tensor(const Tensor&, IntArrayRef, const std::optional<Tensor>&, std::optional<double>);
  using BatchNormSig =
      Tensor(const Tensor&, const std::optional<Tensor>&, const std::optional<Tensor>&,
             const std::optional<Tensor>&, const std::optional<Tensor>&, bool, double, double);
  for (int64_t n : {1, 7, 8, 17, 33, 100}) {
    const Tensor v = random(4 * n, dt, 12);
    const Tensor x =
        div(where(isfinite_mask(v), v, full({}, 1.0, dt)), full({}, 4.0, dt)).view({4, n});
    // Row 1 masked at even positions, row 2 all -inf, row 3 with a NaN.
    const Tensor col = arange(n, DType::Int64);
    const Tensor row = arange(4, DType::Int64).view({4, 1});
    Tensor masked =
        where(logical_and(eq(row, full({}, 1, DType::Int64)),
                          eq(remainder(col, full({}, 2, DType::Int64)), full({}, 0, DType::Int64))),
              full({}, -INFINITY, dt), x);
    masked = where(eq(row, full({}, 2, DType::Int64)), full({}, -INFINITY, dt), masked);
    masked =
        where(logical_and(eq(row, full({}, 3, DType::Int64)), eq(col, full({}, 0, DType::Int64))),
              full({}, NAN, dt), masked);
    const std::string what = "n=" + std::to_string(n);
    for (const Tensor& t : {x, masked, x.t()}) {
      expect_same<SoftmaxSig>(ops::softmax_op(), what, t, -1, std::nullopt);
      expect_same<SoftmaxSig>(ops::log_softmax_op(), what, t, -1, std::nullopt);
      expect_same<SoftmaxSig>(ops::softmax_op(), what + " dim 0", t, 0, std::nullopt);
    }
    const Tensor w = random(n, dt, 13), b = random(n, dt, 14);
    const Tensor wf = where(isfinite_mask(w), w, full({}, 1.0, dt));
    const Tensor bf = where(isfinite_mask(b), b, full({}, 1.0, dt));
    for (const auto& [wt, bt] : {std::pair<std::optional<Tensor>, std::optional<Tensor>>{wf, bf},
                                 {std::nullopt, std::nullopt},
                                 {wf, std::nullopt}}) {
      expect_same<LayerNormSig>(ops::layer_norm_op(), what, x, IntArrayRef({n}), wt, bt, 1e-5);
      expect_same<RmsNormSig>(ops::rms_norm_op(), what, x, IntArrayRef({n}), wt, std::nullopt);
      expect_same<LayerNormSig>(ops::layer_norm_op(), what + " 2-d", x, IntArrayRef({4, n}),
                                std::nullopt, std::nullopt, 1e-5);
    }
    // batch_norm over [2, 4, n] with per-channel statistics (variance positive).
    const Tensor x3 = x.view({1, 4, n}).expand({2, 4, n}).contiguous();
    const Tensor mean = random(4, dt, 15),
                 var = add(abs(random(4, dt, 16, true)), full({}, 0.5, dt));
    const Tensor meanf = where(isfinite_mask(mean), mean, full({}, 0.0, dt));
    const Tensor varf = where(isfinite_mask(var), var, full({}, 1.0, dt));
    const Tensor cw = div(meanf, full({}, 3.0, dt)), cb = neg(meanf);
    expect_same<BatchNormSig>(ops::batch_norm_op(), what, x3, cw, cb, meanf, varf, false, 0.1,
                              1e-5);
    expect_same<BatchNormSig>(ops::batch_norm_op(), what + " no affine", x3, std::nullopt,
                              std::nullopt, meanf, varf, false, 0.1, 1e-5);
    expect_same<BatchNormSig>(ops::batch_norm_op(), what + " strided", x3.transpose(0, 2), cw, cb,
                              meanf.slice(0, 0, 4), varf, false, 0.1, 1e-5);
    // group_norm (2 groups of 2 channels) and instance_norm of [2, 4, n].
    using GroupSig = Tensor(const Tensor&, int64_t, const std::optional<Tensor>&,
                            const std::optional<Tensor>&, double);
    using InstanceSig =
        Tensor(const Tensor&, const std::optional<Tensor>&, const std::optional<Tensor>&, double);
    const Tensor xs = add(x3, mul(x3, x3));  // channels of different means
    for (int64_t groups : {1, 2, 4}) {
      expect_same<GroupSig>(ops::group_norm_op(), what + " groups " + std::to_string(groups), xs,
                            groups, cw, cb, 1e-5);
    }
    expect_same<GroupSig>(ops::group_norm_op(), what + " no affine", xs, 2, std::nullopt,
                          std::nullopt, 1e-3);
    expect_same<InstanceSig>(ops::instance_norm_op(), what, xs, cw, cb, 1e-5);
  }
}

TEST(CpuMatmul, MatchesReference) {
  using Sig = Tensor(const Tensor&, const Tensor&);
  manual_seed(11);
  auto mat = [](IntArrayRef shape) { return rand(shape) * 4.0 - 2.0; };
  const std::vector<std::pair<std::vector<int64_t>, std::vector<int64_t>>> shapes = {
      {{2, 3}, {3, 4}},    {{5, 7}, {7, 1}},       {{1, 64}, {64, 33}},
      {{0, 3}, {3, 2}},    {{2, 0}, {0, 3}},       {{3}, {3, 4}},
      {{2, 3, 4}, {4, 5}}, {{2, 3, 4}, {2, 4, 5}}, {{4, 5, 6}, {4, 6, 0}},
  };
  for (const auto& [sa, sb] : shapes) {
    const std::string what = fmt::format("{} x {}", fmt::join(sa, ","), fmt::join(sb, ","));
    expect_same<Sig>(ops::matmul_op(), what, mat(sa), mat(sb));
  }
  const Tensor b = mat({6, 5});
  expect_same<Sig>(ops::matmul_op(), "transposed b", mat({3, 5}), b.t());
  expect_same<Sig>(ops::matmul_op(), "strided a (reference)", mat({4, 10}).slice(1, 0, 10, 2),
                   mat({5, 2}));
  expect_same<Sig>(ops::matmul_op(), "broadcast batch", mat({2, 1, 3, 4}), mat({3, 4, 2}));
  // Batched transposed views, as attention's q k^T, and a batch broadcast against a matrix.
  const Tensor q = mat({2, 3, 5, 4}), k = mat({2, 3, 6, 4});
  expect_same<Sig>(ops::matmul_op(), "q k^T", q, k.transpose(-2, -1));
  expect_same<Sig>(ops::matmul_op(), "a^T b", q.transpose(-2, -1),
                   k.transpose(-2, -1).transpose(-2, -1).slice(2, 0, 5));
  expect_same<Sig>(ops::matmul_op(), "matrix x batch", mat({7, 5}), q);
  expect_same<Sig>(ops::matmul_op(), "strided batch", q.slice(1, 0, 3, 2), mat({4, 3}));
  expect_same<Sig>(ops::matmul_op(), "expanded rows (reference)", mat({1, 4}).expand({3, 4}),
                   mat({2, 4, 2}));
  expect_same<Sig>(ops::matmul_op(), "empty batch", mat({0, 3, 4}), mat({4, 2}));
  expect_same<Sig>(ops::matmul_op(), "batch x vector (reference)", mat({2, 3, 4}), mat({4}));
  // linear and addmm: the bias accumulated by the sgemm; biases it does not take, alpha 0,
  // a bool beta and bad shapes go to the reference (whose errors are the op's).
  using LinearSig = Tensor(const Tensor&, const Tensor&, const std::optional<Tensor>&);
  const Tensor w = mat({6, 4});
  for (const Tensor& x : {mat({5, 4}), mat({2, 3, 4}), mat({4}), mat({0, 4}), mat({3, 0})}) {
    const Tensor wx = x.size(-1) == 4 ? w : mat({6, 0});
    const std::string what = fmt::format("linear {}", x.sizes());
    expect_same<LinearSig>(ops::linear_op(), what, x, wx, std::optional<Tensor>(mat({6})));
    expect_same<LinearSig>(ops::linear_op(), what + " no bias", x, wx, std::optional<Tensor>());
  }
  expect_same<LinearSig>(ops::linear_op(), "transposed input (reference)", mat({4, 5}).t(), w,
                         std::optional<Tensor>(mat({6})));
  // A few rows times a large matrix: its columns split over the threads in chunks (a
  // ragged last one), the matrix stored by rows (linear's weight) or by columns.
  const Tensor big = mat({4100, 64});
  for (int64_t rows : {1, 3}) {
    expect_same<LinearSig>(ops::linear_op(), fmt::format("linear, {} rows, large weight", rows),
                           mat({rows, 64}), big, std::optional<Tensor>(mat({4100})));
    expect_same<Sig>(ops::matmul_op(), fmt::format("{} rows x a large matrix", rows),
                     mat({rows, 64}), big.t().contiguous());
  }
  EXPECT_THROW(linear(mat({5, 4}), w, mat({5})), Error);
  EXPECT_THROW(linear(mat({5, 3}), w, mat({6})), Error);
  using AddmmSig =
      Tensor(const Tensor&, const Tensor&, const Tensor&, const Scalar&, const Scalar&);
  const Tensor m1 = mat({5, 4}), m2 = mat({4, 6});
  for (const Tensor& self : {mat({6}), mat({1, 6}), mat({5, 6}), mat({5, 1}), mat({})}) {
    for (auto [beta, alpha] :
         std::vector<std::pair<Scalar, Scalar>>{{1, 1}, {0.5, -2}, {0, 1}, {1, 0}}) {
      expect_same<AddmmSig>(ops::addmm_op(), fmt::format("addmm {}", self.sizes()), self, m1, m2,
                            beta, alpha);
    }
    expect_same<AddmmSig>(ops::addmm_op(), "addmm transposed", self, m1, mat({6, 4}).t(), Scalar(1),
                          Scalar(1));
  }
  const Tensor with_nan = where(gt(m1, full({}, 1.5)), full({}, NAN), m1);
  expect_same<AddmmSig>(ops::addmm_op(), "addmm alpha 0, NaN", mat({6}), with_nan, m2, Scalar(1),
                        Scalar(0));
  expect_same<AddmmSig>(ops::addmm_op(), "addmm beta 0, NaN self", full({6}, NAN), m1, m2,
                        Scalar(0), Scalar(1));
  EXPECT_THROW(addmm(mat({4, 6}), m1, m2), Error);
  EXPECT_THROW(addmm(mat({6}), m1, m2, true), Error);
}

// fused_elementwise's blocks (several per thread, a ragged last one), one-element inputs,
// the literals, and what goes to the reference (broadcasts, strides, deep programs, float64).
TEST(CpuFusedElementwise, MatchesReference) {
  using Sig = Tensor(TensorList, std::string_view);
  manual_seed(13);
  const Tensor a = randn({70001}), b = randn({70001}), one = randn({1}), zero_d = randn({});
  for (const char* program :
       {"x0 x1 add relu", "x0 x1 mul x0 add sigmoid 0.5 sub", "x0 x2 maximum x1 div tanh",
        "x0 neg exp 1 add reciprocal x0 mul", "x1 abs sqrt rsqrt log erf x0 silu minimum x3 sub",
        "x0 x1 sub x2 mul x3 add x0 x1 mul x2 sub x3 div maximum"}) {
    expect_same<Sig>(ops::fused_elementwise_op(), program, std::vector<Tensor>{a, b, one, zero_d},
                     std::string_view(program));
  }
  const std::vector<std::pair<std::vector<Tensor>, const char*>> reference_cases = {
      {{randn({3, 4}), randn({4})}, "x0 x1 add"},
      {{randn({4, 3}).t(), randn({3, 4})}, "x0 x1 mul"},
      {{randn({5}).to(DType::Float64), randn({5})}, "x0 x1 add"},
      {{randn({5})}, "x0 x0 x0 x0 x0 x0 x0 x0 x0 add add add add add add add add"},
      {{randn({5})}, "2 sqrt x0 mul"},
      {{randn({0, 3})}, "x0 exp"},
  };
  for (const auto& [inputs, program] : reference_cases) {
    expect_same<Sig>(ops::fused_elementwise_op(), program, inputs, std::string_view(program));
  }
  EXPECT_THROW(ops::fused_elementwise_op().typed<Sig>().call(std::vector<Tensor>{a}, "x0 x1 add"),
               Error);
  // No inputs: the program's number, a 0-d float64 as the definition makes it.
  const Tensor c = ops::fused_elementwise_op().typed<Sig>().call(std::vector<Tensor>{}, "1.5 neg");
  EXPECT_EQ(c.dtype(), DType::Float64);
  EXPECT_EQ(c.dim(), 0);
  EXPECT_EQ(c.item<double>(), -1.5);
}

// float16 and bfloat16 through the float32 loops: each result rounded once, as the
// reference; broadcasts other than a single element are the reference's.
TEST(CpuHalf, MatchesReference) {
  using AlphaSig = Tensor(const Tensor&, const Tensor&, const Scalar&);
  using PlainSig = Tensor(const Tensor&, const Tensor&);
  using DivSig = Tensor(const Tensor&, const Tensor&, std::optional<std::string_view>);
  for (DType dt : {DType::Float16, DType::BFloat16}) {
    for (int64_t n : {int64_t{0}, int64_t{7}, int64_t{1027}, int64_t{3000}}) {
      const Tensor a = random(n, dt, 61), b = random(n, dt, 62), s = full({}, 2.5, dt);
      const std::string what = fmt::format("{} n={}", name(dt), n);
      expect_same<AlphaSig>(ops::add_op(), what, a, b, Scalar(2));
      expect_same<AlphaSig>(ops::sub_op(), what, s, b, Scalar(1));
      expect_same<PlainSig>(ops::mul_op(), what, a, s);
      expect_same<DivSig>(ops::div_op(), what, a, b, std::nullopt);
      expect_same<PlainSig>(ops::mul_op(), what + " rows (reference)", a.view({1, n}),
                            b.view({n, 1}).slice(0, 0, std::min<int64_t>(n, 3)));
      for (OperatorHandle op : {ops::exp_op(), ops::sigmoid_op(), ops::tanh_op(), ops::relu_op(),
                                ops::erf_op(), ops::round_op(), ops::sqrt_op(), ops::neg_op()}) {
        expect_same<Tensor(const Tensor&)>(op, what, div(a, full({}, 4.0, dt)));
      }
    }
    // matmul through float32 (values in [-1, 1]: products of 16-bit floats are exact in
    // float32, so only the order of the sums differs from the reference's).
    const auto m = [&](Shape shape, uint32_t seed) {
      const int64_t n = checked_numel(IntArrayRef(shape), "test");
      return div(random(n, DType::Float32, seed), full({}, 20.0)).to(dt).view(IntArrayRef(shape));
    };
    const std::string what = fmt::format("{} matmul", name(dt));
    expect_same<PlainSig>(ops::matmul_op(), what, m({17, 33}, 63), m({33, 9}, 64));
    expect_same<PlainSig>(ops::matmul_op(), what + " batched", m({2, 5, 33}, 65), m({33, 4}, 66));
    expect_same<PlainSig>(ops::matmul_op(), what + " vector", m({33}, 67), m({33, 4}, 68));
    expect_same<PlainSig>(ops::matmul_op(), what + " empty (reference)", m({0, 3}, 69),
                          m({3, 2}, 70));
    // convolution through float32 (the reference accumulates in float64: one rounding each).
    using ConvSig = Tensor(const Tensor&, const Tensor&, const std::optional<Tensor>&, IntArrayRef,
                           IntArrayRef, IntArrayRef, bool, IntArrayRef, int64_t);
    expect_same<ConvSig>(ops::convolution_op(), fmt::format("{} convolution", name(dt)),
                         m({1, 4, 9, 9}, 71), m({6, 4, 3, 3}, 72),
                         std::optional<Tensor>(m({6}, 73)), IntArrayRef({1}), IntArrayRef({1}),
                         IntArrayRef({1}), false, IntArrayRef({0}), int64_t{1});
  }
}

// The vector casts against the reference's conversion, bit for bit up to NaN payloads:
// halves and bfloat16 ties, overflow, subnormals, int32 range edges.
TEST(CpuCast, MatchesReference) {
  using Sig = Tensor(const Tensor&, DType);
  const auto typed = ops::cast_op().typed<Sig>();
  for (int64_t n : kSizes) {
    Tensor v = random(n, DType::Float64, 21);
    // Values that round to even in float16 (1 + 2^-11) and bfloat16 (1 + 2^-8), overflow
    // float16 (65520), are float16 subnormals, and sit at int32's edges.
    const double edges[] = {1.0 + 1.0 / 2048,
                            1.0 + 3.0 / 2048,
                            1.0 + 1.0 / 256,
                            65520.0,
                            65504.0,
                            3e-6,
                            -2147483648.0,
                            2147483520.0,
                            3e9,
                            -1.5,
                            2.5};
    double* p = v.data<double>();
    for (int64_t i = 0; i < n; ++i) {
      if (i % 7 == 3) p[i] = edges[(i / 7) % 11];
    }
    const Tensor f32 = v.to(DType::Float32);
    for (DType to : {DType::Float16, DType::BFloat16, DType::Int32, DType::Float64}) {
      const std::string what = fmt::format("float32 -> {} n={}", name(to), n);
      EXPECT_EQ(testing::compare_tensors(typed.call(f32, to),
                                         typed.redispatch(kBackendReference, f32, to)),
                "")
          << what;
    }
    for (DType from : {DType::Float16, DType::BFloat16, DType::Int32, DType::Float64}) {
      const Tensor x = typed.redispatch(kBackendReference, f32, from);
      EXPECT_EQ(testing::compare_tensors(typed.call(x, DType::Float32),
                                         typed.redispatch(kBackendReference, x, DType::Float32)),
                "")
          << from << " -> float32 n=" << n;
    }
  }
}

// gather, scatter, scatter_add and index_select of indexing.cpp: every dim, negative and
// repeated indices, several dtypes, and the cases left to the reference (index smaller
// than self, strided input, out-of-range index).
TEST(CpuIndexing, MatchesReference) {
  using GatherSig = Tensor(const Tensor&, int64_t, const Tensor&);
  using ScatterSig = Tensor(const Tensor&, int64_t, const Tensor&, const Tensor&);
  using ValueSig = Tensor(const Tensor&, int64_t, const Tensor&, const Scalar&);
  manual_seed(14);
  for (DType dt : {DType::Float32, DType::Float64, DType::Int32, DType::Float16, DType::Bool,
                   DType::Complex64}) {
    const Tensor self = (rand({3, 4, 5}) * 10.0).to(dt);
    for (int64_t d : {0, 1, 2, -1}) {
      const int64_t size = self.size(d);
      Shape shape(self.sizes());
      shape[static_cast<size_t>(d < 0 ? d + 3 : d)] = 6;  // more than size: repeats
      // Indices in [-size, size): negative ones wrap.
      const Tensor index = floor(sub(mul(rand(shape), full({}, 2.0 * static_cast<double>(size))),
                                     full({}, static_cast<double>(size))))
                               .to(DType::Int64);
      const std::string what = fmt::format("{} dim {}", name(dt), d);
      expect_same<GatherSig>(ops::gather_op(), what, self, d, index);
      const Tensor src = (rand(shape) * 10.0).to(dt);
      expect_same<ScatterSig>(ops::scatter_src_op(), what, self, d, index, src);
      if (dt == DType::Float32 || dt == DType::Float64) {
        expect_same<ScatterSig>(ops::scatter_add_op(), what, self, d, index, src);
        expect_same<ValueSig>(ops::scatter_value_op(), what, self, d, index, Scalar(2.5));
        expect_same<ValueSig>(ops::scatter_value_op(), what, self, d, index, Scalar(int64_t{3}));
      }
      const Tensor n = full({}, size, DType::Int64);
      const Tensor picks = remainder(add(index.view({-1}).slice(0, 0, 7), n), n);
      expect_same<GatherSig>(ops::index_select_op(), what, self, d, picks);
    }
    // gather_nd: tuples of 1 to 3 indices (negative ones wrap), with and without a batch dim.
    using GatherNdSig = Tensor(const Tensor&, const Tensor&, int64_t);
    for (int64_t batch_dims : {0, 1}) {
      for (int64_t k = 1; k <= 3 - batch_dims; ++k) {
        Shape ishape{3, 2};
        if (batch_dims == 0) ishape = {2, 3};
        ishape.push_back(k);
        Tensor tuples = empty(ishape, DType::Int64);
        auto* p = tuples.data<int64_t>();
        for (int64_t i = 0; i < tuples.numel(); ++i) {
          const int64_t size = self.size(batch_dims + i % k);
          p[i] = (i * 7 + 3) % (2 * size) - size;  // in [-size, size)
        }
        expect_same<GatherNdSig>(ops::gather_nd_op(),
                                 fmt::format("gather_nd {} k {} batch {}", name(dt), k, batch_dims),
                                 self, tuples, batch_dims);
      }
    }
    // Left to the reference: a smaller index, a strided self.
    const Tensor small = zeros({2, 2, 2}, DType::Int64);
    expect_same<GatherSig>(ops::gather_op(), "small index", self, 1, small);
    expect_same<GatherSig>(ops::gather_op(), "strided", self.transpose(0, 2), 0,
                           zeros({5, 4, 3}, DType::Int64));
    expect_same<GatherSig>(ops::index_select_op(), "strided", self.transpose(0, 2), 1,
                           arange(3, DType::Int64));
  }
  // Out-of-range and negative index_select indices keep the reference's errors.
  const Tensor x = rand({3, 4});
  EXPECT_THROW(gather(x, 1, full({3, 4}, 4, DType::Int64)), Error);
  EXPECT_THROW(index_select(x, 0, full({2}, -1, DType::Int64)), Error);
  EXPECT_THROW(scatter_add(x, 0, full({3, 4}, 3, DType::Int64), x), Error);
  EXPECT_THROW(gather_nd(x, full({2, 2}, 4, DType::Int64)), IndexError);
}

// max_pool, avg_pool, adaptive pools and constant pad of pool.cpp: windows clipped by
// padding, ties and NaN (the first maximum and the first NaN win), adaptive cells of
// uneven sizes, and the cases left to the reference.
TEST_P(CpuKernels, PoolsMatchReference) {
  using MaxSig = std::tuple<Tensor, Tensor>(const Tensor&, IntArrayRef, IntArrayRef, IntArrayRef,
                                            IntArrayRef, bool);
  using AvgSig = Tensor(const Tensor&, IntArrayRef, IntArrayRef, IntArrayRef, bool, bool,
                        std::optional<int64_t>);
  using AdaptiveSig = Tensor(const Tensor&, IntArrayRef);
  using AdaptiveMaxSig = std::tuple<Tensor, Tensor>(const Tensor&, IntArrayRef);
  using PadSig = Tensor(const Tensor&, IntArrayRef, std::string_view, std::optional<double>);
  const DType dt = GetParam();
  // Values rounded to halves, so windows hold ties; NaN and infinities among them.
  const Tensor v = random(2 * 3 * 9 * 11, dt, 41);
  const Tensor x = div(round(mul(v, full({}, 0.2, dt))), full({}, 2.0, dt)).view({2, 3, 9, 11});
  const auto max_typed = ops::max_pool_op().typed<MaxSig>();
  for (const auto& [k, s, p] :
       std::vector<std::tuple<Shape, Shape, Shape>>{{{3, 3}, {2, 2}, {1, 1}},
                                                    {{2, 2}, {}, {0}},
                                                    {{3, 2}, {1, 2}, {1, 0}},
                                                    {{1, 1}, {1}, {0}}}) {
    const std::string what = fmt::format("kernel {} stride {} padding {}", k, s, p);
    const auto [cv, ci] = max_typed.call(x, k, s, p, {1}, false);
    const auto [rv, ri] = max_typed.redispatch(kBackendReference, x, k, s, p, {1}, false);
    EXPECT_EQ(testing::compare_tensors(cv, rv), "") << "max_pool " << what;
    EXPECT_EQ(testing::compare_tensors(ci, ri), "") << "max_pool indices " << what;
    for (bool include_pad : {true, false}) {
      expect_same<AvgSig>(ops::avg_pool_op(), what, x, k, s, p, false, include_pad, std::nullopt);
    }
    expect_same<AvgSig>(ops::avg_pool_op(), what + " divisor", x, k, s, p, false, true,
                        std::optional<int64_t>(3));
  }
  // Rows wider than a vector (the float32 kernel's vector path), strides 1 and 2.
  const Tensor wide =
      div(round(mul(random(2 * 13 * 45, dt, 43), full({}, 0.2, dt))), full({}, 2.0, dt))
          .view({2, 13, 45});
  for (const auto& [k, s, p] : std::vector<std::tuple<Shape, Shape, Shape>>{
           {{3, 3}, {2, 2}, {1, 1}}, {{3, 3}, {1, 1}, {1, 1}}, {{2, 3}, {2, 1}, {0, 1}}}) {
    const auto [cv, ci] = max_typed.call(wide, k, s, p, {1}, false);
    const auto [rv, ri] = max_typed.redispatch(kBackendReference, wide, k, s, p, {1}, false);
    EXPECT_EQ(testing::compare_tensors(cv, rv), "") << "wide max_pool " << k << s << p;
    EXPECT_EQ(testing::compare_tensors(ci, ri), "") << "wide max_pool indices " << k << s << p;
  }
  expect_same<AvgSig>(ops::avg_pool_op(), "ceil_mode (reference)", x, IntArrayRef({2, 2}),
                      IntArrayRef({2, 2}), IntArrayRef({0}), true, true, std::optional<int64_t>());
  for (const Shape& out : std::vector<Shape>{{1, 1}, {4, 5}, {9, 11}, {2, 3}}) {
    expect_same<AdaptiveSig>(ops::adaptive_avg_pool_op(), fmt::format("adaptive {}", out), x, out);
    const auto typed = ops::adaptive_max_pool_op().typed<AdaptiveMaxSig>();
    const auto [cv, ci] = typed.call(x, out);
    const auto [rv, ri] = typed.redispatch(kBackendReference, x, out);
    EXPECT_EQ(testing::compare_tensors(cv, rv), "") << "adaptive max " << out;
    EXPECT_EQ(testing::compare_tensors(ci, ri), "") << "adaptive max indices " << out;
  }
  for (const Shape& pads : std::vector<Shape>{
           {1, 1, 1, 1}, {0, 2}, {2, 0, 1, 3, 1, 0}, {1, 2, 0, 1, 1, 0, 2, 1}, {-1, 1}}) {
    expect_same<PadSig>(ops::pad_op(), fmt::format("pad {}", pads), x, pads, "constant", 1.5);
  }
  expect_same<PadSig>(ops::pad_op(), "pad 1-d", x.flatten(), Shape{3, 2}, "constant", -2.0);
  expect_same<PadSig>(ops::pad_op(), "reflect (reference)", x, Shape{1, 1}, "reflect",
                      std::nullopt);
  // interpolate: every mode, up and down, sizes and scale factors, the coordinate modes.
  using InterpSig =
      Tensor(const Tensor&, OptionalIntArrayRef, const std::optional<std::vector<double>>&,
             std::string_view, std::optional<bool>, std::optional<std::string_view>);
  const Tensor xf = where(isfinite_mask(x), x, full({}, 0.5, dt));
  using Sizes = std::optional<std::vector<int64_t>>;
  using Factors = std::optional<std::vector<double>>;
  for (std::string_view mode : {"nearest", "nearest-exact", "bilinear", "bicubic"}) {
    const bool interpolating = mode == "bilinear" || mode == "bicubic";
    for (const auto& [sz, sf] :
         std::vector<std::pair<Sizes, Factors>>{{std::vector<int64_t>{18, 22}, std::nullopt},
                                                {std::vector<int64_t>{4, 5}, std::nullopt},
                                                {std::vector<int64_t>{1, 1}, std::nullopt},
                                                {std::nullopt, std::vector<double>{1.7, 0.6}}}) {
      const OptionalIntArrayRef size = sz ? OptionalIntArrayRef(IntArrayRef(*sz)) : std::nullopt;
      for (std::optional<bool> corners : interpolating
                                             ? std::vector<std::optional<bool>>{std::nullopt, true}
                                             : std::vector<std::optional<bool>>{std::nullopt}) {
        expect_same<InterpSig>(ops::interpolate_op(), std::string(mode), xf, size, sf, mode,
                               corners, std::optional<std::string_view>());
      }
      if (interpolating) {
        for (std::string_view coord : {"asymmetric", "pytorch_half_pixel"}) {
          expect_same<InterpSig>(ops::interpolate_op(),
                                 std::string(mode) + " " + std::string(coord), xf, size, sf, mode,
                                 std::optional<bool>(), std::optional<std::string_view>(coord));
        }
      }
    }
  }
}

// topk and nonzero of selection.cpp: ties (values rounded to halves), NaN, both
// directions, and the cases left to the reference.
TEST_P(CpuKernels, SelectionMatchesReference) {
  using TopkSig = std::tuple<Tensor, Tensor>(const Tensor&, int64_t, int64_t, bool, bool);
  const DType dt = GetParam();
  const Tensor v = random(5 * 64, dt, 51);
  const Tensor x = div(round(mul(v, full({}, 0.5, dt))), full({}, 2.0, dt)).view({5, 64});
  const auto typed = ops::topk_op().typed<TopkSig>();
  for (int64_t k : {0, 1, 3, 8, 20}) {
    for (bool largest : {true, false}) {
      const auto [cv, ci] = typed.call(x, k, -1, largest, true);
      const auto [rv, ri] = typed.redispatch(kBackendReference, x, k, -1, largest, true);
      EXPECT_EQ(testing::compare_tensors(cv, rv), "") << "topk k=" << k << " " << largest;
      EXPECT_EQ(testing::compare_tensors(ci, ri), "") << "topk indices k=" << k << " " << largest;
    }
  }
  // sort, argsort and unique (radix sorts): ties, NaN, infinities, -0 and +0, rows of one
  // element and of several key bytes, and integers; other dims go to the reference.
  using SortSig = std::tuple<Tensor, Tensor>(const Tensor&, std::optional<bool>, int64_t, bool);
  using ArgsortSig = Tensor(const Tensor&, bool, int64_t, bool);
  using UniqueSig = std::tuple<Tensor, Tensor, Tensor>(const Tensor&, bool, bool, bool);
  const Tensor finite = where(isfinite_mask(x), x, full({}, 0.0, dt));
  const Tensor ints = mul(finite, full({}, 1000.0, dt));
  for (const Tensor& t : {x, x.view({-1}), x.view({320, 1}), x.t(), ints.to(DType::Int32),
                          ints.to(DType::Int64), full({}, 1.0, dt)}) {
    const std::string what = fmt::format("{} {}", name(t.dtype()), t.sizes());
    for (bool descending : {false, true}) {
      for (int64_t dim : {-1, 0}) {
        const auto sorted = ops::sort_op().typed<SortSig>();
        const auto [cv, ci] = sorted.call(t, std::nullopt, dim, descending);
        const auto [rv, ri] =
            sorted.redispatch(kBackendReference, t, std::nullopt, dim, descending);
        EXPECT_EQ(testing::compare_tensors(cv, rv), "") << "sort " << what << " " << descending;
        EXPECT_EQ(testing::compare_tensors(ci, ri), "") << "sort indices " << what;
        expect_same<ArgsortSig>(ops::argsort_op(), "argsort " + what, t, false, dim, descending);
      }
    }
    const auto unique = ops::unique_op().typed<UniqueSig>();
    const auto [cu, cinv, cc] = unique.call(t, true, true, true);
    const auto [ru, rinv, rc] = unique.redispatch(kBackendReference, t, true, true, true);
    EXPECT_EQ(testing::compare_tensors(cu, ru), "") << "unique " << what;
    EXPECT_EQ(testing::compare_tensors(cinv, rinv), "") << "unique inverse " << what;
    EXPECT_EQ(testing::compare_tensors(cc, rc), "") << "unique counts " << what;
  }
  using NonzeroSig = Tensor(const Tensor&);
  for (const Tensor& t :
       {x, x.view({5, 4, 16}), x.view({-1}), x.t(), full({}, 1.0, dt), zeros({0, 3}, dt)}) {
    expect_same<NonzeroSig>(ops::nonzero_op(), fmt::format("nonzero {}", t.sizes()),
                            gt(abs(t), full({}, 2.0, dt)).to(dt));
  }
}

// einsum as a batched matmul, and float32 attention, against the reference kernels.
TEST(CpuEinsum, MatchesReference) {
  using Sig = Tensor(std::string_view, TensorList);
  manual_seed(12);
  auto mat = [](IntArrayRef shape, DType dt) { return (rand(shape) * 4.0 - 2.0).to(dt); };
  const std::vector<std::tuple<std::string, std::vector<int64_t>, std::vector<int64_t>>> cases = {
      {"bhqd,bhkd->bhqk", {1, 3, 5, 4}, {1, 3, 6, 4}},
      {"ij,jk->ik", {3, 4}, {4, 5}},
      {"ij, kj -> ki", {3, 4}, {5, 4}},
      {"i,j->ij", {3}, {4}},
      {"ij,ij->i", {3, 4}, {3, 4}},
      {"bij,bjk->bik", {2, 3, 4}, {2, 4, 5}},
      {"abc,cd->dba", {2, 3, 4}, {4, 5}},
      {"ij,jk", {3, 4}, {4, 5}},      // implicit output: the reference's
      {"ij,j->", {3, 4}, {4}},        // i summed within one operand: the reference's
      {"ij,jk->ik", {3, 1}, {4, 5}},  // broadcast label: the reference's
  };
  for (DType dt : {DType::Float32, DType::Float64}) {
    for (const auto& [eq, sa, sb] : cases) {
      const std::vector<Tensor> ts = {mat(sa, dt), mat(sb, dt)};
      const auto typed = ops::einsum_op().typed<Sig>();
      const Tensor ref = typed.redispatch(kBackendReference, eq, ts);
      EXPECT_EQ(testing::compare_tensors(typed.call(eq, ts), ref), "") << eq << " " << dt;
    }
  }
  // Bad equations keep the reference's errors.
  EXPECT_THROW(einsum("ij,jk->iz", {mat({3, 4}, DType::Float32), mat({4, 5}, DType::Float32)}),
               Error);
}

TEST(CpuAttention, MatchesReference) {
  using Sig = Tensor(const Tensor&, const Tensor&, const Tensor&, const std::optional<Tensor>&,
                     double, bool, std::optional<double>);
  manual_seed(13);
  auto mat = [](IntArrayRef shape) { return rand(shape) * 2.0 - 1.0; };
  const Tensor q = mat({2, 3, 5, 8}), k = mat({2, 3, 7, 8}), v = mat({2, 3, 7, 6});
  const Tensor float_mask = mat({5, 7}), bool_mask = gt(mat({5, 7}), full({}, -0.5));
  const auto typed = ops::scaled_dot_product_attention_op().typed<Sig>();
  for (const auto& [mask, causal, what] :
       std::vector<std::tuple<std::optional<Tensor>, bool, std::string>>{
           {std::nullopt, false, "plain"},
           {std::nullopt, true, "causal"},
           {float_mask, false, "float mask"},
           {bool_mask, false, "bool mask (reference)"}}) {
    for (std::optional<double> scale : {std::optional<double>(), std::optional<double>(0.3)}) {
      const Tensor ref = typed.redispatch(kBackendReference, q, k, v, mask, 0.0, causal, scale);
      EXPECT_EQ(testing::compare_tensors(typed.call(q, k, v, mask, 0.0, causal, scale), ref), "")
          << what;
    }
  }
}

TEST(CpuConvolution, MatchesReference) {
  using Sig = Tensor(const Tensor&, const Tensor&, const std::optional<Tensor>&, IntArrayRef,
                     IntArrayRef, IntArrayRef, bool, IntArrayRef, int64_t);
  // Finite values in [-1, 1] (how NaN and inf spread through a convolution is oneDNN's
  // affair, as it is PyTorch's).
  const auto small = [](IntArrayRef shape, uint32_t seed) {
    const Tensor r = random(checked_numel(shape, "test"), DType::Float32, seed).reshape(shape);
    return div(where(isfinite(r), r, zeros({}, DType::Float32)), full({}, 20.0f));
  };
  struct Case {
    Shape x, w;
    Shape stride, padding, dilation;
    int64_t groups;
    bool bias;
  };
  const Case cases[] = {
      {{2, 8, 12, 12}, {16, 4, 3, 3}, {2}, {1}, {2}, 2, true},
      {{1, 6, 9, 7}, {6, 1, 3, 3}, {1, 2}, {1, 0}, {1}, 6, false},
      {{2, 4, 20}, {5, 4, 5}, {3}, {2}, {1}, 1, true},
      {{1, 2, 5, 6, 6}, {3, 2, 2, 3, 3}, {1}, {1}, {1}, 1, true},
      {{1, 3, 17, 17}, {8, 3, 7, 7}, {2}, {3}, {1}, 1, true},
      // Depthwise on NCHW (conv_direct.cpp): strides 1 and 2, dilation, padding beyond the
      // kernel's reach, planes narrower and wider than a vector, non-square kernels; a
      // stride of 3 goes to oneDNN.
      {{2, 5, 7, 7}, {5, 1, 3, 3}, {1}, {1}, {1}, 5, true},
      {{1, 3, 40, 37}, {3, 1, 3, 3}, {2}, {1}, {1}, 3, true},
      {{1, 4, 19, 33}, {4, 1, 5, 3}, {1, 2}, {2, 1}, {2, 1}, 4, false},
      {{1, 2, 9, 70}, {2, 1, 3, 3}, {2, 1}, {3}, {1}, 2, true},
      {{1, 3, 15, 15}, {3, 1, 3, 3}, {3}, {1}, {1}, 3, true},
      // Blocks of rows and vectors: 4 rows of 2 vectors and 3 left; 8 rows of 1 and 5 or 6
      // left.
      {{1, 3, 15, 12}, {3, 1, 3, 3}, {1}, {1}, {1}, 3, true},
      {{1, 2, 13, 6}, {2, 1, 3, 3}, {1}, {1}, {1}, 2, true},
      {{1, 2, 14, 5}, {2, 1, 3, 3}, {1}, {1}, {1}, 2, false},
      // Stride 2 reads even and odd columns split at the copy: left padding odd and even,
      // taps two columns apart (dilation 2: all in one half), rows of 7, 14 and 28 columns
      // (the copy's last vectors through a zero-filled buffer) and wider than two vectors.
      {{1, 3, 14, 14}, {3, 1, 3, 3}, {2}, {1}, {1}, 3, true},
      {{1, 2, 28, 28}, {2, 1, 3, 3}, {2}, {0}, {1}, 2, true},
      {{1, 2, 13, 41}, {2, 1, 3, 3}, {2}, {2}, {1, 2}, 2, false},
      {{1, 2, 9, 7}, {2, 1, 3, 5}, {2}, {1, 2}, {1}, 2, true},
      // Narrow planes eight at a time across channels (AVX2): groups of eight planes that
      // straddle two images, stride 2, 5x5 with dilation, rows of 16 and of 7 columns.
      {{2, 12, 7, 7}, {12, 1, 3, 3}, {1}, {1}, {1}, 12, true},
      {{1, 16, 14, 14}, {16, 1, 3, 3}, {2}, {1}, {1}, 16, false},
      {{1, 9, 11, 13}, {9, 1, 5, 5}, {1, 2}, {2}, {2, 1}, 9, true},
      {{1, 8, 20, 16}, {8, 1, 3, 3}, {1}, {1}, {1}, 8, true},
      // Pointwise with more than 32 inputs on small planes, the weight frozen: panels across
      // output channels (two vectors, one for the last 5; tiles of 6 pixels and tails of 1
      // to 5).
      {{1, 40, 7, 7}, {21, 40, 1, 1}, {1}, {0}, {1}, 1, true},
      {{2, 33, 4, 5}, {16, 33, 1, 1}, {1}, {0}, {1}, 1, false},
      {{1, 64, 11}, {40, 64, 1}, {1}, {0}, {1}, 1, true},
      // Pointwise as one sgemm per image: 1-, 2- and 3-d, with and without bias.
      {{3, 16, 9, 11}, {24, 16, 1, 1}, {1}, {0}, {1}, 1, true},
      {{2, 7, 30}, {5, 7, 1}, {1}, {0}, {1}, 1, false},
      {{1, 4, 3, 5, 6}, {6, 4, 1, 1, 1}, {1}, {0}, {1}, 1, true},
      // Few input channels, wide planes: blocks of columns over the threads.
      {{2, 16, 48, 50}, {24, 16, 1, 1}, {1}, {0}, {1}, 1, true},
  };
  int i = 0;
  for (const Case& c : cases) {
    const Tensor x = small(c.x, 40 + i), w = small(c.w, 50 + i);
    const std::optional<Tensor> b =
        c.bias ? std::optional<Tensor>(small({c.w[0]}, 60 + i)) : std::nullopt;
    // Also with the weight frozen, as a Session's constants are: the paths that keep data
    // derived from it (oneDNN's reordered weights, pointwise panels).
    // And on one thread and on more than this machine has: the planes and blocks split
    // differently (a store past a plane's end would land in another thread's plane).
    const Tensor frozen = small(c.w, 50 + i);
    frozen.storage()->freeze();
    const int before = get_num_threads();
    for (const int threads : {1, 5}) {
      set_num_threads(threads);
      for (const Tensor& weight : {w, frozen}) {
        expect_same<Sig>(ops::convolution_op(),
                         fmt::format("case {}{} on {} threads", i,
                                     weight.storage()->frozen() ? " frozen" : "", threads),
                         x, weight, b, IntArrayRef(c.stride), IntArrayRef(c.padding),
                         IntArrayRef(c.dilation), false, IntArrayRef({0}), c.groups);
      }
    }
    set_num_threads(before);
    ++i;
  }
  // A NaN input reaches every output whose window holds it (PyTorch's convolution and
  // clamp keep NaN) on each direct path: depthwise, pointwise register tiles, panels.
  const Case nan_cases[] = {{{1, 4, 9, 9}, {4, 1, 3, 3}, {1}, {1}, {1}, 4, true},
                            {{1, 8, 9, 9}, {6, 8, 1, 1}, {1}, {0}, {1}, 1, true},
                            {{1, 40, 7, 7}, {16, 40, 1, 1}, {1}, {0}, {1}, 1, true}};
  for (const Case& c : nan_cases) {
    const Tensor x = small(c.x, 30 + i), w = small(c.w, 31 + i), b = small({c.w[0]}, 32 + i);
    static_cast<float*>(x.data_ptr())[x.numel() / 2] = NAN;
    w.storage()->freeze();
    expect_same<Sig>(ops::convolution_op(), fmt::format("NaN case {}", i), x, w,
                     std::optional<Tensor>(b), IntArrayRef(c.stride), IntArrayRef(c.padding),
                     IntArrayRef(c.dilation), false, IntArrayRef({0}), c.groups);
    ++i;
  }
  // One frozen storage viewed as two weights of different shapes: each gets its own panels.
  {
    const Tensor storage = small({640}, 33);
    storage.storage()->freeze();
    for (const Shape& shape : {Shape{16, 40, 1, 1}, Shape{10, 64, 1, 1}}) {
      const Tensor x = small({1, shape[1], 5, 5}, 34);
      expect_same<Sig>(ops::convolution_op(), fmt::format("frozen view {}", shape), x,
                       storage.view(shape), std::optional<Tensor>(), IntArrayRef({1}),
                       IntArrayRef({0}), IntArrayRef({1}), false, IntArrayRef({0}), int64_t{1});
    }
  }
  // convolution_activation: each cpu path (oneDNN with a post-op, pointwise register tiles
  // (rows of 6, 2 and 1, column blocks and tails), pointwise sgemm, depthwise clamped in
  // registers) against the reference.
  using ActSig =
      Tensor(const Tensor&, const Tensor&, const std::optional<Tensor>&, IntArrayRef, IntArrayRef,
             IntArrayRef, int64_t, std::string_view, const std::vector<double>&);
  const Case act_cases[] = {
      {{1, 3, 17, 17}, {8, 3, 3, 3}, {1}, {1}, {1}, 1, true},
      {{2, 16, 48, 50}, {24, 16, 1, 1}, {1}, {0}, {1}, 1, true},
      {{1, 96, 9, 9}, {24, 96, 1, 1}, {1}, {0}, {1}, 1, false},
      {{1, 96, 40, 40}, {24, 96, 1, 1}, {1}, {0}, {1}, 1, true},
      {{1, 5, 33, 35}, {11, 5, 1, 1}, {1}, {0}, {1}, 1, false},
      {{1, 6, 20, 21}, {6, 1, 3, 3}, {2}, {1}, {1}, 6, true},
  };
  for (const Case& c : act_cases) {
    const Tensor x = small(c.x, 70 + i), w = small(c.w, 80 + i), frozen = small(c.w, 80 + i);
    frozen.storage()->freeze();
    const std::optional<Tensor> b =
        c.bias ? std::optional<Tensor>(small({c.w[0]}, 90 + i)) : std::nullopt;
    for (const auto& [act, params] : std::vector<std::pair<std::string, std::vector<double>>>{
             {"relu", {}}, {"clamp", {-0.01, 0.02}}, {"leaky_relu", {0.2}}}) {
      for (const Tensor& weight : {w, frozen}) {
        expect_same<ActSig>(
            ops::convolution_activation_op(),
            act + " case " + std::to_string(i) + (weight.storage()->frozen() ? " frozen" : ""), x,
            weight, b, IntArrayRef(c.stride), IntArrayRef(c.padding), IntArrayRef(c.dilation),
            c.groups, std::string_view(act), params);
      }
    }
    ++i;
  }
  // Transposed (oneDNN's deconvolution): weights [in, out / groups, ...], output_padding up
  // to the padding; beyond it, the reference.
  struct TransposedCase {
    Shape x, w;
    Shape stride, padding, dilation, output_padding;
    int64_t groups;
    bool bias;
  };
  const TransposedCase transposed[] = {
      {{1, 8, 7, 7}, {8, 4, 4, 4}, {2}, {1}, {1}, {0}, 1, true},
      {{2, 6, 5, 6}, {6, 2, 3, 3}, {2, 1}, {1}, {1}, {1, 0}, 3, false},
      {{1, 4, 9}, {4, 3, 3}, {3}, {1}, {2}, {1}, 1, true},
      {{1, 2, 3, 4, 4}, {2, 3, 2, 3, 3}, {1}, {0}, {1}, {0}, 1, true},
      {{1, 4, 6, 6}, {4, 2, 3, 3}, {2}, {0}, {1}, {1}, 1, false},  // output_padding > padding
  };
  for (const TransposedCase& c : transposed) {
    const Tensor x = small(c.x, 40 + i), w = small(c.w, 50 + i);
    const std::optional<Tensor> b =
        c.bias ? std::optional<Tensor>(small({c.w[1] * c.groups}, 60 + i)) : std::nullopt;
    expect_same<Sig>(ops::convolution_op(), "transposed case " + std::to_string(i++), x, w, b,
                     IntArrayRef(c.stride), IntArrayRef(c.padding), IntArrayRef(c.dilation), true,
                     IntArrayRef(c.output_padding), c.groups);
  }
}

// grid_sample's nearest taps round half to even without the library call: as nearbyint.
TEST(GridSample, RoundsHalfToEvenAsNearbyint) {
  for (const double v : std::initializer_list<double>{
           0.5, 1.5, 2.5, -0.5, -1.5, 2.4999, 2.5001, 0.0, -0.0, 63.5, 1e7 + 0.5, 4194303.5,
           8388607.5, 1e20, -1e20, double(INFINITY), -double(INFINITY)}) {
    const auto f = static_cast<float>(v);
    EXPECT_EQ(grid_detail::round_half_even(f), std::nearbyint(f)) << v;
    EXPECT_EQ(grid_detail::round_half_even(v), std::nearbyint(v)) << v;
  }
  EXPECT_TRUE(std::isnan(grid_detail::round_half_even(NAN)));
  EXPECT_EQ(grid_detail::round_half_even(4503599627370495.5), 4503599627370496.0);
  EXPECT_EQ(grid_detail::round_half_even(0.49999997f), 0.0f);
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> u(-2e7, 2e7);
  for (int i = 0; i < 10000; ++i) {
    const double v = std::round(u(rng)) / (i % 2 ? 2.0 : 4.0);  // ties and quarters
    const auto f = static_cast<float>(v);
    ASSERT_EQ(grid_detail::round_half_even(f), std::nearbyint(f)) << v;
    ASSERT_EQ(grid_detail::round_half_even(v), std::nearbyint(v)) << v;
  }
}

TEST(Threads, CanBeSetAndAreChecked) {
  const int before = get_num_threads();
  set_num_threads(1);
  EXPECT_EQ(get_num_threads(), 1);
  set_num_threads(before);
  EXPECT_EQ(get_num_threads(), before);
  EXPECT_THROW(set_num_threads(0), Error);
}

TEST(Threads, ParallelForCoversTheRangeOnceAndRethrows) {
  const int before = get_num_threads();
  set_num_threads(3);
  std::vector<int> hits(100000, 0);
  parallel_for(0, 100000, 1000, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) ++hits[static_cast<size_t>(i)];
  });
  EXPECT_EQ(std::count(hits.begin(), hits.end(), 1), 100000);
  // Below two grains: one call, on this thread.
  for (int64_t end : {10, 1999}) {
    int calls = 0;
    parallel_for(5, end, 1000, [&](int64_t b, int64_t e) {
      ++calls;
      EXPECT_EQ(b, 5);
      EXPECT_EQ(e, end);
    });
    EXPECT_EQ(calls, 1) << end;
  }
  EXPECT_THROW(parallel_for(0, 100000, 10,
                            [](int64_t b, int64_t) {
                              if (b > 0) throw Error("chunk failed");
                            }),
               Error);
  set_num_threads(before);
}

TEST_P(CpuKernels, ThreadedLoopsMatchReference) {
  const DType dt = GetParam();
  const int before = get_num_threads();
  set_num_threads(2);
  const int64_t n = 5 * kGrainSize + 7;  // split across threads, with a tail
  const Tensor a = random(n, dt, 11), b = random(n, dt, 12);
  expect_same<Tensor(const Tensor&, const Tensor&, const Scalar&)>(ops::add_op(), "threaded", a, b,
                                                                   Scalar(2));
  for (OperatorHandle op : {ops::exp_op(), ops::sigmoid_op(), ops::tanh_op()})
    expect_same<Tensor(const Tensor&)>(op, "threaded", a);
  set_num_threads(before);
}

TEST_P(CpuKernels, UncoveredCasesGoToTheReference) {
  using Sig = Tensor(const Tensor&, const Tensor&, const Scalar&);
  const DType dt = GetParam();
  const Tensor m = random(24, dt, 5).view({4, 6});
  expect_same<Sig>(ops::add_op(), "transposed", m.t(), m.t(), Scalar(1));
  expect_same<Sig>(ops::add_op(), "broadcast", m, random(6, dt, 6), Scalar(1));
  expect_same<Sig>(ops::add_op(), "mixed dtypes", m, m.to(DType::Int32), Scalar(1));
  expect_same<Tensor(const Tensor&)>(ops::exp_op(), "strided", m.slice(1, 0, 6, 2));
}

INSTANTIATE_TEST_SUITE_P(Dtypes, CpuKernels, ::testing::Values(DType::Float32, DType::Float64),
                         [](const auto& info) { return std::string(name(info.param)); });

TEST(CpuKernels, AreRegisteredForCpu) {
  for (OperatorHandle op :
       {ops::add_op(), ops::sub_op(), ops::mul_op(), ops::div_op(), ops::exp_op(), ops::log_op(),
        ops::sqrt_op(), ops::neg_op(), ops::abs_op(), ops::sigmoid_op(), ops::tanh_op(),
        ops::relu_op(), ops::silu_op(), ops::convolution_op()}) {
    bool f32 = false;
    for (const auto& [b, d] : Dispatcher::get().registered(op))
      f32 = f32 || (b == kBackendCPU && d == DType::Float32);
    EXPECT_TRUE(f32) << op.name();
  }
}

}  // namespace
}  // namespace tessera
