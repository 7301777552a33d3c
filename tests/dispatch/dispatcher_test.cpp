// The dispatcher: typed and boxed paths, lookup with fallbacks and its errors, layers.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "support/error_of.h"
#include "tessera.h"

namespace tessera {
namespace {

using testing::error_of;

TEST(Dispatcher, TypedAndBoxedPathsAgree) {
  const Tensor a = arange(6, DType::Float32).view({2, 3});
  const Tensor b = tensor<float>({1, 2, 3});
  const Tensor typed = add(a, b, 2);
  Stack out = Dispatcher::get().call("add.Tensor", {a, b}, {{"alpha", int64_t{2}}});
  ASSERT_EQ(out.size(), 1u);
  const Tensor boxed = out[0].to_tensor();
  for (int64_t i = 0; i < 6; ++i) EXPECT_EQ(element_at(typed, i), element_at(boxed, i));
  EXPECT_EQ(element_at(typed, 5).to<double>(), 5 + 2 * 3);
}

TEST(Dispatcher, TupleReturnsOnBothPaths) {
  const Tensor a = tensor<int32_t>({3, 9, 2, 9});
  const auto [v, i] = max(a, 0);
  EXPECT_EQ(v.item<int>(), 9);
  EXPECT_EQ(i.item<int64_t>(), 1);
  Stack out = Dispatcher::get().call("max.dim", {a, int64_t{0}});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].to_tensor().item<int64_t>(), 1);
}

TEST(Dispatcher, MissingKernelNamesOpBackendDtypeAndRegistered) {
  const Tensor z = full({2}, complex64(1, 1));
  EXPECT_EQ(
      error_of([&] { lt(z, z); }),
      "lt.Tensor: no kernel for backend cpu and dtype complex64; registered: reference [bool, "
      "uint8, int8, "
      "int16, int32, int64, float16, bfloat16, float32, float64, float8_e4m3fn, float8_e5m2]");
  EXPECT_EQ(error_of([] { Dispatcher::get().find_or_throw("no_such_op"); }),
            "no op named 'no_such_op' is registered");
}

TEST(Dispatcher, BindChecksArguments) {
  Dispatcher& d = Dispatcher::get();
  const Tensor a = ones({2});
  EXPECT_EQ(error_of([&] { d.call("add.Tensor", {a}); }), "add.Tensor: missing argument 'other'");
  EXPECT_EQ(error_of([&] {
              d.call("add.Tensor", {a, int64_t{1}});
            }),
            "add.Tensor: argument 'other' expected Tensor but got int");
  EXPECT_EQ(error_of([&] {
              d.call("add.Tensor", {a, a}, {{"beta", 1.0}});
            }),
            "add.Tensor: got an unexpected keyword argument 'beta'");
  EXPECT_EQ(error_of([&] {
              d.call("add.Tensor", {a, a, a});
            }),
            "add.Tensor: takes 2 positional arguments but 3 were given");
  EXPECT_EQ(error_of([&] {
              d.call("sum", {a}, {{"dim", std::vector<int64_t>{0, 0}}});
            }),
            "sum: dim 0 appears multiple times in the list of dims");
}

TEST(Dispatcher, DefIsIdempotentButRejectsAnotherSchema) {
  Dispatcher& d = Dispatcher::get();
  EXPECT_EQ(d.def("add.Tensor(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor"),
            d.find_or_throw("add.Tensor"));
  EXPECT_EQ(error_of([&] { d.def("add.Tensor(Tensor self, Tensor other) -> Tensor"); }),
            "def: op add.Tensor is already defined as add.Tensor(Tensor self, Tensor other, *, "
            "Scalar alpha=1) -> "
            "Tensor, cannot redefine it as add.Tensor(Tensor self, Tensor other) -> Tensor");
}

Tensor wrong_signature(const Tensor& a) {
  return a;
}

TEST(Dispatcher, KernelSignatureIsCheckedAgainstSchema) {
  Dispatcher& d = Dispatcher::get();
  EXPECT_EQ(error_of([&] {
              d.impl(d.find_or_throw("mul.Tensor"), kBackendCPU, DType::Float32,
                     KernelFunction::from_unboxed(&wrong_signature));
            }),
            "impl: C++ signature (Tensor) -> (Tensor) does not match the schema mul.Tensor(Tensor "
            "self, Tensor "
            "other) -> Tensor");
  EXPECT_EQ(error_of([&] { d.find_or_throw("mul.Tensor").typed<Tensor(const Tensor&)>(); }),
            "typed call: C++ signature (Tensor) -> (Tensor) does not match the schema "
            "mul.Tensor(Tensor self, Tensor "
            "other) -> Tensor");
}

TEST(Dispatcher, DeviceMismatchIsAnError) {
  const DeviceType other = register_device_type("elsewhere_test", true);
  set_allocator(other, &cpu_allocator());
  const Tensor a = ones({2});
  const Tensor b = ones({2}, Device(other));
  EXPECT_EQ(error_of([&] { add(a, b); }),
            "add.Tensor: expected all tensors to be on the same device, but found at least two "
            "devices, cpu and "
            "elsewhere_test:0");
}

TEST(Dispatcher, ConcurrentCallsOnBothPaths) {
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t, &wrong] {
      for (int i = 0; i < 200; ++i) {
        const Tensor a = full({8}, static_cast<double>(i + t));
        const Tensor c = add(a, a) * 2;
        Stack s = Dispatcher::get().call("sum", {c});
        if (s[0].to_tensor().item<double>() != 32.0 * (i + t)) wrong.fetch_add(1);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
}

// Records every op it sees.
class RecordingLayer : public Layer {
 public:
  void call(const OperatorHandle& op, Stack& stack, const std::function<void()>& next) override {
    seen.push_back(op.name());
    next();
    returns += stack.size();
  }
  std::vector<std::string> seen;
  size_t returns = 0;
};

TEST(Layers, WrapEveryCallOnBothPathsWithoutTouchingOps) {
  RecordingLayer layer;
  const Tensor a = ones({2, 2});
  {
    LayerScope scope(layer);
    const Tensor c = add(a, a);                           // typed
    Dispatcher::get().call("mul.Tensor", {c, a});         // boxed
    const Tensor m = sum(a, {0}, false, DType::Float64);  // calls cast inside
    EXPECT_EQ(m.dtype(), DType::Float64);
    EXPECT_EQ(element_at(c, 0).to<double>(), 2.0);
  }
  add(a, a);  // after the scope: not recorded
  // Ops a kernel calls in turn (sum's cast) are not seen: layers see calls as made.
  EXPECT_EQ(layer.seen, (std::vector<std::string>{"add.Tensor", "mul.Tensor", "sum"}));
  EXPECT_EQ(layer.returns, 3u);
}

TEST(Layers, ProfilerCountsAndTimesCalls) {
  Profiler prof;
  const Tensor a = ones({16});
  {
    LayerScope scope(prof);
    for (int i = 0; i < 3; ++i) add(a, a);
    exp(a);
  }
  const auto e = prof.entries();
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e.at("add.Tensor").calls, 3);
  EXPECT_EQ(e.at("exp").calls, 1);
  EXPECT_GT(e.at("add.Tensor").total.count(), 0);
  EXPECT_NE(prof.table().find("add.Tensor"), std::string::npos);
}

}  // namespace
}  // namespace tessera
