// Allocator: the pluggable source of tensor memory, with live and peak byte counts.
#pragma once

#include <atomic>
#include <cstddef>

namespace tessera {

/// Memory for tensors of one device type. Every block is 64-byte aligned.
class Allocator {
 public:
  virtual ~Allocator() = default;
  /// nbytes may be 0; the result is then a valid pointer that must still be freed.
  virtual void* allocate(size_t nbytes) = 0;
  virtual void deallocate(void* p, size_t nbytes) = 0;

  size_t live_bytes() const { return live_.load(std::memory_order_relaxed); }
  size_t peak_bytes() const { return peak_.load(std::memory_order_relaxed); }
  /// Sets the peak to the bytes live now, to measure the peak of a section.
  void reset_peak() { peak_.store(live_bytes(), std::memory_order_relaxed); }
  /// Bytes freed by tensors but kept for reuse (not counted as live).
  virtual size_t cached_bytes() const { return 0; }
  /// Returns every cached block to the system.
  virtual void empty_cache() {}

 protected:
  void record_alloc(size_t n);
  void record_free(size_t n) { live_.fetch_sub(n, std::memory_order_relaxed); }

 private:
  std::atomic<size_t> live_{0};
  std::atomic<size_t> peak_{0};
};

inline constexpr size_t kAlignment = 64;

/// The CPU allocator: malloc for small blocks, a cache of large ones (Note [CPU allocation]).
Allocator& cpu_allocator();

}  // namespace tessera
