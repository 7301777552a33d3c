// The context a lowering function works in, and the table of lowerings by ONNX op type.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <onnx/onnx_pb.h>

#include "ir/graph.h"

namespace tessera::onnx_frontend {

/// What an ONNX name stands for while importing (Note [Sequences at import]): a tensor (a
/// value of the IR), a sequence (a list of them), or an empty optional. A present optional
/// is what it holds.
struct Symbol {
  ir::Value* tensor = nullptr;
  std::optional<std::vector<ir::Value*>> sequence;
  bool none = false;

  Symbol() = default;
  Symbol(ir::Value* v) : tensor(v) {}  // NOLINT: a tensor is the usual symbol
  static Symbol of_sequence(std::vector<ir::Value*> items) {
    Symbol s;
    s.sequence = std::move(items);
    return s;
  }
  static Symbol empty_optional() {
    Symbol s;
    s.none = true;
    return s;
  }
  bool defined() const { return tensor != nullptr || sequence || none; }
};

/// Lowers a sub-graph (a body of If, Loop, Scan) of `owner` into the graph being built,
/// its inputs bound to `inputs` (outer names stay visible); returns its outputs.
using SubgraphFn = std::function<std::vector<Symbol>(
    const onnx::NodeProto& owner, const onnx::GraphProto& body, const std::vector<Symbol>&)>;

/// A sub-graph lowered as a block of its own (Note [Control flow]): the graph, whose first
/// inputs are the body's and the rest the outer values it reads (`captured`, values of the
/// graph being built, in the order of those inputs).
struct Region {
  std::unique_ptr<ir::Graph> graph;
  std::vector<ir::Value*> captured;
};
/// Lowers a sub-graph of `owner` as a Region whose own inputs have the given types, and
/// which captures the values `seed` first (an If's branches take the same captured values);
/// its outputs must be tensors.
using RegionFn = std::function<Region(const onnx::NodeProto& owner, const onnx::GraphProto& body,
                                      const std::vector<ir::TensorType>& input_types,
                                      const std::vector<ir::Value*>& seed)>;

/// One ONNX node being lowered: its inputs as IR values, its attributes, and helpers that
/// create IR nodes. Errors name the node.
class Lowerer {
 public:
  Lowerer(ir::Graph& g, const onnx::NodeProto& node, int64_t opset, std::vector<Symbol> inputs,
          const std::filesystem::path& base_dir, const SubgraphFn* subgraph = nullptr,
          const RegionFn* region = nullptr)
      : g_(g),
        node_(node),
        opset_(opset),
        inputs_(std::move(inputs)),
        base_dir_(base_dir),
        subgraph_(subgraph),
        region_(region) {}

  const onnx::NodeProto& node() const { return node_; }
  int64_t opset() const { return opset_; }
  int num_inputs() const { return static_cast<int>(inputs_.size()); }
  int num_outputs() const { return node_.output_size(); }
  /// Input i; an error when absent.
  ir::Value* in(int i) const;
  /// Input i, or null when absent (past the end or an empty name).
  ir::Value* in_opt(int i) const;
  /// Input i as it is: a tensor, a sequence or an empty optional (undefined when absent).
  const Symbol& symbol(int i) const;
  /// Input i, which must be a sequence: its elements.
  const std::vector<ir::Value*>& sequence_in(int i) const;
  /// Sets the node's outputs as symbols (sequences, optionals); the lowering then returns
  /// nothing.
  void set_outputs(std::vector<Symbol> outs) { symbol_outputs_ = std::move(outs); }
  const std::optional<std::vector<Symbol>>& symbol_outputs() const { return symbol_outputs_; }
  /// Input i's data when it is a constant.
  std::optional<Tensor> constant_in(int i) const;
  /// Input i as an int list when it is a constant (for attributes that moved to inputs).
  std::optional<std::vector<int64_t>> ints_in(int i) const;
  /// Input i's data, which the lowering needs now: throws NeedsConstant naming the value
  /// when it is known only at run time (a Session then specialises on it).
  Tensor need_constant(int i, const char* what) const;
  std::vector<int64_t> need_ints(int i, const char* what) const;
  std::vector<double> need_floats(int i, const char* what) const;

  bool has_attr(std::string_view name) const { return find(name) != nullptr; }
  int64_t attr_int(std::string_view name, int64_t fallback) const;
  float attr_float(std::string_view name, float fallback) const;
  std::string attr_string(std::string_view name, std::string fallback) const;
  std::vector<int64_t> attr_ints(std::string_view name, std::vector<int64_t> fallback) const;
  std::vector<float> attr_floats(std::string_view name, std::vector<float> fallback) const;
  /// A tensor attribute; an error when absent.
  Tensor attr_tensor(std::string_view name) const;
  /// A graph attribute (a body); an error when absent.
  const onnx::GraphProto& attr_graph(std::string_view name) const;
  /// The graph attribute `name` lowered inline with its inputs bound to `inputs`; its
  /// outputs.
  std::vector<Symbol> lower_subgraph(std::string_view name, const std::vector<Symbol>& inputs);
  /// The graph attribute `name` lowered as a block whose own inputs have these types and
  /// which captures `seed` first (see RegionFn).
  Region lower_region(std::string_view name, const std::vector<ir::TensorType>& input_types,
                      const std::vector<ir::Value*>& seed = {});
  /// The graph being built (for the control-flow nodes the lowerings of If and Loop make).
  ir::Graph& graph() { return g_; }
  /// Fresh names for n outputs of a node this lowering makes, after its first ONNX output.
  std::vector<std::string> output_names(int n);

  /// Creates a node of op and returns its first output (op_n: all its n outputs).
  ir::Value* op(std::string_view op, std::vector<ir::Input> positional,
                std::vector<std::pair<std::string, ir::Input>> keyword = {});
  std::vector<ir::Value*> op_n(std::string_view op, int n, std::vector<ir::Input> positional,
                               std::vector<std::pair<std::string, ir::Input>> keyword = {});
  /// A new constant.
  ir::Value* constant(Tensor t);
  /// A 0-d constant (a 0-d tensor does not change the dtype of what it meets).
  ir::Value* scalar(double v, DType d = DType::Float32);
  /// Input i for a Scalar argument: a literal when constant, else the value (read at run
  /// time).
  ir::Input scalar_in(int i) const;

  /// What is known of a value's type.
  std::optional<DType> dtype(const ir::Value* v) const { return v->type().dtype; }
  std::optional<int64_t> rank(const ir::Value* v) const;
  std::optional<std::vector<int64_t>> static_shape(const ir::Value* v) const {
    return v->type().static_shape();
  }
  /// The rank of v, or an error saying the lowering needs it for `why`.
  int64_t need_rank(const ir::Value* v, const char* why) const;
  /// axis normalised to [0, rank) (axis 0 or -1 of a 0-d value passes as 0).
  int64_t normalize_axis(int64_t axis, int64_t rank) const;
  /// axis as an index into shape, which must have that dim (an error for a 0-d shape).
  int64_t dim_index(int64_t axis, const std::vector<int64_t>& shape) const;

  /// Throws Error naming the node: onnx: node "name" (OpType): msg.
  template <typename... Args>
  [[noreturn]] void fail(const Args&... msg) const {
    detail::throw_error<Error>(where(), msg...);
  }
  /// "onnx: node \"Conv_0\" (Conv): "
  std::string where() const;

 private:
  const onnx::AttributeProto* find(std::string_view name) const;
  const onnx::AttributeProto& need(std::string_view name, int type) const;

  ir::Graph& g_;
  const onnx::NodeProto& node_;
  int64_t opset_;
  std::vector<Symbol> inputs_;
  const std::filesystem::path& base_dir_;
  const SubgraphFn* subgraph_;
  const RegionFn* region_;
  std::optional<std::vector<Symbol>> symbol_outputs_;
};

/// Conv's lowering with these operands and the node's attributes (pads, strides, dilations,
/// group, auto_pad); shared by Conv, ConvInteger and QLinearConv.
ir::Value* lower_conv(Lowerer& cx, ir::Value* x, ir::Value* weight, ir::Value* bias);

/// Lowers one node; returns the values of its outputs, in order (null for an output the
/// op does not produce, e.g. Dropout's mask when not asked for).
using LowerFn = std::function<std::vector<ir::Value*>(Lowerer&)>;

/// Registers the lowering of an ONNX op type for opsets of its domain from since_opset on;
/// the registration with the highest since_opset at most the model's opset is used. The op
/// type is "Name" in the default domain (ai.onnx), "domain:Name" in others.
void register_lowering(std::string op_type, int since_opset, LowerFn fn);
/// The lowering for op_type ("Name" or "domain:Name") at opset, or null.
const LowerFn* find_lowering(std::string_view op_type, int64_t opset);

}  // namespace tessera::onnx_frontend
