// The dtype table, float8 conversions and promotion rules beyond PyTorch's dtypes.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "tessera.h"

namespace tessera {
namespace {

TEST(DType, TableDescribesEveryDtype) {
  EXPECT_EQ(kNumDTypes, 14);
  EXPECT_EQ(itemsize(DType::Float8E4M3FN), 1u);
  EXPECT_EQ(itemsize(DType::Complex128), 16u);
  EXPECT_EQ(name(DType::BFloat16), "bfloat16");
  EXPECT_EQ(dtype_from_name("torch.float"), DType::Float32);
  EXPECT_EQ(dtype_from_name("long"), DType::Int64);
  EXPECT_TRUE(is_floating(DType::Float8E5M2));
  EXPECT_EQ(to_complex(DType::Float64), DType::Complex128);
  EXPECT_EQ(to_real_value(DType::Complex64), DType::Float32);
}

TEST(DType, UnknownNameIsATypeErrorNamingIt) {
  try {
    dtype_from_name("float33");
    FAIL() << "no error";
  } catch (const TypeError& e) {
    EXPECT_STREQ(e.what(), "unknown dtype 'float33'");
  }
}

// Float8 promotion (documented in docs/adding-a-dtype.md): below float16 and bfloat16,
// above the integers; the two formats meet at float16.
TEST(DType, Float8Promotion) {
  EXPECT_EQ(promote_types(DType::Float8E4M3FN, DType::Float8E5M2), DType::Float16);
  EXPECT_EQ(promote_types(DType::Float8E4M3FN, DType::Int64), DType::Float8E4M3FN);
  EXPECT_EQ(promote_types(DType::Bool, DType::Float8E5M2), DType::Float8E5M2);
  EXPECT_EQ(promote_types(DType::Float8E5M2, DType::BFloat16), DType::BFloat16);
  EXPECT_EQ(promote_types(DType::Float8E4M3FN, DType::Float32), DType::Float32);
  EXPECT_EQ(promote_types(DType::Float8E4M3FN, DType::Complex128), DType::Complex128);
  EXPECT_EQ(promote_types(DType::Float8E5M2, DType::Complex64), DType::Complex64);
}

// Decodes a float8 code from the format's definition (sign, biased exponent, mantissa).
double decode(uint8_t code, int exp_bits, int man_bits, int bias) {
  const int sign = code >> 7;
  const int e = (code >> man_bits) & ((1 << exp_bits) - 1);
  const int m = code & ((1 << man_bits) - 1);
  const double mag = e == 0 ? std::ldexp(m, 1 - bias - man_bits)
                            : std::ldexp(1.0 + m / double(1 << man_bits), e - bias);
  return sign ? -mag : mag;
}

TEST(Float8, E4M3FNDecodesEveryCode) {
  for (int c = 0; c < 256; ++c) {
    const float v = Float8E4M3FN::from_bits(static_cast<uint8_t>(c));
    if ((c & 0x7f) == 0x7f) {
      EXPECT_TRUE(std::isnan(v)) << c;
    } else {
      EXPECT_EQ(v, decode(static_cast<uint8_t>(c), 4, 3, 7)) << c;
    }
  }
  EXPECT_EQ(static_cast<float>(Float8E4M3FN::from_bits(0x7e)), 448.0f);
}

TEST(Float8, E5M2DecodesEveryCode) {
  for (int c = 0; c < 256; ++c) {
    const float v = Float8E5M2::from_bits(static_cast<uint8_t>(c));
    const int e = (c >> 2) & 0x1f, m = c & 3;
    if (e == 0x1f) {
      EXPECT_TRUE(m ? std::isnan(v) : std::isinf(v)) << c;
    } else {
      EXPECT_EQ(v, decode(static_cast<uint8_t>(c), 5, 2, 15)) << c;
    }
  }
  EXPECT_EQ(static_cast<float>(Float8E5M2::from_bits(0x7b)), 57344.0f);
}

// Round to nearest even, checked against a search over all finite codes.
template <typename F8>
void check_rounding(uint8_t max_code, uint32_t seed) {
  const float max_finite = F8::from_bits(max_code);
  // Past halfway to the next step above the largest value, conversion overflows.
  const float halfway_up =
      max_finite + (max_finite - static_cast<float>(F8::from_bits(max_code - 1))) / 2;
  std::vector<std::pair<float, uint8_t>> finite;
  for (int c = 0; c < 256; ++c) {
    const float v = F8::from_bits(static_cast<uint8_t>(c));
    if (std::isfinite(v)) finite.emplace_back(v, static_cast<uint8_t>(c));
  }
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> mag(-1.2f * max_finite, 1.2f * max_finite);
  std::uniform_real_distribution<float> small(-0.05f, 0.05f);
  for (int i = 0; i < 20000; ++i) {
    const float x = i % 2 ? mag(rng) : small(rng);
    const F8 got(x);
    // Nearest finite codes, ties to the even (mantissa lsb 0) code.
    float best_d = INFINITY;
    uint8_t best = 0;
    for (const auto& [v, c] : finite) {
      const float d = std::fabs(v - x);
      if (d < best_d ||
          (d == best_d && (c & 1) == 0 && (v != 0 || std::signbit(v) == std::signbit(x)))) {
        best_d = d;
        best = c;
      }
    }
    if (std::fabs(x) >= halfway_up) continue;  // overflow, checked below
    EXPECT_EQ(static_cast<float>(got), static_cast<float>(F8::from_bits(best)))
        << "x = " << x << " seed " << seed;
  }
}

TEST(Float8, E4M3FNRoundsToNearestEven) {
  check_rounding<Float8E4M3FN>(0x7e, 1);
}
TEST(Float8, E5M2RoundsToNearestEven) {
  check_rounding<Float8E5M2>(0x7b, 2);
}

TEST(Float8, OverflowIsNanForE4M3FNAndInfForE5M2) {
  EXPECT_EQ(Float8E4M3FN(464.0f).bits, 0x7e);  // a tie rounds to even: 448
  EXPECT_EQ(Float8E4M3FN(465.0f).bits, 0x7f);
  EXPECT_EQ(Float8E4M3FN(-1e9f).bits, 0xff);
  EXPECT_EQ(Float8E4M3FN(INFINITY).bits, 0x7f);
  EXPECT_EQ(Float8E5M2(61439.0f).bits, 0x7b);
  EXPECT_EQ(Float8E5M2(61440.0f).bits, 0x7c);
  EXPECT_EQ(Float8E5M2(-INFINITY).bits, 0xfc);
  EXPECT_TRUE(std::isnan(static_cast<float>(Float8E5M2(NAN))));
  EXPECT_EQ(Float8E4M3FN(0x1p-10f).bits, 0x00);    // half the smallest subnormal: tie to 0
  EXPECT_EQ(Float8E4M3FN(0x1.1p-10f).bits, 0x01);  // just above: smallest subnormal
  EXPECT_EQ(Float8E5M2(-0.0f).bits, 0x80);
}

TEST(Float16, ConversionsRoundToNearestEven) {
  EXPECT_EQ(Half(65504.0f).bits, 0x7bff);
  EXPECT_EQ(Half(65520.0f).bits, 0x7c00);
  EXPECT_EQ(Half(0x1p-24f).bits, 0x0001);
  EXPECT_EQ(Half(0x1p-25f).bits, 0x0000);
  EXPECT_EQ(Half(1.0f + 0x1p-11f).bits, 0x3c00);  // tie to even
  EXPECT_EQ(Half(1.0f + 0x3p-11f).bits, 0x3c02);
  EXPECT_EQ(BFloat16(1.0f + 0x1p-8f).bits, 0x3f80);
  EXPECT_EQ(BFloat16(1.0f + 0x3p-8f).bits, 0x3f82);
  for (uint32_t b = 0; b < 0x10000; ++b) {
    const Half h = Half::from_bits(static_cast<uint16_t>(b));
    const float f = h;
    if (!std::isnan(f)) {
      EXPECT_EQ(Half(f).bits, b) << b;
    }
  }
}

}  // namespace
}  // namespace tessera
