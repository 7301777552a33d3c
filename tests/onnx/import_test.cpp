// ONNX import and Session: models built with the protobuf classes, lowered to the IR
// (checked as text), run, and bad models and bad inputs that must end in clear errors.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include <onnx/checker.h>

#include "frontends/onnx/export.h"
#include "frontends/onnx/import.h"
#include "frontends/onnx/tensor_proto.h"
#include "ir/text.h"
#include "runtime/session.h"
#include "support/error_of.h"
#include "tessera.h"

namespace tessera::onnx_frontend {
namespace {

using tessera::testing::error_of;

onnx::ValueInfoProto value_info(const std::string& name, int32_t type,
                                const std::vector<std::string>& dims) {
  onnx::ValueInfoProto v;
  v.set_name(name);
  auto* t = v.mutable_type()->mutable_tensor_type();
  t->set_elem_type(type);
  auto* shape = t->mutable_shape();
  for (const std::string& d : dims) {
    if (std::isdigit(static_cast<unsigned char>(d[0]))) {
      shape->add_dim()->set_dim_value(std::stoll(d));
    } else {
      shape->add_dim()->set_dim_param(d);
    }
  }
  return v;
}

onnx::NodeProto* add_node(onnx::GraphProto& g, const std::string& op,
                          const std::vector<std::string>& in, const std::vector<std::string>& out,
                          const std::string& name = "") {
  onnx::NodeProto* n = g.add_node();
  n->set_op_type(op);
  n->set_name(name);
  for (const auto& i : in) n->add_input(i);
  for (const auto& o : out) n->add_output(o);
  return n;
}

void add_ints(onnx::NodeProto* n, const std::string& name, const std::vector<int64_t>& v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (int64_t x : v) a->add_ints(x);
}

onnx::ModelProto model_of(const onnx::GraphProto& g, int64_t opset = 13) {
  onnx::ModelProto m;
  m.set_ir_version(8);
  m.add_opset_import()->set_version(opset);
  *m.mutable_graph() = g;
  return m;
}

// x: float[N,3,8,8] -> Conv(W: 4x3x3x3, pads 1) -> Relu -> y
onnx::ModelProto conv_relu() {
  onnx::GraphProto g;
  g.set_name("conv_relu");
  *g.add_input() = value_info("x", onnx::TensorProto::FLOAT, {"N", "3", "8", "8"});
  manual_seed(1);
  *g.add_initializer() = to_proto(randn({4, 3, 3, 3}), "W");
  auto* conv = add_node(g, "Conv", {"x", "W"}, {"c"}, "conv0");
  add_ints(conv, "pads", {1, 1, 1, 1});
  add_node(g, "Relu", {"c"}, {"y"}, "relu0");
  *g.add_output() = value_info("y", onnx::TensorProto::FLOAT, {"N", "4", "8", "8"});
  return model_of(g);
}

TEST(OnnxImport, LowersNodesToTesseraOps) {
  const Model m = import_model(conv_relu(), ".");
  EXPECT_EQ(m.input_names, std::vector<std::string>{"x"});
  EXPECT_EQ(m.output_names, std::vector<std::string>{"y"});
  EXPECT_EQ(m.summary.parameters, 4 * 3 * 3 * 3);
  EXPECT_EQ(ir::print(*m.graph),
            "graph conv_relu(%x: float32[N,3,8,8]) -> (%y) {\n"
            "  const %W: float32[4,3,3,3] = @W\n"
            "  %c: float32[N,4,8,8] = convolution(%x, %W, None, [1, 1], [1, 1], [1, 1], False, "
            "[0, 0], 1) loc(\"conv0\")\n"
            "  %y: float32[N,4,8,8] = relu(%c) loc(\"relu0\")\n"
            "}\n");
}

TEST(OnnxImport, SessionRunsLikeEagerCalls) {
  const runtime::Session s(conv_relu(), ".");
  manual_seed(2);
  const Tensor x = randn({2, 3, 8, 8});
  const auto out = s.run({{"x", x}});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].first, "y");
  manual_seed(1);
  const Tensor w = randn({4, 3, 3, 3});
  const Tensor want =
      relu(convolution(x, w, std::nullopt, {1, 1}, {1, 1}, {1, 1}, false, {0, 0}, 1));
  const double diff = (out[0].second - want).abs().max().item<double>();
  EXPECT_LT(diff, 1e-5);
  // The batch is symbolic: another size runs too.
  EXPECT_EQ(s.run({{"x", randn({5, 3, 8, 8})}})[0].second.size(0), 5);
}

TEST(OnnxImport, ConcurrentRunsOfOneSession) {
  const runtime::Session s(conv_relu(), ".");
  manual_seed(3);
  std::vector<Tensor> xs;
  for (int i = 0; i < 4; ++i) xs.push_back(randn({i + 1, 3, 8, 8}));
  std::vector<Tensor> want;
  for (const Tensor& x : xs) want.push_back(s.run({{"x", x}})[0].second);
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int k = 0; k < 20; ++k) {
        const int i = (t + k) % 4;
        const Tensor y = s.run({{"x", xs[static_cast<size_t>(i)]}})[0].second;
        if (!all(y.eq(want[static_cast<size_t>(i)])).item<bool>()) ++wrong;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
}

// A graph input that a lowering needs as a constant (Unsqueeze's axes): the session plans
// the model per value of it (Note [Specialising on inputs]).
TEST(OnnxImport, SessionsSpecialiseOnInputsNeededAsConstants) {
  onnx::GraphProto g;
  *g.add_input() = value_info("x", onnx::TensorProto::FLOAT, {"2", "3"});
  *g.add_input() = value_info("axes", onnx::TensorProto::INT64, {"1"});
  add_node(g, "Unsqueeze", {"x", "axes"}, {"y"}, "u");
  *g.add_output() = value_info("y", onnx::TensorProto::FLOAT, {});
  const runtime::Session s(model_of(g), ".");
  EXPECT_EQ(s.specialised_inputs(), std::vector<std::string>{"axes"});
  const Tensor x = randn({2, 3});
  const Tensor a0 = full({1}, 0, DType::Int64), a2 = full({1}, -1, DType::Int64);
  EXPECT_EQ(s.run({{"x", x}, {"axes", a0}})[0].second.sizes().vec(),
            (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(s.run({{"x", x}, {"axes", a2}})[0].second.sizes().vec(),
            (std::vector<int64_t>{2, 3, 1}));
  EXPECT_EQ(s.run({{"x", x}, {"axes", a0}})[0].second.sizes().vec(),
            (std::vector<int64_t>{1, 2, 3}));
}

// A value computed from small graph inputs (Range's limit from n + 1) is specialised on
// through them; one computed from a large input is an error naming the value.
TEST(OnnxImport, SessionsSpecialiseOnSmallInputsOfComputedConstants) {
  auto range_model = [](const std::string& n_dims) {
    onnx::GraphProto g;
    *g.add_input() = value_info("n", onnx::TensorProto::INT64, {n_dims});
    add_node(g, "Constant", {}, {"one"}, "c");
    auto* v = g.mutable_node(0)->add_attribute();
    v->set_name("value_int");
    v->set_type(onnx::AttributeProto::INT);
    v->set_i(1);
    add_node(g, "Add", {"n", "one"}, {"limit_v"}, "a");
    add_node(g, "ReduceMax", {"limit_v"}, {"limit"}, "m");
    auto* k = g.mutable_node(2)->add_attribute();
    k->set_name("keepdims");
    k->set_type(onnx::AttributeProto::INT);
    k->set_i(0);
    add_node(g, "Constant", {}, {"zero"}, "z");
    auto* z = g.mutable_node(3)->add_attribute();
    z->set_name("value_int");
    z->set_type(onnx::AttributeProto::INT);
    z->set_i(0);
    add_node(g, "Range", {"zero", "limit", "one"}, {"y"}, "r");
    *g.add_output() = value_info("y", onnx::TensorProto::INT64, {});
    return model_of(g);
  };
  const runtime::Session s(range_model("1"), ".");
  EXPECT_EQ(s.specialised_inputs(), std::vector<std::string>{"n"});
  EXPECT_EQ(s.run({{"n", full({1}, 4, DType::Int64)}})[0].second.numel(), 5);
  EXPECT_EQ(s.run({{"n", full({1}, 2, DType::Int64)}})[0].second.numel(), 3);
  try {
    const runtime::Session big(range_model("1000"), ".");
    FAIL() << "expected an error";
  } catch (const NotImplementedError& e) {
    EXPECT_NE(std::string(e.what()).find("limit ('limit') must be known before the run"),
              std::string::npos)
        << e.what();
  }
}

// Same sizes and values (a round trip runs the same kernels; the control-flow tests
// compute small integers exactly).
bool same(const Tensor& a, const Tensor& b) {
  return a.sizes().vec() == b.sizes().vec() && all(a.eq(b)).item<bool>();
}

// The session's outputs, and those of the model exported from its optimised graph and
// imported again (which must pass the onnx checker), for the same inputs; returns the
// re-imported model's output names.
std::vector<std::string> expect_round_trip(const onnx::ModelProto& proto,
                                           const std::vector<runtime::NamedTensor>& in) {
  Model m = import_model(proto, ".");
  passes::optimize(*m.graph, passes::Level::All);
  const onnx::ModelProto out = export_model(*m.graph, m.input_names, m.output_names);
  EXPECT_NO_THROW(onnx::checker::check_model(out));
  std::string bytes;
  EXPECT_TRUE(out.SerializeToString(&bytes));
  const runtime::Session again = runtime::Session::from_bytes(bytes);
  const auto a = runtime::Session(proto, ".").run(in);
  const auto b = again.run(in);
  EXPECT_EQ(a.size(), b.size());
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    EXPECT_TRUE(same(a[i].second, b[i].second)) << a[i].first;
  }
  std::vector<std::string> names;
  for (const auto& io : again.outputs()) names.push_back(io.name);
  return names;
}

// import -> optimise -> export -> import: the exported model passes the onnx checker,
// computes what the original does and keeps its output's name.
TEST(OnnxImport, ExportRoundTrips) {
  manual_seed(5);
  EXPECT_EQ(expect_round_trip(conv_relu(), {{"x", randn({2, 3, 8, 8})}}),
            std::vector<std::string>{"y"});
}

void add_graph(onnx::NodeProto* n, const std::string& name, const onnx::GraphProto& body) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::GRAPH);
  *a->mutable_g() = body;
}

void add_int(onnx::NodeProto* n, const std::string& name, int64_t v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(v);
}

// y = If(sum(x) > 0) then x * x else b - x: both branches become blocks that capture what
// they read (then: x; else: x and b), decided at run time, with no plan per value.
onnx::ModelProto if_on_data() {
  onnx::GraphProto g;
  *g.add_input() = value_info("x", onnx::TensorProto::FLOAT, {"3"});
  *g.add_input() = value_info("b", onnx::TensorProto::FLOAT, {"3"});
  add_int(add_node(g, "ReduceSum", {"x"}, {"s"}, "sum"), "keepdims", 0);
  *g.add_initializer() = to_proto(zeros({}), "zero");
  add_node(g, "Greater", {"s", "zero"}, {"c"}, "gt");
  onnx::GraphProto then_b, else_b;
  then_b.set_name("then");
  add_node(then_b, "Mul", {"x", "x"}, {"t"});
  *then_b.add_output() = value_info("t", onnx::TensorProto::FLOAT, {"3"});
  else_b.set_name("else");
  add_node(else_b, "Sub", {"b", "x"}, {"e"});
  *else_b.add_output() = value_info("e", onnx::TensorProto::FLOAT, {"3"});
  auto* n = add_node(g, "If", {"c"}, {"y"}, "if0");
  add_graph(n, "then_branch", then_b);
  add_graph(n, "else_branch", else_b);
  *g.add_output() = value_info("y", onnx::TensorProto::FLOAT, {"3"});
  return model_of(g);
}

TEST(OnnxImport, IfOnAComputedConditionRunsItsBranchAtRunTime) {
  const runtime::Session s(if_on_data(), ".");
  EXPECT_TRUE(s.specialised_inputs().empty());
  const Tensor b = full({3}, 10.0);
  const Tensor pos = full({3}, 2.0), neg = full({3}, -2.0);
  EXPECT_TRUE(same(s.run({{"x", pos}, {"b", b}})[0].second, full({3}, 4.0)));
  EXPECT_TRUE(same(s.run({{"x", neg}, {"b", b}})[0].second, full({3}, 12.0)));
  const Model m = import_model(if_on_data(), ".");
  const ir::Node* n = m.graph->nodes().back();
  ASSERT_EQ(n->kind(), ir::NodeKind::If);
  EXPECT_EQ(n->inputs().size(), 3u);  // the condition, x and b
  EXPECT_EQ(n->block(0).inputs().size(), 2u);
  expect_round_trip(if_on_data(), {{"x", pos}, {"b", b}});
  expect_round_trip(if_on_data(), {{"x", neg}, {"b", b}});
}

// A while loop: v doubles until its sum reaches the limit (no trip count), each iteration's
// sum scanned out; the body captures the limit (a graph input) and two (a constant).
onnx::ModelProto doubling_loop() {
  onnx::GraphProto g;
  *g.add_input() = value_info("v0", onnx::TensorProto::FLOAT, {"2"});
  *g.add_input() = value_info("limit", onnx::TensorProto::FLOAT, {});
  *g.add_initializer() = to_proto(full({}, 2.0), "two");
  onnx::GraphProto body;
  body.set_name("body");
  *body.add_input() = value_info("i", onnx::TensorProto::INT64, {});
  *body.add_input() = value_info("go", onnx::TensorProto::BOOL, {});
  *body.add_input() = value_info("v", onnx::TensorProto::FLOAT, {"2"});
  add_node(body, "Mul", {"v", "two"}, {"v2"});
  add_int(add_node(body, "ReduceSum", {"v2"}, {"s"}), "keepdims", 0);
  add_node(body, "Less", {"s", "limit"}, {"more"});
  *body.add_output() = value_info("more", onnx::TensorProto::BOOL, {});
  *body.add_output() = value_info("v2", onnx::TensorProto::FLOAT, {"2"});
  *body.add_output() = value_info("s", onnx::TensorProto::FLOAT, {});
  add_graph(add_node(g, "Loop", {"", "", "v0"}, {"v", "sums"}, "while"), "body", body);
  *g.add_output() = value_info("v", onnx::TensorProto::FLOAT, {"2"});
  *g.add_output() = value_info("sums", onnx::TensorProto::FLOAT, {"K"});
  return model_of(g);
}

TEST(OnnxImport, LoopsWhoseConditionIsComputedRunAtRunTime) {
  const runtime::Session s(doubling_loop(), ".");
  EXPECT_TRUE(s.specialised_inputs().empty());
  const Tensor v0 = full({2}, 1.0);
  auto out = s.run({{"v0", v0}, {"limit", full({}, 10.0)}});
  EXPECT_TRUE(same(out[0].second, full({2}, 8.0)));
  EXPECT_TRUE(same(out[1].second, tensor({4.0f, 8.0f, 16.0f})));
  out = s.run({{"v0", v0}, {"limit", full({}, 100.0)}});
  EXPECT_TRUE(same(out[0].second, full({2}, 64.0)));
  EXPECT_EQ(out[1].second.numel(), 6);
  expect_round_trip(doubling_loop(), {{"v0", v0}, {"limit", full({}, 100.0)}});
}

// A loop of n (a graph input) iterations whose body holds an If reading the bias, a graph
// input two levels out: captured through the loop's body into the branch.
onnx::ModelProto nested_control_flow() {
  onnx::GraphProto g;
  *g.add_input() = value_info("n", onnx::TensorProto::INT64, {});
  *g.add_input() = value_info("v0", onnx::TensorProto::FLOAT, {"2"});
  *g.add_input() = value_info("bias", onnx::TensorProto::FLOAT, {"2"});
  *g.add_initializer() = to_proto(full({}, 1, DType::Int64), "one");
  *g.add_initializer() = to_proto(full({}, 1, DType::Bool), "yes");
  onnx::GraphProto then_b, else_b, body;
  then_b.set_name("then");
  add_node(then_b, "Add", {"v", "bias"}, {"up"});
  *then_b.add_output() = value_info("up", onnx::TensorProto::FLOAT, {"2"});
  else_b.set_name("else");
  add_node(else_b, "Sub", {"v", "bias"}, {"down"});
  *else_b.add_output() = value_info("down", onnx::TensorProto::FLOAT, {"2"});
  body.set_name("body");
  *body.add_input() = value_info("i", onnx::TensorProto::INT64, {});
  *body.add_input() = value_info("go", onnx::TensorProto::BOOL, {});
  *body.add_input() = value_info("v", onnx::TensorProto::FLOAT, {"2"});
  add_node(body, "Greater", {"i", "one"}, {"late"});
  auto* branch = add_node(body, "If", {"late"}, {"next"});
  add_graph(branch, "then_branch", then_b);
  add_graph(branch, "else_branch", else_b);
  *body.add_output() = value_info("go", onnx::TensorProto::BOOL, {});
  *body.add_output() = value_info("next", onnx::TensorProto::FLOAT, {"2"});
  add_graph(add_node(g, "Loop", {"n", "yes", "v0"}, {"v"}, "loop"), "body", body);
  *g.add_output() = value_info("v", onnx::TensorProto::FLOAT, {"2"});
  return model_of(g);
}

TEST(OnnxImport, ControlFlowNestsAndCapturesThroughBlocks) {
  const runtime::Session s(nested_control_flow(), ".");
  const Tensor v0 = full({2}, 5.0), bias = tensor({1.0f, 2.0f});
  const auto run = [&](int64_t n) {
    return s.run({{"n", full({}, n, DType::Int64)}, {"v0", v0}, {"bias", bias}})[0].second;
  };
  EXPECT_TRUE(same(run(0), v0));
  EXPECT_TRUE(same(run(2), tensor({3.0f, 1.0f})));  // two subtractions
  EXPECT_TRUE(same(run(4), v0));                    // and two additions
  expect_round_trip(nested_control_flow(),
                    {{"n", full({}, 3, DType::Int64)}, {"v0", v0}, {"bias", bias}});
  // A condition of more than one element is an error naming the node.
  onnx::ModelProto bad = if_on_data();
  bad.mutable_graph()->mutable_node(0)->mutable_attribute(0)->set_i(1);  // keepdims: s is [1]
  bad.mutable_graph()->mutable_node(0)->set_op_type("Abs");              // c is [3]
  bad.mutable_graph()->mutable_node(0)->clear_attribute();
  const runtime::Session t(bad, ".");
  EXPECT_EQ(error_of([&] {
              t.run({{"x", full({3}, 1.0)}, {"b", full({3}, 1.0)}});
            }),
            "run: node #2 \"if0\" (if -> %y): the condition has 3 elements, not one");
}

TEST(OnnxImport, InputsAreChecked) {
  const runtime::Session s(conv_relu(), ".");
  EXPECT_EQ(error_of([&] { s.run({}); }), "run: input 'x' is missing");
  EXPECT_EQ(error_of([&] {
              s.run({{"z", randn({1, 3, 8, 8})}});
            }),
            "run: the model has no input 'z' (its inputs: x)");
  EXPECT_EQ(error_of([&] {
              s.run({{"x", randn({1, 3, 8, 8}).to(DType::Float64)}});
            }),
            "run: input 'x' must be float32[N,3,8,8] but is float64[1,3,8,8] (dtype)");
  EXPECT_EQ(error_of([&] {
              s.run({{"x", randn({3, 8, 8})}});
            }),
            "run: input 'x' must be float32[N,3,8,8] but is float32[3,8,8] (rank)");
  EXPECT_EQ(error_of([&] {
              s.run({{"x", randn({1, 3, 8, 9})}});
            }),
            "run: input 'x' must be float32[N,3,8,8] but is float32[1,3,8,9] (dim 3)");
}

TEST(OnnxImport, UnsupportedOpsAreListed) {
  onnx::GraphProto g;
  *g.add_input() = value_info("x", onnx::TensorProto::FLOAT, {"2"});
  add_node(g, "NoSuchOp", {"x"}, {"a"});
  add_node(g, "Relu", {"a"}, {"b"});
  add_node(g, "NoSuchOp", {"b"}, {"c"});
  add_node(g, "Other", {"c"}, {"y"})->set_domain("com.example");
  *g.add_output() = value_info("y", onnx::TensorProto::FLOAT, {"2"});
  EXPECT_EQ(error_of([&] { import_model(model_of(g), "."); }),
            "onnx: tessera cannot run these ops of opset 13: NoSuchOp (2), com.example:Other (1)");
  const Model m = import_model(model_of(g), ".", /*allow_unsupported=*/true);
  EXPECT_EQ(m.summary.unsupported.at("NoSuchOp"), 2);
  EXPECT_EQ(m.summary.op_histogram.at("Relu"), 1);
}

TEST(OnnxImport, BadModelsGiveClearErrors) {
  EXPECT_EQ(error_of([] { parse_model("not a model"); }),
            "onnx: model is not a valid ONNX model (protobuf parsing failed)");
  // A node reading a value nobody defines.
  onnx::GraphProto g;
  *g.add_input() = value_info("x", onnx::TensorProto::FLOAT, {"2"});
  add_node(g, "Relu", {"ghost"}, {"y"}, "r");
  *g.add_output() = value_info("y", onnx::TensorProto::FLOAT, {"2"});
  EXPECT_EQ(
      error_of([&] { import_model(model_of(g), "."); }),
      "onnx: node \"r\" (Relu): input 'ghost' is not defined by an earlier node or the graph");
  // Required attributes and inputs.
  onnx::GraphProto h;
  *h.add_input() = value_info("x", onnx::TensorProto::FLOAT, {"2", "3"});
  add_node(h, "Concat", {"x", "x"}, {"y"}, "cat");
  *h.add_output() = value_info("y", onnx::TensorProto::FLOAT, {"4", "3"});
  EXPECT_EQ(error_of([&] { import_model(model_of(h), "."); }),
            "onnx: node \"cat\" (Concat): attribute 'axis' is required");
}

TEST(OnnxImport, TensorDataIsCheckedBeforeAllocation) {
  onnx::TensorProto t;
  t.set_data_type(onnx::TensorProto::FLOAT);
  t.add_dims(2);
  t.add_dims(3);
  t.set_raw_data(std::string(20, '\0'));
  EXPECT_EQ(error_of([&] { to_tensor(t, ".", "w"); }),
            "onnx: tensor 'w' has 20 bytes of data but its shape and type need 24");
  t.clear_raw_data();
  t.add_float_data(1.0f);
  EXPECT_EQ(error_of([&] { to_tensor(t, ".", "w"); }),
            "onnx: tensor 'w' has 1 values in float_data but its shape holds 6");
  t.clear_dims();
  for (int i = 0; i < 4; ++i) t.add_dims(int64_t{1} << 20);
  EXPECT_EQ(error_of([&] { to_tensor(t, ".", "w"); }),
            "onnx: tensor 'w' holds more than 2^34 elements");
  t.clear_dims();
  t.add_dims(-1);
  EXPECT_EQ(error_of([&] { to_tensor(t, ".", "w"); }), "onnx: tensor 'w' has a negative dim -1");
  t.clear_dims();
  t.set_data_type(onnx::TensorProto::STRING);
  EXPECT_EQ(error_of([&] { to_tensor(t, ".", "w"); }),
            "onnx: tensor 'w' has element type STRING, which tessera does not support");
}

TEST(OnnxImport, ExternalDataStaysInTheModelFolder) {
  const auto dir = std::filesystem::temp_directory_path() / "tessera_external_test";
  std::filesystem::create_directories(dir / "model");
  {
    std::ofstream(dir / "model" / "w.bin", std::ios::binary) << std::string(24, '\1');
    std::ofstream(dir / "secret.bin", std::ios::binary) << std::string(24, '\1');
  }
  onnx::TensorProto t;
  t.set_data_type(onnx::TensorProto::FLOAT);
  t.add_dims(6);
  t.set_data_location(onnx::TensorProto::EXTERNAL);
  auto set_location = [&](const std::string& where) {
    t.clear_external_data();
    auto* kv = t.add_external_data();
    kv->set_key("location");
    kv->set_value(where);
  };
  set_location("w.bin");
  EXPECT_EQ(to_tensor(t, dir / "model", "w").numel(), 6);
  set_location("../secret.bin");
  EXPECT_EQ(error_of([&] { to_tensor(t, dir / "model", "w"); }),
            "onnx: tensor 'w': external data path '../secret.bin' leaves the model's folder");
  set_location((dir / "secret.bin").string());
  EXPECT_NE(error_of([&] { to_tensor(t, dir / "model", "w"); }).find("is absolute"),
            std::string::npos);
  set_location("missing.bin");
  EXPECT_EQ(error_of([&] { to_tensor(t, dir / "model", "w"); }),
            "onnx: tensor 'w': cannot read external data file 'missing.bin'");
  std::filesystem::remove_all(dir);
}

// Truncated and corrupted copies of a real model, and random bytes: each ends in an Error
// (or, rarely, in a model that still loads), never in a crash or a hang.
TEST(OnnxImport, CorruptedModelsFailCleanly) {
  std::string bytes;
  conv_relu().SerializeToString(&bytes);
  std::mt19937 rng(7);
  int errors = 0;
  for (int trial = 0; trial < 300; ++trial) {
    std::string b = bytes;
    if (trial < 100) {
      b.resize(rng() % b.size());
    } else if (trial < 200) {
      for (int k = 0; k < 4; ++k) b[rng() % b.size()] = static_cast<char>(rng());
    } else {
      for (char& c : b) c = static_cast<char>(rng());
    }
    try {
      const runtime::Session s = runtime::Session::from_bytes(b);
      (void)s;
    } catch (const Error&) {
      ++errors;
    }
  }
  EXPECT_GT(errors, 150);
}

}  // namespace
}  // namespace tessera::onnx_frontend
