// The default CPU allocator.
#include "core/allocator.h"

#include <sys/mman.h>

#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>

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
// Small blocks: glibc's aligned_alloc goes through _int_memalign, which splits chunks and
// defeats the per-thread cache, so small tensors would cost a malloc_consolidate now and
// then. Instead take kAlignment extra bytes from malloc (whose fast path is the thread
// cache), align up, and keep the offset back to the malloc'd address in the byte before
// the block.
// Large blocks (>= kCacheMin): malloc hands them to mmap, and every out-of-place op on a
// large tensor then pays page faults on fresh memory (a 1e7-element add spends more time
// faulting than adding). Freed large blocks are kept, by size class (four classes per
// power of two), up to kCacheMax bytes, and handed out again already faulted in.
// Blocks of kHugePage and more are mapped on 2 MiB boundaries and advised to be backed by
// transparent huge pages: a stream over them then takes a TLB miss per 2 MiB instead of
// per 4 KiB (under virtualisation each miss walks two page tables).
constexpr size_t kCacheMin = size_t{64} << 10;
constexpr size_t kCacheMax = size_t{1} << 30;
constexpr size_t kHugePage = size_t{2} << 20;

// The size class of a large block: n rounded up to a quarter of its power of two.
size_t size_class(size_t n) {
  const int msb = 63 - __builtin_clzll(n);
  const size_t step = size_t{1} << (msb - 2);
  return (n + step - 1) & ~(step - 1);
}

void* aligned_malloc(size_t n) {
  auto* raw = static_cast<unsigned char*>(std::malloc(n + kAlignment));
  if (!raw) return nullptr;
  // malloc aligns to 16, so the offset is in [16, 64] and fits the byte before the block.
  const auto addr = reinterpret_cast<uintptr_t>(raw);
  unsigned char* p = raw + (kAlignment - (addr & (kAlignment - 1)));
  p[-1] = static_cast<unsigned char>(p - raw);
  return p;
}

void aligned_free(void* p) {
  auto* block = static_cast<unsigned char*>(p);
  std::free(block - block[-1]);
}

// A mapping of n bytes (a multiple of kHugePage) on a kHugePage boundary, advised to use
// huge pages (advice only: without them it is ordinary memory).
void* huge_map(size_t n) {
  const size_t span = n + kHugePage;
  void* raw = mmap(nullptr, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) return nullptr;
  const auto addr = reinterpret_cast<uintptr_t>(raw);
  const uintptr_t start = (addr + kHugePage - 1) & ~(kHugePage - 1);
  if (start > addr) munmap(raw, start - addr);
  if (addr + span > start + n) munmap(reinterpret_cast<void*>(start + n), addr + span - start - n);
  void* p = reinterpret_cast<void*>(start);
  madvise(p, n, MADV_HUGEPAGE);
  return p;
}

size_t huge_length(size_t cls) {
  return (cls + kHugePage - 1) & ~(kHugePage - 1);
}

void* block_alloc(size_t cls) {
  return cls >= kHugePage ? huge_map(huge_length(cls)) : aligned_malloc(cls);
}

void block_free(void* p, size_t cls) {
  if (cls >= kHugePage) {
    munmap(p, huge_length(cls));
  } else {
    aligned_free(p);
  }
}

class CpuAllocator final : public Allocator {
 public:
  ~CpuAllocator() override { empty_cache(); }

  void* allocate(size_t nbytes) override {
    TSR_CHECK(nbytes <= (size_t{1} << 48), "allocate: ", nbytes, " bytes is beyond any machine");
    void* p = nullptr;
    if (nbytes >= kCacheMin) {
      const size_t cls = size_class(nbytes);
      {
        std::lock_guard lock(mu_);
        auto it = free_.find(cls);
        if (it != free_.end() && !it->second.empty()) {
          p = it->second.back();
          it->second.pop_back();
          cached_ -= cls;
        }
      }
      if (!p) p = block_alloc(cls);
    } else {
      p = aligned_malloc(nbytes);
    }
    TSR_CHECK(p != nullptr, "allocate: out of memory allocating ", nbytes, " bytes on cpu");
    record_alloc(nbytes);
    return p;
  }

  void deallocate(void* p, size_t nbytes) override {
    record_free(nbytes);
    if (nbytes >= kCacheMin) {
      const size_t cls = size_class(nbytes);
      std::lock_guard lock(mu_);
      if (cached_ + cls <= kCacheMax) {
        free_[cls].push_back(p);
        cached_ += cls;
        return;
      }
      block_free(p, cls);
      return;
    }
    aligned_free(p);
  }

  size_t cached_bytes() const override {
    std::lock_guard lock(mu_);
    return cached_;
  }

  void empty_cache() override {
    std::lock_guard lock(mu_);
    for (auto& [cls, blocks] : free_) {
      for (void* b : blocks) block_free(b, cls);
    }
    free_.clear();
    cached_ = 0;
  }

 private:
  mutable std::mutex mu_;
  std::unordered_map<size_t, std::vector<void*>> free_;
  size_t cached_ = 0;
};

}  // namespace

Allocator& cpu_allocator() {
  static CpuAllocator a;
  return a;
}

}  // namespace tessera
