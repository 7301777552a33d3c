// Quantiles and summaries.
#include "stats.h"

#include <algorithm>
#include <cmath>

namespace tessera::bench {

double quantile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const double pos = q * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<size_t>(std::floor(pos));
  const size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (v[hi] - v[lo]) * (pos - static_cast<double>(lo));
}

Summary summarize(const std::vector<double>& s) {
  if (s.empty()) return {};
  const auto [mn, mx] = std::minmax_element(s.begin(), s.end());
  return {quantile(s, 0.5), quantile(s, 0.25), quantile(s, 0.75), *mn, *mx};
}

}  // namespace tessera::bench
