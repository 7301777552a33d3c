// The default CPU allocator.
#include "core/allocator.h"

#include <cstdint>
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

// Note [CPU allocation]
// glibc's aligned_alloc goes through _int_memalign, which splits chunks and defeats the
// per-thread cache; small tensors then cost a malloc_consolidate now and then. Instead,
// take kAlignment extra bytes from malloc (whose fast path is the thread cache), align
// up, and keep the offset back to the malloc'd address in the byte before the block.
class CpuAllocator final : public Allocator {
 public:
  void* allocate(size_t nbytes) override {
    TSR_CHECK(nbytes <= (size_t{1} << 48), "allocate: ", nbytes, " bytes is beyond any machine");
    auto* raw = static_cast<unsigned char*>(std::malloc(nbytes + kAlignment));
    TSR_CHECK(raw != nullptr, "allocate: out of memory allocating ", nbytes, " bytes on cpu");
    // malloc aligns to 16, so the offset is in [16, 64] and fits the byte before the block.
    const auto addr = reinterpret_cast<uintptr_t>(raw);
    unsigned char* p = raw + (kAlignment - (addr & (kAlignment - 1)));
    p[-1] = static_cast<unsigned char>(p - raw);
    record_alloc(nbytes);
    return p;
  }
  void deallocate(void* p, size_t nbytes) override {
    auto* block = static_cast<unsigned char*>(p);
    std::free(block - block[-1]);
    record_free(nbytes);
  }
};

}  // namespace

Allocator& cpu_allocator() {
  static CpuAllocator a;
  return a;
}

}  // namespace tessera
