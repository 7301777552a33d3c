// Profiler: a Layer that counts and times every op call made while it is installed.
#pragma once

#include <chrono>
#include <map>
#include <string>

#include "dispatch/dispatcher.h"

namespace tessera {

/// Per-op call counts and wall time, collected on the threads where it is installed:
///   Profiler prof;
///   { LayerScope scope(prof); ...calls... }
///   std::cout << prof.table();
class Profiler final : public Layer {
 public:
  struct Entry {
    int64_t calls = 0;
    std::chrono::nanoseconds total{0};
  };

  void call(const OperatorHandle& op, Stack& stack, const std::function<void()>& next) override;
  /// Totals per op name ("add.Tensor").
  std::map<std::string, Entry> entries() const;
  /// A table sorted by total time: op, calls, total and mean microseconds.
  std::string table() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, Entry> entries_;
};

}  // namespace tessera
