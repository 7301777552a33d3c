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

// import -> optimise -> export -> import: the exported model passes the onnx checker and
// computes what the original does.
TEST(OnnxImport, ExportRoundTrips) {
  Model m = import_model(conv_relu(), ".");
  passes::optimize(*m.graph, passes::Level::All);
  const onnx::ModelProto out = export_model(*m.graph, m.input_names, m.output_names);
  EXPECT_NO_THROW(onnx::checker::check_model(out));
  std::string bytes;
  ASSERT_TRUE(out.SerializeToString(&bytes));
  const runtime::Session a(conv_relu(), "."), b = runtime::Session::from_bytes(bytes);
  manual_seed(5);
  const Tensor x = randn({2, 3, 8, 8});
  EXPECT_TRUE(all(a.run({{"x", x}})[0].second.eq(b.run({{"x", x}})[0].second)).item<bool>());
  EXPECT_EQ(b.outputs()[0].name, "y");
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
