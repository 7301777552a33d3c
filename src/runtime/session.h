// Session: a model loaded once and run many times, from several threads at once.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "frontends/onnx/import.h"
#include "passes/passes.h"

namespace tessera::runtime {

// Note [Specialising on inputs]
// Some ONNX graphs take, as graph inputs, values that tessera's lowerings need as constants
// (Resize's scales, Unsqueeze's axes, Pad's pads, OneHot's depth when they are inputs
// rather than initializers), or values computed from such inputs (a window's length from
// its size input). Importing such a model throws NeedsConstant naming the inputs; the
// Session then plans the model once per distinct value of those inputs (the first run
// with new values imports the model with them bound as constants, later runs with the
// same values reuse that plan). Models whose graph inputs are all data, the usual case,
// have one plan made at load. Inputs are specialised on through a computed value only when
// small (at most 64 elements by their declared shape): never an image planned per value.

/// A named tensor going into or out of a session.
using NamedTensor = std::pair<std::string, Tensor>;
/// A named input or output of any kind ONNX has: a Tensor, a Tensor[] (a sequence), or
/// None (an empty optional; a present one is what it holds).
using NamedValue = std::pair<std::string, IValue>;

/// One graph input or output as a user sees it.
struct IoInfo {
  std::string name;
  ir::TensorType type;  // of the elements, for a sequence or an optional
  onnx_frontend::ValueKind kind = onnx_frontend::ValueKind::Tensor;
};

/// One node's execution in a profiled run.
struct NodeTiming {
  std::string node;  // the node's source name (its ONNX name), or its description
  std::string op;    // the tessera op
  double start_us;   // from the start of the run
  double duration_us;
};

/// A loaded model ready to run. run() is const and keeps its per-call state on its own
/// stack, so one Session may serve concurrent calls.
class Session {
 public:
  /// Loads an ONNX model file (external data beside it).
  /// Graphs are optimised at `level` (passes/passes.h) once, when planned.
  static Session load(const std::filesystem::path& path, passes::Level level = passes::Level::All);
  /// Loads an ONNX model from bytes (external data under base_dir).
  static Session from_bytes(std::string_view bytes, const std::filesystem::path& base_dir = ".",
                            passes::Level level = passes::Level::All);
  Session(onnx::ModelProto proto, std::filesystem::path base_dir,
          passes::Level level = passes::Level::All);
  Session(Session&&) noexcept;
  Session& operator=(Session&&) noexcept;
  ~Session();

  const std::vector<IoInfo>& inputs() const;
  const std::vector<IoInfo>& outputs() const;
  /// Graph inputs the session plans per value (see Note [Specialising on inputs]).
  std::vector<std::string> specialised_inputs() const;
  /// The static memory plan of the optimised graph (Note [Static memory plan]); null when
  /// the session plans per input value or structure.
  const passes::MemoryPlan* memory_plan() const;

  /// Runs the model. Every input is given by name; each is checked against the model's
  /// declared dtype and shape (a symbolic dim takes one size per run). Returns the
  /// outputs in the model's order. Errors name the input, or the node that failed.
  /// With profile, appends each node's timing (see write_chrome_trace).
  std::vector<NamedTensor> run(const std::vector<NamedTensor>& inputs,
                               std::vector<NodeTiming>* profile = nullptr) const;
  /// run for models with sequence or optional inputs or outputs (as NamedValue says); the
  /// Session plans once per structure of those inputs (Note [Sequences at import]).
  std::vector<NamedValue> run_values(const std::vector<NamedValue>& inputs,
                                     std::vector<NodeTiming>* profile = nullptr) const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

/// Node timings as Chrome's trace-event JSON (chrome://tracing, Perfetto).
std::string chrome_trace(const std::vector<NodeTiming>& timings);

}  // namespace tessera::runtime
