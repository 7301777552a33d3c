// Benchmark specs: a JSON file of op configurations as cross products, expanded to a list.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "core/dtype.h"

namespace tessera::bench {

/// One thing to time: an op on inputs of given shapes, with params, dtype and threads.
struct Config {
  std::string op;
  std::vector<std::vector<int64_t>> shapes;  // one per input
  nlohmann::json params;                     // an object, e.g. {"dim": [-1]}
  DType dtype = DType::Float32;
  int threads = 1;

  /// "add [1000]+[1000] float32 t1 {...}": unique within a spec.
  std::string label() const;
};

struct Spec {
  std::string name;
  int rounds = 7;
  double round_ms = 25;
  std::vector<Config> configs;
};

/// Parses a spec. Each entry of "benchmarks" is a cross product:
///   {"op": "add", "inputs": [[[1000], [1000]], ...], "params": [{...}, ...],
///    "dtypes": ["float32"], "threads": [1, 2]}
/// Throws tessera::Error naming the entry and field on any problem (unknown op or
/// field, wrong arity, bad shape, unknown dtype, threads < 1).
Spec parse_spec(const nlohmann::json& j);
Spec load_spec(const std::string& path);

}  // namespace tessera::bench
