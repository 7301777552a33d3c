// ONNX models into the graph IR (see Note [ONNX import]).
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <onnx/onnx_pb.h>

#include "ir/graph.h"

namespace tessera::onnx_frontend {

// Note [ONNX import]
// A model is read with protobuf (size-checked), typed with ONNX's own shape inference
// (libonnx) where it succeeds, and lowered node by node: each ONNX op type has one
// lowering function (src/frontends/onnx/ops_*.cpp) that reads the node's attributes with
// the spec's defaults and creates IR nodes over tessera's ops. Inputs that ONNX passes as
// tensors but tessera's schemas take as lists or scalars (Reshape's shape, Slice's starts,
// ReduceSum's axes, Clip's bounds) are bound as values read at run time, or folded into
// literals when they are constants. Values keep their ONNX names; values a lowering adds
// get fresh names the model does not use. Initializers and Constant nodes become
// constants; an initializer that is also a graph input (IR version < 4 style) is a
// constant.

/// What tools report about a model, read from the file without lowering it.
struct Summary {
  int64_t opset = 0;  // of ai.onnx (0: the model imports only other domains)
  int64_t ir_version = 0;
  std::string producer;
  /// ONNX op type -> node count (sub-graphs included).
  std::map<std::string, int64_t> op_histogram;
  /// Elements in initializers and Constant nodes.
  int64_t parameters = 0;
  /// "OpType" (or "domain:OpType") of nodes tessera has no lowering for, with counts.
  std::map<std::string, int64_t> unsupported;
};
Summary summarize(const onnx::ModelProto& proto);

/// A model in the IR with what tools report about it.
struct Model {
  std::unique_ptr<ir::Graph> graph;
  /// ONNX names of the graph's inputs and outputs, in order (a graph output may be a value
  /// of another name, e.g. an input passed through Identity).
  std::vector<std::string> input_names, output_names;
  Summary summary;
  /// The ONNX graph outputs as they map onto the IR's (flattened, in order): a tensor is
  /// one, a sequence its `count` elements (named by element_name), an empty optional none.
  struct Output {
    std::string name;
    enum class Kind : uint8_t { Tensor, Sequence, None } kind;
    int count;
  };
  std::vector<Output> outputs;
};

/// What an ONNX value holds: a tensor, a sequence of tensors, or an optional (of a tensor
/// or a sequence).
enum class ValueKind : uint8_t { Tensor, Sequence, Optional };
ValueKind kind_of(const onnx::TypeProto& t);

/// The IR name of element k of a sequence graph input or output: "name[k]".
std::string element_name(const std::string& sequence, size_t k);

/// Thrown when a lowering needs the data of a value known only at run time (e.g. Resize's
/// scales given as a graph input); value() names it, inputs() the graph inputs it is
/// computed from (itself when it is one). See Note [Specialising on inputs].
class NeedsConstant : public NotImplementedError {
 public:
  NeedsConstant(std::string msg, std::string value, std::vector<std::string> inputs)
      : NotImplementedError(std::move(msg)), value_(std::move(value)), inputs_(std::move(inputs)) {}
  const std::string& value() const { return value_; }
  const std::vector<std::string>& inputs() const { return inputs_; }

 private:
  std::string value_;
  std::vector<std::string> inputs_;
};

/// The IR type of an ONNX value's type (dtype unknown for types tessera lacks); of its
/// elements for a sequence or an optional.
ir::TensorType type_of(const onnx::TypeProto& t);

/// Limits on untrusted model files.
inline constexpr size_t kMaxModelBytes = size_t{2} << 30;  // protobuf's own limit

/// Reads and parses a model file. Throws Error naming the file and the problem.
onnx::ModelProto read_model(const std::filesystem::path& path);
/// Parses model bytes.
onnx::ModelProto parse_model(std::string_view bytes, const std::string& what = "model");

/// Imports a parsed model; base_dir is where external data lives. With allow_unsupported,
/// nodes without a lowering are skipped and listed (what `tessera inspect` wants);
/// otherwise they are an error listing every unsupported op type. Graph inputs named in
/// bound become constants holding the given data. Graph inputs that are sequences or
/// optionals take their structure from `structured` (a Tensor[] for a sequence, None for
/// an empty optional; Note [Sequences at import]); without it, NeedsConstant names them.
Model import_model(const onnx::ModelProto& proto, const std::filesystem::path& base_dir,
                   bool allow_unsupported = false, const std::map<std::string, Tensor>& bound = {},
                   const std::map<std::string, IValue>& structured = {});

/// read_model + import_model.
Model load_model(const std::filesystem::path& path, bool allow_unsupported = false);

}  // namespace tessera::onnx_frontend
