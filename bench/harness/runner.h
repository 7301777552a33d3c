// Runners: one per framework. tessera runs in-process; the others are child processes
// spoken to in JSON lines (see bench/runners/ and docs/op-benchmark.md).
#pragma once

#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <vector>

#include "ops.h"
#include "spec.h"

namespace tessera::bench {

/// An input as a file of raw little-endian elements, plus the tensor itself.
struct Input {
  std::string path;
  Tensor tensor;
};

/// What a runner needs to set up one configuration.
struct LoadRequest {
  const Config* config;
  const OpInfo* op;
  std::vector<Input> inputs;
  std::string output_path;  // where an external runner writes its result's raw bytes
  bool chainable = false;   // the output has input 0's shape and dtype (so ONNX chains work)
};

class Runner {
 public:
  virtual ~Runner() = default;
  virtual std::string name() const = 0;
  virtual std::string version() const = 0;
  /// Prepares the configuration, runs the op once and keeps or writes its output.
  /// Throws tessera::Error with the runner's message when the framework cannot run it.
  virtual void load(const LoadRequest& req) = 0;
  /// Seconds for iters runs of the loaded op (isolated from fixed per-call cost where the
  /// runner can; see note()).
  virtual double run(int64_t iters) = 0;
  /// Seconds for iters calls of a 1-element float32 add: the per-call overhead.
  virtual double overhead(int64_t iters) = 0;
  /// A remark on the loaded configuration's timing, e.g. "overhead_included".
  virtual std::string note() const { return ""; }
};

/// tessera in-process, through the boxed path of the dispatcher (as graphs and bindings call).
class TesseraRunner final : public Runner {
 public:
  std::string name() const override { return "tessera"; }
  std::string version() const override;
  void load(const LoadRequest& req) override;
  double run(int64_t iters) override;
  double overhead(int64_t iters) override;
  /// Seconds for iters typed-path calls (tessera::add) of the 1-element add.
  double overhead_typed(int64_t iters);
  /// The output of the loaded configuration.
  const Tensor& output() const { return output_; }

 private:
  std::optional<OperatorHandle> op_;
  Stack args_;
  Tensor output_;
};

/// A framework in a child process, speaking JSON lines on stdin/stdout:
///   {"cmd": "hello"} -> {"ok": true, "framework": ..., "version": ...}
///   {"cmd": "load", "op", "params", "dtype", "threads", "inputs": [{"path", "shape", "dtype"}],
///    "output"} -> {"ok": true, "note": ...} or {"ok": false, "error": ...}
///   {"cmd": "run", "iters": N} -> {"ok": true, "seconds": S}
///   {"cmd": "overhead", "iters": N} -> {"ok": true, "seconds": S}
/// Every request also carries an "id", which the reply echoes.
class ProcessRunner final : public Runner {
 public:
  /// Starts argv with env additions ("NAME=value"); stderr goes to log_path. Throws
  /// tessera::Error if it does not start or does not answer hello within timeout_s.
  ProcessRunner(std::string name, std::vector<std::string> argv, std::vector<std::string> env,
                const std::string& log_path, double timeout_s = 300);
  ~ProcessRunner() override;
  std::string name() const override { return name_; }
  std::string version() const override { return version_; }
  void load(const LoadRequest& req) override;
  double run(int64_t iters) override;
  double overhead(int64_t iters) override;
  std::string note() const override { return note_; }

 private:
  nlohmann::json request(const nlohmann::json& req);
  std::string name_, version_, note_;
  int pid_ = -1, to_child_ = -1, from_child_ = -1;
  std::string buffer_;
  int64_t last_id_ = 0;  // the id of the latest request
  double timeout_s_;
};

}  // namespace tessera::bench
