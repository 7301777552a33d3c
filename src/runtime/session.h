// Session: a model loaded once and run many times, from several threads at once.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "frontends/onnx/import.h"

namespace tessera::runtime {

/// A named tensor going into or out of a session.
using NamedTensor = std::pair<std::string, Tensor>;

/// One graph input or output as a user sees it.
struct IoInfo {
  std::string name;
  ir::TensorType type;
};

/// A loaded model ready to run. run() is const and keeps its per-call state on its own
/// stack, so one Session may serve concurrent calls.
class Session {
 public:
  /// Loads an ONNX model file (external data beside it).
  static Session load(const std::filesystem::path& path);
  /// Loads an ONNX model from bytes (external data under base_dir).
  static Session from_bytes(std::string_view bytes, const std::filesystem::path& base_dir = ".");
  explicit Session(onnx_frontend::Model model);
  Session(Session&&) noexcept;
  Session& operator=(Session&&) noexcept;
  ~Session();

  const std::vector<IoInfo>& inputs() const;
  const std::vector<IoInfo>& outputs() const;
  const onnx_frontend::Model& model() const;

  /// Runs the model. Every input is given by name; each is checked against the model's
  /// declared dtype and shape (a symbolic dim takes one size per run). Returns the
  /// outputs in the model's order. Errors name the input, or the node that failed.
  std::vector<NamedTensor> run(const std::vector<NamedTensor>& inputs) const;

 private:
  struct Plan;
  std::unique_ptr<Plan> plan_;
};

}  // namespace tessera::runtime
