// Running a spec on the selected frameworks: calibration, interleaved rounds, the
// correctness guard, per-call overheads and the roofline. See docs/op-benchmark.md.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "roofline.h"
#include "spec.h"
#include "stats.h"
#include "tessera.h"

namespace tessera::bench {

/// The figures of one framework on one configuration.
struct FrameworkResult {
  std::string framework;
  bool ran = false;  // false: skipped or failed (see note)
  bool ok = true;    // false: its output differs from tessera's (timing flagged)
  std::string note;
  std::vector<double> samples_us;  // per-call time of each round
  Summary us;
  double gbps = 0, gflops = 0, roofline_pct = 0;
  double ratio_to_tessera = 0;  // this framework's median / tessera's: > 1 means tessera is faster
};

struct ConfigResult {
  Config config;
  double flops = 0, bytes = 0;
  std::vector<FrameworkResult> frameworks;  // tessera first
};

/// Per-call time of a 1-element float32 add, in ns.
struct OverheadResult {
  std::string framework;
  std::string path;  // "typed", "boxed", "eager", "session run", ...
  Summary ns;
};

struct RunResult {
  std::string spec_name;
  std::string started;  // ISO 8601, UTC
  nlohmann::json machine;
  std::map<std::string, std::string> versions;
  std::map<std::string, std::string> skipped;  // framework -> why
  std::map<std::string, std::string> environment;
  Roofline roofline;
  std::vector<OverheadResult> overheads;
  std::vector<ConfigResult> configs;
};

struct Options {
  Spec spec;
  std::vector<std::string> frameworks{"tessera", "libtorch", "pytorch", "onnxruntime"};
  std::string out_dir;      // inputs, outputs and runner logs go to out_dir/work
  std::string runners_dir;  // bench/runners (scripts)
  std::string bin_dir;      // where tessera_libtorch_runner is
  bool measure_roofline = true;
  std::function<void(size_t done, size_t total, const std::string& what)> progress;
};

/// Runs everything; frameworks that cannot start are skipped with the reason recorded.
RunResult run_benchmark(const Options& opts);

/// The correctness guard: empty when the raw output a runner wrote to path matches
/// tessera's output (floats within 1e-3 of max(1, max|tessera|), NaN where tessera has
/// NaN; integers and bools exactly), else what differs.
std::string check_output(const Tensor& expected, const std::string& path);

/// The frameworks known to the harness.
const std::vector<std::string>& known_frameworks();

}  // namespace tessera::bench
