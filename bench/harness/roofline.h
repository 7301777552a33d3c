// The machine's roofline, measured: FP32 FMA peak and triad memory bandwidth.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace tessera::bench {

struct Roofline {
  std::string isa;                   // "avx512f", "avx2+fma" or "scalar": what the FMA loop used
  std::map<int, double> fma_gflops;  // per thread count
  std::map<int, double> triad_gbps;  // per thread count
};

/// Measures both for each thread count (about a second in all for 1 and 2 threads).
Roofline measure_roofline(const std::vector<int>& thread_counts);

}  // namespace tessera::bench
