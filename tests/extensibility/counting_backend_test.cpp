// A backend defined entirely in this test file, with no edit under src/: tensors on the
// "counting" device live in host memory from a counting allocator; a boxed backend
// fallback counts every op and hands it on to the CPU kernels, and one op has a kernel of
// its own. See docs/adding-a-backend.md.
#include <gtest/gtest.h>

#include <atomic>

#include "tessera.h"

namespace tessera {
namespace {

class CountingAllocator final : public Allocator {
 public:
  void* allocate(size_t n) override {
    allocations.fetch_add(1);
    record_alloc(n);
    return cpu_allocator().allocate(n);
  }
  void deallocate(void* p, size_t n) override {
    record_free(n);
    cpu_allocator().deallocate(p, n);
  }
  std::atomic<int> allocations{0};
};

struct CountingBackend {
  CountingAllocator allocator;
  DeviceType device;
  BackendId backend;
  std::atomic<int> fallback_calls{0};
  std::atomic<int> mul_calls{0};

  static CountingBackend& get() {
    static CountingBackend* b = new CountingBackend();
    return *b;
  }

 private:
  CountingBackend() {
    device = register_device_type("counting", /*host_accessible=*/true);
    set_allocator(device, &allocator);
    Dispatcher& d = Dispatcher::get();
    // Ops without a counting kernel fall back to this boxed kernel, then to cpu's.
    backend = d.register_backend("counting", device, kBackendCPU);
    d.set_backend_fallback(backend, [this](const OperatorHandle& op, Stack& stack) {
      fallback_calls.fetch_add(1);
      op.redispatch_boxed(kBackendCPU, stack);
    });
    // One op with a kernel of its own, for float32 only.
    d.impl(d.find_or_throw("mul.Tensor"), backend, DType::Float32,
           KernelFunction::from_unboxed(+[](const Tensor& a, const Tensor& b) {
             get().mul_calls.fetch_add(1);
             Stack s{a, b};
             Dispatcher::get().find_or_throw("mul.Tensor").redispatch_boxed(kBackendCPU, s);
             return s[0].to_tensor();
           }));
  }
};

TEST(CountingBackend, OpsRunThroughItsFallbackAndKeepTheDevice) {
  CountingBackend& cb = CountingBackend::get();
  const Device dev(cb.device);
  const Tensor a = arange(4, TensorOptions(DType::Float32, dev));
  EXPECT_EQ(a.device(), dev);
  const int before = cb.fallback_calls.load();
  const Tensor c = add(a, a);
  EXPECT_EQ(cb.fallback_calls.load(), before + 1);
  EXPECT_EQ(c.device(), dev);
  EXPECT_EQ(element_at(c, 3).to<double>(), 6.0);
  // Boxed path, same kernel.
  Dispatcher::get().call("sub.Tensor", {a, c});
  EXPECT_EQ(cb.fallback_calls.load(), before + 2);
  EXPECT_EQ(c.to_string(), "tensor([0., 2., 4., 6.], device='counting:0')");
  EXPECT_GT(cb.allocator.allocations.load(), 0);
}

TEST(CountingBackend, AnOpSpecificKernelWinsOverTheFallbackForItsDtype) {
  CountingBackend& cb = CountingBackend::get();
  const Device dev(cb.device);
  const Tensor f = ones({3}, TensorOptions(DType::Float32, dev));
  const Tensor i = ones({3}, TensorOptions(DType::Int32, dev));
  const int mul_before = cb.mul_calls.load(), fb_before = cb.fallback_calls.load();
  mul(f, f);
  EXPECT_EQ(cb.mul_calls.load(), mul_before + 1);
  EXPECT_EQ(cb.fallback_calls.load(), fb_before);
  mul(i, i);  // int32: no counting kernel, so the fallback
  EXPECT_EQ(cb.mul_calls.load(), mul_before + 1);
  EXPECT_EQ(cb.fallback_calls.load(), fb_before + 1);
}

TEST(CountingBackend, DeviceParsesByName) {
  CountingBackend::get();
  EXPECT_EQ(Device("counting").str(), "counting:0");
  EXPECT_EQ(Dispatcher::get().backend_name(Dispatcher::get().backend_id("counting")), "counting");
}

}  // namespace
}  // namespace tessera
