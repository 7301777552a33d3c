// The default CPU allocator.
#include "core/allocator.h"

#include <cstdlib>
#include <new>

#include "core/device.h"
#include "core/error.h"

namespace tessera {

void Allocator::record_alloc(size_t n) {
  const size_t live = live_.fetch_add(n, std::memory_order_relaxed) + n;
  size_t peak = peak_.load(std::memory_order_relaxed);
  while (live > peak && !peak_.compare_exchange_weak(peak, live, std::memory_order_relaxed)) {
  }
}

namespace {

class CpuAllocator final : public Allocator {
 public:
  void* allocate(size_t nbytes) override {
    // aligned_alloc wants a multiple of the alignment.
    TSR_CHECK(nbytes <= (size_t{1} << 48), "allocate: ", nbytes, " bytes is beyond any machine");
    const size_t rounded = (nbytes + kAlignment - 1) & ~(kAlignment - 1);
    void* p = std::aligned_alloc(kAlignment, rounded == 0 ? kAlignment : rounded);
    TSR_CHECK(p != nullptr, "allocate: out of memory allocating ", nbytes, " bytes on cpu");
    record_alloc(nbytes);
    return p;
  }
  void deallocate(void* p, size_t nbytes) override {
    std::free(p);
    record_free(nbytes);
  }
};

}  // namespace

Allocator& cpu_allocator() {
  static CpuAllocator a;
  return a;
}

}  // namespace tessera
