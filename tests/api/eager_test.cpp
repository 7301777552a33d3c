// The eager C++ API: PyTorch's names, operators, methods, scalars, and bad-input errors.
#include <gtest/gtest.h>

#include "support/error_of.h"
#include "tessera.h"

namespace tessera {
namespace {

using testing::error_of;

TEST(Eager, OperatorsAndMethods) {
  const Tensor a = arange(4, DType::Float32).view({2, 2});
  const Tensor b = full({2}, 2.0);
  EXPECT_EQ(((a + b) * 2 - 1).to_string(), "tensor([[3., 5.],\n        [7., 9.]])");
  EXPECT_EQ((a / b).sum().item<double>(), 3.0);
  EXPECT_EQ((-a).min().item<float>(), -3.0f);
  EXPECT_EQ((a >= b).to_string(), "tensor([[False, False],\n        [ True,  True]])");
  EXPECT_EQ(a.matmul(a).to_string(), "tensor([[ 2.,  3.],\n        [ 6., 11.]])");
  EXPECT_EQ(a.argmax().item<int64_t>(), 3);
  EXPECT_EQ((1 - a).to_string(), "tensor([[ 1.,  0.],\n        [-1., -2.]])");
  EXPECT_EQ(a.to(DType::Int64).dtype(), DType::Int64);
  EXPECT_EQ(a.mean(1, true).sizes().vec(), (std::vector<int64_t>{2, 1}));
}

TEST(Eager, DimArgumentsTakeListsIntsAndNothing) {
  const Tensor a = ones({2, 3, 4});
  EXPECT_EQ(a.sum({0, 2}).sizes().vec(), (std::vector<int64_t>{3}));
  EXPECT_EQ(a.sum(1).sizes().vec(), (std::vector<int64_t>{2, 4}));
  EXPECT_EQ(a.sum(std::nullopt, true).sizes().vec(), (std::vector<int64_t>{1, 1, 1}));
  EXPECT_EQ(a.sum().item<float>(), 24.0f);
}

TEST(Eager, ScalarsPromoteAsWrappedNumbers) {
  const Tensor i8 = ones({2}, DType::Int8);
  EXPECT_EQ((i8 + 1000).dtype(), DType::Int8);
  EXPECT_EQ((i8 + 2.5).dtype(), DType::Float32);
  EXPECT_EQ((ones({2}, DType::Float16) * 3.0).dtype(), DType::Float16);
  EXPECT_EQ((i8 / 2).dtype(), DType::Float32);
  EXPECT_EQ((ones({2}, DType::Float32) + complex64(0, 1)).dtype(), DType::Complex64);
  EXPECT_EQ(error_of([&] { pow(i8, -1); }),
            "pow: integers to negative integer powers are not allowed");
}

TEST(Eager, ComplexParts) {
  const Tensor z = full({2}, complex128(3, -4), DType::Complex128);
  EXPECT_EQ(abs(z).max().item<double>(), 5.0);
  EXPECT_EQ(real(z).dtype(), DType::Float64);
  EXPECT_EQ(imag(z).sum().item<double>(), -8.0);
  EXPECT_EQ(conj(z).imag().sum().item<double>(), 8.0);
  EXPECT_NEAR(angle(z).max().item<double>(), std::atan2(-4.0, 3.0), 1e-15);
  const Tensor r = ones({2});
  EXPECT_TRUE(real(r).is_same(r));  // real of a real tensor is the tensor itself
}

TEST(Eager, BadInputErrorsNameOpAndProblem) {
  const Tensor a = ones({2, 3}), b = ones({4});
  EXPECT_EQ(error_of([&] { add(a, b); }),
            "add: the size of tensor a (3) must match the size of tensor b (4) at non-singleton "
            "dimension 1 (shapes "
            "[2, 3] and [4])");
  EXPECT_EQ(error_of([&] { sum(a, {2}); }),
            "sum: dimension out of range (expected to be in range of [-2, 1], but got 2)");
  EXPECT_EQ(error_of([&] { matmul(a, a); }), "matmul: shapes cannot be multiplied (2x3 and 2x3)");
  EXPECT_EQ(error_of([&] { mean(ones({2}, DType::Int32)); }),
            "mean: could not infer output dtype; input dtype must be either a floating point or "
            "complex dtype, got "
            "int32");
  EXPECT_EQ(
      error_of([&] { where(a, a, a); }),
      "where: expected condition to be a boolean tensor, but got a tensor with dtype float32");
  EXPECT_EQ(error_of([&] { div(ones({2}, DType::Int32), zeros({2}, DType::Int32), "floor"); }),
            "div: ZeroDivisionError (integer division by zero)");
  EXPECT_EQ(error_of([&] { div(a, a, "round"); }),
            "div: expected rounding_mode to be one of None, 'trunc', or 'floor' but found 'round'");
  EXPECT_EQ(error_of([&] { max(zeros({0})); }),
            "max: expected reduction dim to be specified for input.numel() == 0; specify the "
            "reduction dim with the "
            "'dim' argument");
  EXPECT_EQ(error_of([&] { add(ones({2}, DType::Int32), ones({2}, DType::Int32), 1.5); }),
            "add: for integral input tensors, argument alpha must not be a floating point number");
}

// The eager functions that are not ops themselves: wrappers over an op with PyTorch's
// arguments (conv2d's "same" padding, max_pool2d, relu6, ...).
TEST(Eager, ConvolutionAndPoolingWrappers) {
  const Tensor x = arange(2 * 3 * 5 * 6, DType::Float32).view({2, 3, 5, 6}).div(full({}, 50.0f));
  const Tensor w = arange(4 * 3 * 2 * 3, DType::Float32).view({4, 3, 2, 3}).div(full({}, 30.0f));
  // "same" with an even kernel pads one more at the end (rows: 0 before, 1 after), as PyTorch.
  const Tensor same = conv2d(x, w, std::nullopt, {1}, "same");
  EXPECT_EQ(same.sizes().vec(), std::vector<int64_t>({2, 4, 5, 6}));
  const Tensor manual =
      convolution(pad(x, {1, 1, 0, 1}), w, std::nullopt, {1}, {0}, {1}, false, {0}, 1);
  EXPECT_TRUE(all(eq(same, manual)).item<bool>());
  EXPECT_EQ(conv2d(x, w, std::nullopt, {1}, "valid").sizes().vec(),
            std::vector<int64_t>({2, 4, 4, 4}));
  EXPECT_EQ(testing::error_of([&] { conv2d(x, w, std::nullopt, {2}, "same"); }),
            "conv2d: padding='same' is not supported for strided convolutions");
  EXPECT_EQ(testing::error_of([&] { conv1d(x, w); }),
            "conv1d: expected a 3-D input, got 4-D [2, 3, 5, 6]");
  // Transposed weights are [C_in, C_out, *k]: w maps 4 channels back to 3.
  EXPECT_EQ(conv_transpose2d(same, w).sizes().vec(), std::vector<int64_t>({2, 3, 6, 8}));
  EXPECT_EQ(max_pool2d(x, {2}).sizes().vec(), std::vector<int64_t>({2, 3, 2, 3}));
  EXPECT_EQ(max_pool1d(x.flatten(2), {4}, {4}).sizes().vec(), std::vector<int64_t>({2, 3, 7}));
  EXPECT_EQ(relu6(full({3}, 7.0)).max().item<double>(), 6.0);
  EXPECT_EQ(norm(full({4}, 3.0)).item<double>(), 6.0);
}

TEST(Eager, Float8ComputesThroughFloat32) {
  const Tensor a = tensor<float>({1.0f, 2.5f, 300.0f}).to(DType::Float8E4M3FN);
  const Tensor s = a + a;
  EXPECT_EQ(s.dtype(), DType::Float8E4M3FN);
  EXPECT_EQ(element_at(s, 1).to<double>(), 5.0);
  EXPECT_TRUE(std::isnan(element_at(s, 2).to<double>()));  // 576 is past e4m3fn's 448: NaN
  EXPECT_EQ((a.to(DType::Float8E5M2) * 2).dtype(), DType::Float8E5M2);
  EXPECT_EQ((a + a.to(DType::Float8E5M2)).dtype(), DType::Float16);
  // 300 is stored as 288; the sum 291.5 rounds back to 288 in e4m3fn.
  EXPECT_EQ(sum(a).item<double>(), 288.0);
}

}  // namespace
}  // namespace tessera
