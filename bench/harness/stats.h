// Summary statistics of timing samples.
#pragma once

#include <vector>

namespace tessera::bench {

struct Summary {
  double median = 0, q1 = 0, q3 = 0, min = 0, max = 0;
  /// (q3 - q1) / median: the relative spread quoted next to medians.
  double rel_iqr() const { return median > 0 ? (q3 - q1) / median : 0; }
};

/// Quantile q in [0, 1] with linear interpolation between order statistics (numpy's default).
double quantile(std::vector<double> v, double q);
/// Median, quartiles and range; all zero for no samples.
Summary summarize(const std::vector<double>& samples);

}  // namespace tessera::bench
