// The intra-op thread count.
#include "core/parallel.h"

#include <omp.h>

#include <cstdlib>
#include <string>

#include "core/error.h"

namespace tessera {

void set_num_threads(int n) {
  TSR_CHECK(n >= 1 && n <= 1024, "set_num_threads: expected 1 to 1024 threads, got ", n);
  omp_set_num_threads(n);
}

int get_num_threads() {
  return omp_get_max_threads();
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
