// The intra-op thread pool: thread count and parallel_for.
#include "core/parallel.h"

#include <omp.h>

#include <algorithm>
#include <cstdlib>
#include <exception>
#include <string>

#include "core/error.h"

namespace tessera {

namespace {
// Chunks per thread in parallel_for: enough to rebalance around a busy core, few enough
// that handing them out costs nothing next to a grain of work.
constexpr int64_t kChunksPerThread = 4;
}  // namespace

void set_num_threads(int n) {
  TSR_CHECK(n >= 1 && n <= 1024, "set_num_threads: expected 1 to 1024 threads, got ", n);
  omp_set_num_threads(n);
}

int get_num_threads() {
  return omp_get_max_threads();
}

void parallel_for(int64_t begin, int64_t end, int64_t grain, RangeFn f) {
  const int64_t n = end - begin;
  if (n <= 0) return;
  const int64_t max_threads = omp_in_parallel() ? 1 : omp_get_max_threads();
  const int64_t grains = n / std::max<int64_t>(grain, 1);
  const int64_t threads = std::min<int64_t>(max_threads, std::max<int64_t>(1, grains / 2));
  if (threads <= 1) {
    f(begin, end);
    return;
  }
  // A few chunks per thread, handed out as threads come for them: when another process
  // holds one of the cores, the thread on it takes fewer chunks instead of the whole op
  // waiting for its equal share (no collapse under oversubscription). Chunks stay at
  // least a grain long.
  const int64_t chunks = std::min<int64_t>(threads * kChunksPerThread, grains);
  const int64_t chunk = (n + chunks - 1) / chunks;
  // Exceptions must not leave an OpenMP region: the first one is kept and rethrown.
  std::exception_ptr error;
#pragma omp parallel for num_threads(static_cast <int>(threads)) schedule(dynamic, 1)
  for (int64_t c = 0; c < chunks; ++c) {
    const int64_t b = begin + c * chunk, e = std::min(end, b + chunk);
    if (b < e) {
      try {
        f(b, e);
      } catch (...) {
#pragma omp critical(tessera_parallel_for_error)
        if (!error) error = std::current_exception();
      }
    }
  }
  if (error) std::rethrow_exception(error);
}

namespace {
// TESSERA_NUM_THREADS, read once when the library loads; a bad value is ignored.
[[maybe_unused]] const bool kThreadsFromEnv = [] {
  if (const char* v = std::getenv("TESSERA_NUM_THREADS")) {
    char* end = nullptr;
    const long n = std::strtol(v, &end, 10);
    if (end != v && *end == '\0' && n >= 1 && n <= 1024) omp_set_num_threads(static_cast<int>(n));
  }
  return true;
}();
}  // namespace

}  // namespace tessera
