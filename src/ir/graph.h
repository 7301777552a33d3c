// The graph IR: values, nodes that name registered ops, graphs (see Note [Graph IR]).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <variant>
#include <vector>

#include "dispatch/dispatcher.h"

namespace tessera::ir {

// Note [Graph IR]
// A Graph is an SSA graph: every Value is defined once, by a graph input, a constant or
// one output of a Node, and nodes are kept in an order where each value is defined before
// it is used. A node names a registered op (OperatorHandle), so a graph node and an eager
// call reach the same schema and kernels: running a node is building its argument stack
// and calling the op boxed.
//
// A node binds each argument of its op's schema (Node::arg) to one of:
// - a Value (a Tensor argument, or a non-tensor one read at run time from a tensor: an
//   int[] from a 1-D integer tensor, an int, float, bool or Scalar from a one-element one
//   or from one element of a 1-D one; this is how ONNX's shape, axes and starts inputs
//   reach ops whose schemas take lists and ints),
// - a list of Values (a Tensor[] argument),
// - a literal IValue (the other arguments: the node's attributes),
// or leaves it unbound, and the schema's default applies. The node's inputs() are the
// values it reads, in argument order; passes rewrite them with replace_input and
// Value::replace_all_uses_with, which keep every value's list of uses.
//
// Types may be partly unknown before inference: a dtype or not, a shape or not (rank
// unknown), and each dim a size, a symbol (a size fixed for one run, the same wherever the
// symbol appears: N) or unknown.

// Note [Control flow]
// Besides op nodes, a node may be an If or a Loop, which owns sub-graphs (its blocks) and
// runs them. Blocks are closed: a block reads nothing of the graph around it except through
// its own inputs, which the node binds to values of its graph (the block "captures" them).
// So a block is a Graph like any other: passes, the verifier and the runtime treat it on its
// own, and nothing in one graph points into another.
// - If(cond, captured...): blocks then and else, each taking the captured values and
//   returning the node's outputs; cond is a one-element tensor (true when nonzero).
// - Loop(max_trips, cond, carried..., captured...): block body taking (iteration: int64[],
//   cond: bool[], carried..., captured...) and returning (cond, carried..., scanned...).
//   It runs while iteration < max_trips and cond holds (ONNX's Loop: an absent trip count
//   is INT64_MAX, an absent condition true); the node's outputs are the last carried values,
//   then each scanned output of every iteration stacked along a new first dim.

/// One dimension of a shape: a size, a symbol, or unknown.
struct Dim {
  int64_t size = -1;   // >= 0 when static
  std::string symbol;  // non-empty when symbolic

  static Dim of(int64_t n) { return Dim{n, {}}; }
  static Dim sym(std::string s) { return Dim{-1, std::move(s)}; }
  static Dim unknown() { return Dim{}; }
  bool is_static() const { return size >= 0; }
  bool is_symbol() const { return !symbol.empty(); }
  bool operator==(const Dim&) const = default;
  /// "3", "N" or "?".
  std::string str() const;
};

/// A value's type: a dtype and a shape, either of which may be unknown.
struct TensorType {
  std::optional<DType> dtype;
  std::optional<std::vector<Dim>> shape;  // nullopt: the rank is unknown

  /// The exact type of a tensor.
  static TensorType of(const Tensor& t);
  /// Static sizes when every dim is static.
  std::optional<std::vector<int64_t>> static_shape() const;
  /// Whether t can be a value of this type: its dtype, rank and static sizes agree.
  bool admits(const Tensor& t) const;
  bool operator==(const TensorType&) const = default;
  /// "float32[N,3,224,224]", "float32[]" (0-d), "float32" (rank unknown), "?[2]", "?".
  std::string str() const;
};

/// The most precise type that admits every value of a and of b: what they agree on.
TensorType join(const TensorType& a, const TensorType& b);

class Node;
class Graph;

/// One use of a value: the node and the index into its inputs().
struct Use {
  Node* node;
  int input;
  bool operator==(const Use&) const = default;
};

/// An SSA value.
class Value {
 public:
  const std::string& name() const { return name_; }
  const TensorType& type() const { return type_; }
  void set_type(TensorType t) { type_ = std::move(t); }
  /// The node defining this value, or null for graph inputs and constants.
  Node* producer() const { return producer_; }
  /// Which of the producer's outputs this is.
  int output_index() const { return output_index_; }
  const std::vector<Use>& uses() const { return uses_; }
  bool is_constant() const { return constant_.defined(); }
  /// The data of a constant (undefined for other values).
  const Tensor& constant() const { return constant_; }
  Graph& graph() const { return *graph_; }
  /// Makes every use of this value (graph outputs included) use v instead.
  void replace_all_uses_with(Value* v);

 private:
  friend class Graph;
  friend class Node;
  Value(Graph* g, std::string name) : graph_(g), name_(std::move(name)) {}

  Graph* graph_;
  std::string name_;
  TensorType type_;
  Node* producer_ = nullptr;
  int output_index_ = -1;
  std::vector<Use> uses_;
  Tensor constant_;
};

/// How a node gives one schema argument (see Note [Graph IR]).
struct Arg {
  enum class Kind : uint8_t { Literal, Value, ValueList };
  Kind kind = Kind::Literal;
  IValue literal;        // Literal
  int first = 0;         // Value, ValueList: the first of its inputs()
  int count = 0;         // Value: 1; ValueList: the list's length
  int64_t element = -1;  // Value: >= 0 when one element of a 1-d value is read
};

/// Element `index` of a 1-d value, read at run time as a non-tensor argument (how ONNX's
/// per-axis starts, ends and steps reach an op that takes one of each).
struct ValueElement {
  Value* value;
  int64_t index;
};

/// What a caller binds to a schema argument when creating a node.
using Input = std::variant<IValue, Value*, std::vector<Value*>, ValueElement>;

/// What a node runs: an op, or its blocks (Note [Control flow]).
enum class NodeKind : uint8_t { Op, If, Loop };

/// A node: an op applied to inputs and literals, defining its outputs; or control flow.
class Node {
 public:
  NodeKind kind() const { return kind_; }
  bool is_op() const { return kind_ == NodeKind::Op; }
  /// The op of an op node.
  OperatorHandle op() const { return op_; }
  /// The op's name ("add.Tensor"), or "if" / "loop" for control flow.
  const std::string& op_name() const;
  /// The op's schema; only op nodes have one.
  const Schema& schema() const;
  /// The sub-graphs of control flow: If's then and else, Loop's body.
  const std::vector<std::unique_ptr<Graph>>& blocks() const { return blocks_; }
  Graph& block(int i) const { return *blocks_.at(static_cast<size_t>(i)); }
  /// A Loop's count of carried values (inputs after max_trips and cond; first outputs).
  int num_carried() const { return num_carried_; }
  /// The values read, in argument order.
  const std::vector<Value*>& inputs() const { return inputs_; }
  Value* input(int i) const { return inputs_.at(static_cast<size_t>(i)); }
  const std::vector<Value*>& outputs() const { return outputs_; }
  Value* output(int i = 0) const { return outputs_.at(static_cast<size_t>(i)); }
  /// The binding of schema argument i; nullopt when the schema's default applies.
  const std::optional<Arg>& arg(int i) const { return args_.at(static_cast<size_t>(i)); }
  int num_args() const { return static_cast<int>(args_.size()); }
  /// The literal bound to the named argument, or nullptr when it is unbound or a value.
  const IValue* literal(std::string_view arg_name) const;
  /// Binds a literal to the named argument (replacing what was bound, if a literal).
  void set_literal(std::string_view arg_name, IValue v);
  /// The name the node had where it came from (an ONNX node's name); may be empty.
  const std::string& name() const { return name_; }
  void set_name(std::string n) { name_ = std::move(n); }
  void replace_input(int i, Value* v);
  Graph& graph() const { return *graph_; }
  /// How errors name the node: `node #3 "Conv_0" (convolution -> %y)`.
  std::string describe() const;

 private:
  friend class Graph;
  Node(Graph* g, OperatorHandle op) : graph_(g), op_(op) {}

  Graph* graph_;
  NodeKind kind_ = NodeKind::Op;
  OperatorHandle op_;
  std::vector<std::unique_ptr<Graph>> blocks_;
  int num_carried_ = 0;
  std::vector<std::optional<Arg>> args_;
  std::vector<Value*> inputs_;
  std::vector<Value*> outputs_;
  std::string name_;
};

/// An SSA graph with named inputs, outputs and constants. Owns its nodes and values.
class Graph {
 public:
  explicit Graph(std::string name = "main") : name_(std::move(name)) {}
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;

  const std::string& name() const { return name_; }
  const std::vector<Value*>& inputs() const { return inputs_; }
  const std::vector<Value*>& outputs() const { return outputs_; }
  const std::vector<Value*>& constants() const { return constants_; }
  /// Nodes in order: every value is defined before its uses.
  std::vector<Node*> nodes() const;
  size_t num_nodes() const { return nodes_.size(); }

  /// Adds a graph input. Names are unique in a graph; an empty name gets a fresh one.
  Value* add_input(std::string name, TensorType type);
  /// Adds a constant holding t (its type is t's).
  Value* add_constant(std::string name, Tensor t);
  void add_output(Value* v);
  void set_output(int i, Value* v);

  /// Appends a node running op, or inserts it before the insertion point when one is set.
  /// positional and keyword bind the schema's arguments as in Python (see Dispatcher::bind);
  /// a Tensor argument takes a Value, a Tensor[] one a list of Values, any other a
  /// literal or a Value read at run time. num_outputs is the schema's count of returns
  /// unless the op returns one Tensor[] (then it says how many). output_names may be
  /// empty (fresh names). Throws Error naming the op when an argument does not bind.
  Node* create(OperatorHandle op, std::vector<Input> positional,
               std::vector<std::pair<std::string, Input>> keyword = {}, int num_outputs = -1,
               std::vector<std::string> output_names = {});
  /// As create, with the op by name ("add.Tensor").
  Node* create(std::string_view op, std::vector<Input> positional,
               std::vector<std::pair<std::string, Input>> keyword = {}, int num_outputs = -1,
               std::vector<std::string> output_names = {});
  /// An If node (Note [Control flow]): the blocks take the captured values as inputs and
  /// return num_outputs values each. Throws Error when their counts do not agree.
  Node* create_if(Value* cond, std::vector<Value*> captured, std::unique_ptr<Graph> then_branch,
                  std::unique_ptr<Graph> else_branch, std::vector<std::string> output_names = {});
  /// A Loop node (Note [Control flow]): body takes (iteration, cond, carried..., captured...)
  /// and returns (cond, carried..., scanned...); the node outputs carried and scanned values.
  Node* create_loop(Value* max_trips, Value* cond, std::vector<Value*> carried,
                    std::vector<Value*> captured, std::unique_ptr<Graph> body,
                    std::vector<std::string> output_names = {});
  /// New nodes go before n (null: at the end).
  void set_insertion_point(Node* n) { insert_before_ = n; }
  /// Removes a node whose outputs are unused.
  void erase(Node* n);
  /// Removes a constant or an input nothing uses.
  void erase_value(Value* v);

  /// Renames v; the name must be free.
  void rename(Value* v, std::string name);
  /// Keeps fresh_name from choosing these names (an importer reserves the names its
  /// source uses before it creates values of its own).
  void reserve_names(const std::vector<std::string>& names);

  /// The value of this name, or null.
  Value* find(std::string_view name) const;
  /// A name not yet used in the graph, from base ("x", "x.1", "x.2", ...).
  std::string fresh_name(std::string_view base) const;

 private:
  Value* new_value(std::string name);
  void check_name(const std::string& name) const;
  Node* add_node(std::unique_ptr<Node> node, int num_outputs,
                 const std::vector<std::string>& output_names);

  std::string name_;
  std::vector<std::unique_ptr<Value>> values_;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::vector<Value*> inputs_, outputs_, constants_;
  std::unordered_map<std::string, Value*> by_name_;
  std::unordered_set<std::string> reserved_;
  Node* insert_before_ = nullptr;
};

/// A non-tensor argument a read at run time from t (element `element` of a 1-d t when it is
/// >= 0): an int[] or float[] from a 1-d tensor, an int, float, bool or Scalar from one
/// element. Throws Error naming the argument when t cannot give it.
IValue read_argument(const Argument& a, const Tensor& t, int64_t element = -1);

/// The argument stack of n as the op's boxed call takes it: literals, the schema's
/// defaults, and the tensors tensor_of gives for its inputs (read as arguments where the
/// schema takes non-tensors).
Stack node_arguments(const Node& n, const std::function<Tensor(const Value*)>& tensor_of);

/// The tensors n's boxed call left on stack, one per output (a Tensor[] return unpacked).
/// Throws Error naming the node when they are not tensors or not one per output.
std::vector<Tensor> node_results(const Node& n, const Stack& stack);

/// What is wrong with binding schema argument i of op to arg (reading inputs for a value's
/// type), or an empty string when nothing is. Used when nodes are created and verified.
std::string arg_problem(const Schema& schema, int i, const Arg& arg,
                        const std::vector<Value*>& inputs);

}  // namespace tessera::ir
