// FMA peak from independent FMA chains in registers, and a STREAM-like triad.
#include "roofline.h"

#include <immintrin.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <thread>
#include <vector>

namespace tessera::bench {
namespace {

using Clock = std::chrono::steady_clock;

// Each returns FLOPs done; the result goes to *sink so the loop is not removed.
__attribute__((target("avx512f"))) double fma_avx512(int64_t iters, float* sink) {
  __m512 acc[16];
  for (int k = 0; k < 16; ++k) acc[k] = _mm512_set1_ps(1.0f + static_cast<float>(k) * 1e-3f);
  const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
  for (int64_t i = 0; i < iters; ++i) {
    for (int k = 0; k < 16; ++k) acc[k] = _mm512_fmadd_ps(acc[k], a, b);
  }
  __m512 s = acc[0];
  for (int k = 1; k < 16; ++k) s = _mm512_add_ps(s, acc[k]);
  alignas(64) float lanes[16];
  _mm512_store_ps(lanes, s);
  *sink = lanes[0] + lanes[15];
  return static_cast<double>(iters) * 16 * 16 * 2;
}

__attribute__((target("avx2,fma"))) double fma_avx2(int64_t iters, float* sink) {
  __m256 acc[12];
  for (int k = 0; k < 12; ++k) acc[k] = _mm256_set1_ps(1.0f + static_cast<float>(k) * 1e-3f);
  const __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
  for (int64_t i = 0; i < iters; ++i) {
    for (int k = 0; k < 12; ++k) acc[k] = _mm256_fmadd_ps(acc[k], a, b);
  }
  __m256 s = acc[0];
  for (int k = 1; k < 12; ++k) s = _mm256_add_ps(s, acc[k]);
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, s);
  *sink = lanes[0] + lanes[7];
  return static_cast<double>(iters) * 12 * 8 * 2;
}

double fma_scalar(int64_t iters, float* sink) {
  float acc[8];
  for (int k = 0; k < 8; ++k) acc[k] = 1.0f + static_cast<float>(k) * 1e-3f;
  for (int64_t i = 0; i < iters; ++i) {
    for (float& x : acc) x = x * 0.999999f + 1e-7f;
  }
  *sink = acc[0] + acc[7];
  return static_cast<double>(iters) * 8 * 2;
}

using FmaFn = double (*)(int64_t, float*);

// Runs fn on `threads` threads at once; best of 3 of the aggregate rate, in GFLOP/s.
double fma_rate(FmaFn fn, int threads) {
  constexpr int64_t kIters = 4'000'000;
  double best = 0;
  for (int rep = 0; rep < 3; ++rep) {
    std::vector<float> sinks(threads * 16);
    std::vector<double> done(threads);
    const auto start = Clock::now();
    std::vector<std::thread> ts;
    for (int t = 0; t < threads; ++t)
      ts.emplace_back([&, t] { done[t] = fn(kIters, &sinks[t * 16]); });
    for (auto& th : ts) th.join();
    const double secs = std::chrono::duration<double>(Clock::now() - start).count();
    double total = 0;
    for (double d : done) total += d;
    best = std::max(best, total / secs / 1e9);
  }
  return best;
}

// a = b + s * c over three 64 MiB float arrays split among threads; best of 5, in GB/s
// counting 12 bytes per element (two reads and a write).
double triad_rate(int threads) {
  constexpr size_t kN = (size_t{64} << 20) / sizeof(float);
  struct Free {
    void operator()(float* p) const { std::free(p); }
  };
  std::unique_ptr<float[], Free> a(static_cast<float*>(std::aligned_alloc(64, kN * 4)));
  std::unique_ptr<float[], Free> b(static_cast<float*>(std::aligned_alloc(64, kN * 4)));
  std::unique_ptr<float[], Free> c(static_cast<float*>(std::aligned_alloc(64, kN * 4)));
  auto parallel = [&](auto&& body) {
    std::vector<std::thread> ts;
    for (int t = 0; t < threads; ++t) {
      ts.emplace_back([&, t] { body(kN * t / threads, kN * (t + 1) / threads); });
    }
    for (auto& th : ts) th.join();
  };
  parallel([&](size_t lo, size_t hi) {  // first touch on the threads that use the pages
    for (size_t i = lo; i < hi; ++i) {
      a[i] = 0;
      b[i] = 1;
      c[i] = 2;
    }
  });
  double best = 0;
  for (int rep = 0; rep < 5; ++rep) {
    const float s = 0.5f + static_cast<float>(rep);
    const auto start = Clock::now();
    parallel([&](size_t lo, size_t hi) {
      float* __restrict pa = a.get();
      const float* __restrict pb = b.get();
      const float* __restrict pc = c.get();
      for (size_t i = lo; i < hi; ++i) pa[i] = pb[i] + s * pc[i];
    });
    const double secs = std::chrono::duration<double>(Clock::now() - start).count();
    best = std::max(best, 12.0 * kN / secs / 1e9);
  }
  volatile float keep = a[kN / 2];
  (void)keep;
  return best;
}

}  // namespace

Roofline measure_roofline(const std::vector<int>& thread_counts) {
  Roofline r;
  FmaFn fn = &fma_scalar;
  r.isa = "scalar";
  if (__builtin_cpu_supports("avx512f")) {
    fn = &fma_avx512;
    r.isa = "avx512f";
  } else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    fn = &fma_avx2;
    r.isa = "avx2+fma";
  }
  for (int t : thread_counts) {
    r.fma_gflops[t] = fma_rate(fn, t);
    r.triad_gbps[t] = triad_rate(t);
  }
  return r;
}

}  // namespace tessera::bench
