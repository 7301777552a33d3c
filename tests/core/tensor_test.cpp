// Tensor views, copies, factories, printing and the allocator.
#include <gtest/gtest.h>

#include "support/error_of.h"
#include "tessera.h"

namespace tessera {
namespace {

// Flattened values of a tensor as doubles, in logical order.
std::vector<double> values(const Tensor& t) {
  std::vector<double> v;
  for (int64_t i = 0; i < t.numel(); ++i) v.push_back(element_at(t, i).to<double>());
  return v;
}

using testing::error_of;

TEST(Tensor, ViewsShareStorage) {
  Tensor a = arange(12, DType::Float32).view({3, 4});
  Tensor t = a.t();
  EXPECT_FALSE(t.is_contiguous());
  EXPECT_EQ(t.storage().get(), a.storage().get());
  EXPECT_EQ(values(t.select(0, 1)), (std::vector<double>{1, 5, 9}));
  t.select(0, 1).fill_(-1);
  EXPECT_EQ(values(a.select(1, 1)), (std::vector<double>{-1, -1, -1}));
}

TEST(Tensor, ViewOfNonContiguousNeedsReshape) {
  Tensor t = arange(6).view({2, 3}).t();
  EXPECT_EQ(error_of([&] { t.view({6}); }),
            "view: size [6] is not compatible with input size [3, 2] and strides [1, 3]; use "
            "reshape instead");
  Tensor r = t.reshape({6});
  EXPECT_EQ(values(r), (std::vector<double>{0, 3, 1, 4, 2, 5}));
  EXPECT_EQ(t.reshape({-1, 2}).sizes().vec(), (std::vector<int64_t>{3, 2}));
  EXPECT_EQ(error_of([&] {
              t.reshape({4, -1});
            }),
            "reshape: shape [4, -1] is invalid for input of size 6");
}

TEST(Tensor, SliceWithStepsIncludingNegative) {
  Tensor a = arange(10);
  EXPECT_EQ(values(a.slice(0, 1, 8, 3)), (std::vector<double>{1, 4, 7}));
  EXPECT_EQ(values(a.slice(0, -3)), (std::vector<double>{7, 8, 9}));
  EXPECT_EQ(values(a.slice(0, std::nullopt, std::nullopt, -4)), (std::vector<double>{9, 5, 1}));
  EXPECT_EQ(a.slice(0, 5, 2).numel(), 0);
  EXPECT_EQ(error_of([&] { a.slice(0, 0, 1, 0); }), "slice: step cannot be zero");
}

TEST(Tensor, ExpandSqueezeUnsqueezeDiagonal) {
  Tensor a = arange(3).view({3, 1});
  Tensor e = a.expand({2, 3, 4});
  EXPECT_EQ(e.strides().vec(), (std::vector<int64_t>{0, 1, 0}));
  EXPECT_EQ(values(e.select(0, 1).select(1, 3)), (std::vector<double>{0, 1, 2}));
  EXPECT_EQ(a.squeeze().sizes().vec(), (std::vector<int64_t>{3}));
  EXPECT_EQ(a.unsqueeze(0).sizes().vec(), (std::vector<int64_t>{1, 3, 1}));
  EXPECT_EQ(values(arange(9).view({3, 3}).diagonal()), (std::vector<double>{0, 4, 8}));
  EXPECT_EQ(values(arange(9).view({3, 3}).diagonal(1)), (std::vector<double>{1, 5}));
  EXPECT_EQ(values(arange(9).view({3, 3}).diagonal(-2)), (std::vector<double>{6}));
  EXPECT_EQ(error_of([&] {
              a.expand({2, 2});
            }),
            "expand: the expanded size of the tensor (2) must match the existing size (3) at "
            "non-singleton "
            "dimension 0.  Target sizes: [2, 2].  Tensor sizes: [3, 1]");
}

TEST(Tensor, AsStridedIsBoundsChecked) {
  Tensor a = arange(6);
  EXPECT_EQ(values(a.as_strided({2, 2}, {3, 1}, 1)), (std::vector<double>{1, 2, 4, 5}));
  EXPECT_EQ(error_of([&] {
              a.as_strided({2, 2}, {3, 3});
            }),
            "as_strided: sizes [2, 2], strides [3, 3] and offset 0 reach outside the storage of 6 "
            "elements");
}

TEST(Tensor, RealAndImagAreViews) {
  Tensor z = full({3}, complex64(1, 2));
  z.imag_view().fill_(5);
  EXPECT_EQ(element_at(z, 2).to<complex128>(), complex128(1, 5));
  EXPECT_EQ(z.real_view().dtype(), DType::Float32);
  EXPECT_EQ(error_of([] { ones({2}).imag_view(); }),
            "imag: expected a complex tensor, got float32");
}

TEST(Tensor, CopyCastsAndBroadcasts) {
  Tensor dst = zeros({2, 3}, DType::Int32);
  dst.copy_(tensor<double>({1.7, -2.2, 3.9}));
  EXPECT_EQ(values(dst), (std::vector<double>{1, -2, 3, 1, -2, 3}));
  Tensor h = full({2}, 1.0 / 3).to(DType::Float16);
  EXPECT_EQ(h.dtype(), DType::Float16);
  EXPECT_NEAR(element_at(h, 1).to<double>(), 1.0 / 3, 1e-3);
}

TEST(Tensor, ItemNeedsOneElement) {
  EXPECT_EQ(error_of([] { ones({2}).item(); }),
            "item: a Tensor with 2 elements cannot be converted to Scalar");
  EXPECT_EQ(full({}, 2.5).item<double>(), 2.5);
  EXPECT_EQ(full({1, 1}, int64_t{7}).item<int>(), 7);
}

TEST(Tensor, DimErrorsNameTheOp) {
  EXPECT_EQ(error_of([] {
              ones({2, 3}).transpose(0, 2);
            }),
            "transpose: dimension out of range (expected to be in range of [-2, 1], but got 2)");
  EXPECT_EQ(error_of([] {
              ones({2, 3}).size(-3);
            }),
            "size: dimension out of range (expected to be in range of [-2, 1], but got -3)");
}

TEST(Factories, DtypesFollowPyTorch) {
  EXPECT_EQ(full({2}, 1).dtype(), DType::Int64);
  EXPECT_EQ(full({2}, 1.5).dtype(), DType::Float32);
  EXPECT_EQ(full({2}, true).dtype(), DType::Bool);
  EXPECT_EQ(full({2}, complex64(1, 1)).dtype(), DType::Complex64);
  EXPECT_EQ(arange(5).dtype(), DType::Int64);
  EXPECT_EQ(arange(0, 1, 0.25).dtype(), DType::Float32);
  EXPECT_EQ(values(arange(0, 1, 0.25)), (std::vector<double>{0, 0.25, 0.5, 0.75}));
  EXPECT_EQ(values(arange(5, 0, -2)), (std::vector<double>{5, 3, 1}));
  EXPECT_EQ(values(linspace(0, 1, 5)), (std::vector<double>{0, 0.25, 0.5, 0.75, 1}));
  EXPECT_EQ(values(eye(2, 3)), (std::vector<double>{1, 0, 0, 0, 1, 0}));
  EXPECT_EQ(error_of([] { arange(0, 5, -1); }),
            "arange: upper bound and larger bound inconsistent with step sign");
  EXPECT_EQ(error_of([] { zeros({2, -1}); }), "empty: sizes must be non-negative, got [2, -1]");
}

TEST(Factories, RandomIsSeededAndInRange) {
  manual_seed(42);
  Tensor a = rand({1000});
  manual_seed(42);
  Tensor b = rand({1000});
  EXPECT_EQ(values(a), values(b));
  for (double v : values(a)) {
    EXPECT_GE(v, 0.0);
    EXPECT_LT(v, 1.0);
  }
  Generator g(7);
  Tensor n = randn({20000}, DType::Float64, &g);
  double mean = 0, sq = 0;
  for (double v : values(n)) {
    mean += v;
    sq += v * v;
  }
  mean /= 20000;
  EXPECT_NEAR(mean, 0.0, 0.05);
  EXPECT_NEAR(sq / 20000 - mean * mean, 1.0, 0.05);
  EXPECT_EQ(rand({4}, DType::BFloat16).dtype(), DType::BFloat16);
  EXPECT_EQ(error_of([] { rand({2}, DType::Int32); }),
            "rand: expected a floating point or complex dtype, got int32");
}

TEST(Factories, FromBlobWrapsMemoryAndCallsTheDeleter) {
  std::vector<float> data{1, 2, 3, 4, 5, 6};
  bool deleted = false;
  {
    Tensor t = from_blob(data.data(), {2, 3}, DType::Float32, std::nullopt,
                         [&](void*) { deleted = true; });
    t.select(0, 1).fill_(0);
    EXPECT_EQ(data[4], 0);
    Tensor v = t.t();  // a view keeps the memory alive
    t = Tensor();
    EXPECT_FALSE(deleted);
  }
  EXPECT_TRUE(deleted);
}

TEST(Allocator, CountsLiveAndPeakBytes) {
  Allocator& a = cpu_allocator();
  const size_t before = a.live_bytes();
  a.reset_peak();
  {
    Tensor t = empty({1024}, DType::Float64);
    EXPECT_EQ(a.live_bytes(), before + 8192);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(t.data_ptr()) % kAlignment, 0u);
  }
  EXPECT_EQ(a.live_bytes(), before);
  EXPECT_GE(a.peak_bytes(), before + 8192);
}

TEST(Allocator, ReusesLargeBlocksAndCanEmptyItsCache) {
  Allocator& a = cpu_allocator();
  void* first = nullptr;
  {
    Tensor t = empty({1 << 20}, DType::Float32);  // 4 MiB: a cached size
    first = t.data_ptr();
  }
  EXPECT_GE(a.cached_bytes(), size_t{4} << 20);
  {
    Tensor t = empty({(1 << 20) - 5}, DType::Float32);  // same size class: the same block again
    EXPECT_EQ(t.data_ptr(), first);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(t.data_ptr()) % kAlignment, 0u);
  }
  a.empty_cache();
  EXPECT_EQ(a.cached_bytes(), 0u);
}

TEST(Device, ParsesAndRejects) {
  EXPECT_EQ(Device("cuda:1").str(), "cuda:1");
  EXPECT_EQ(Device("cpu").type, kCPU);
  EXPECT_EQ(error_of([] { Device("tpu:0"); }), "device: unknown device type 'tpu' in 'tpu:0'");
  EXPECT_EQ(error_of([] { Device("cuda:x"); }),
            "device: expected a device index after ':' in 'cuda:x'");
  EXPECT_EQ(error_of([] { empty({2}, Device("cuda:0")); }),
            "no allocator for device type 'cuda' (tessera was built without it, or its backend is "
            "not loaded)");
}

TEST(Printing, Float8AndUndefined) {
  EXPECT_EQ(tensor<float>({0.5f, 448.0f}).to(DType::Float8E4M3FN).to_string(),
            "tensor([  0.5000, 448.0000], dtype=torch.float8_e4m3fn)");
  EXPECT_EQ(Tensor().to_string(), "tensor(undefined)");
}

}  // namespace
}  // namespace tessera

namespace tessera {
namespace {

// Note [Frozen storage]: data derived from frozen bytes is made once per key and kept.
TEST(FrozenStorage, DerivedDataIsMadeOncePerKey) {
  const Tensor t = arange(4, DType::Float32);
  EXPECT_FALSE(t.storage()->frozen());
  t.storage()->freeze();
  EXPECT_TRUE(t.storage()->frozen());
  int made = 0;
  const auto make = [&] {
    ++made;
    return std::static_pointer_cast<void>(std::make_shared<int>(made));
  };
  const auto a = t.storage()->derived("packed", make);
  const auto b = t.storage()->derived("packed", make);
  const auto c = t.storage()->derived("other", make);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_EQ(made, 2);
  EXPECT_EQ(*std::static_pointer_cast<int>(c), 2);
}

}  // namespace
}  // namespace tessera
