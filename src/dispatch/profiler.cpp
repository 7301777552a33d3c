// The profiling layer.
#include "dispatch/profiler.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

namespace tessera {

void Profiler::call(const OperatorHandle& op, Stack&, const std::function<void()>& next) {
  const auto start = std::chrono::steady_clock::now();
  next();
  const auto elapsed = std::chrono::steady_clock::now() - start;
  std::lock_guard lock(mu_);
  Entry& e = entries_[op.name()];
  ++e.calls;
  e.total += std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed);
}

std::map<std::string, Profiler::Entry> Profiler::entries() const {
  std::lock_guard lock(mu_);
  return entries_;
}

std::string Profiler::table() const {
  const auto all = entries();
  std::vector<std::pair<std::string, Entry>> rows(all.begin(), all.end());
  std::sort(rows.begin(), rows.end(),
            [](const auto& a, const auto& b) { return a.second.total > b.second.total; });
  std::string out =
      fmt::format("{:<24} {:>8} {:>12} {:>10}\n", "op", "calls", "total us", "mean us");
  for (const auto& [name, e] : rows) {
    const double total_us = static_cast<double>(e.total.count()) / 1e3;
    out += fmt::format("{:<24} {:>8} {:>12.1f} {:>10.2f}\n", name, e.calls, total_us,
                       total_us / static_cast<double>(e.calls));
  }
  return out;
}

}  // namespace tessera
