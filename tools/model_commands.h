// The CLI's model commands: `tessera run` and `tessera inspect`.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace tessera::cli {

struct RunArgs {
  std::string model;
  std::vector<std::string> inputs;  // NAME=FILE.npy
  std::string output_dir;
  std::optional<int> threads;
  uint64_t seed = 0;
};

/// Runs a model once: inputs from .npy files or seeded random data; prints each output's
/// name, dtype, shape and summary, and the latency. Returns the exit status.
int run_model(const RunArgs& args);

struct BenchArgs {
  std::string model;
  std::optional<int> threads;
  int64_t batch = 1;
  int iterations = 50;
  bool json = false;
  bool profile = false;
  std::string trace;  // write a Chrome trace of one run here
  std::string level = "all";
};

/// Times a model: load, first run, then `iterations` runs after a warm-up; prints latency
/// p50/p90/p99, throughput and peak memory (as one JSON object with --json).
int bench_model(const BenchArgs& args);

struct OptimizeArgs {
  std::string model;
  std::string out;
  std::string level = "all";
  bool print = false;
};

/// Imports a model, optimises it at the level, and writes it back as ONNX (checked by the
/// onnx checker); with print, also prints the optimised IR as text.
int optimize_model(const OptimizeArgs& args);

/// Prints a model's opset, inputs and outputs, op histogram, parameter count and the ops
/// tessera cannot run. Returns the exit status (0 even when some ops are unsupported).
int inspect_model(const std::string& path);

/// An ONNX value name as a file name: characters outside [A-Za-z0-9._-] become '_'.
std::string file_name_of(const std::string& value_name);

}  // namespace tessera::cli
