// The graph IR: building nodes over op schemas, uses, rewriting, and the verifier.
#include "ir/graph.h"

#include <gtest/gtest.h>

#include "core/factories.h"
#include "ir/text.h"
#include "ir/verify.h"
#include "support/error_of.h"

namespace tessera::ir {
namespace {

using tessera::testing::error_of;

TensorType f32(std::vector<Dim> dims) {
  return TensorType{DType::Float32, std::move(dims)};
}

TEST(IrGraph, NodesBindSchemasAsPythonCallsDo) {
  Graph g;
  Value* x = g.add_input("x", f32({Dim::sym("N"), Dim::of(4)}));
  Value* y = g.add_input("y", f32({Dim::of(4)}));
  Node* add = g.create("add.Tensor", {x, y}, {{"alpha", IValue(2)}});
  EXPECT_EQ(add->inputs(), (std::vector<Value*>{x, y}));
  ASSERT_NE(add->literal("alpha"), nullptr);
  EXPECT_EQ(add->literal("alpha")->to_int(), 2);
  EXPECT_EQ(add->literal("self"), nullptr);
  // A single int for a fixed-size int list stands for all of it, as in eager calls.
  Node* sum = g.create("sum", {add->output()}, {{"dim", IValue(1)}});
  EXPECT_EQ(sum->literal("dim")->to_int_list(), std::vector<int64_t>{1});
  Node* cat = g.create("cat", {std::vector<Value*>{x, add->output()}}, {{"dim", IValue(0)}});
  EXPECT_EQ(cat->inputs().size(), 2u);
  EXPECT_EQ(cat->arg(0)->kind, Arg::Kind::ValueList);
  Node* split = g.create("split.Tensor", {cat->output(), IValue(2)}, {}, 3);
  EXPECT_EQ(split->outputs().size(), 3u);
  g.add_output(split->output(2));
  EXPECT_NO_THROW(verify(g));
  EXPECT_EQ(x->uses(), (std::vector<Use>{{add, 0}, {cat, 0}}));
}

TEST(IrGraph, BindingErrorsNameTheOpAndTheArgument) {
  Graph g;
  Value* x = g.add_input("x", f32({Dim::of(2)}));
  EXPECT_EQ(error_of([&] { g.create("add.Tensor", {x}); }), "add.Tensor: missing argument 'other'");
  EXPECT_EQ(error_of([&] {
              g.create("add.Tensor", {x, x, IValue(1)});
            }),
            "add.Tensor: takes 2 positional arguments but 3 were given");
  EXPECT_EQ(error_of([&] {
              g.create("add.Tensor", {x, x}, {{"other", x}});
            }),
            "add.Tensor: got multiple values for argument 'other'");
  EXPECT_EQ(error_of([&] { g.create("neg", {IValue(1.5)}); }),
            "neg: argument 'self' (Tensor) takes a value, not a literal");
  EXPECT_EQ(error_of([&] {
              g.create("gelu", {x}, {{"approximate", IValue(1)}});
            }),
            "gelu: argument 'approximate' (str) does not take the literal int");
  EXPECT_EQ(error_of([&] {
              g.create("split.Tensor", {x, IValue(1)});
            }),
            "split.Tensor: returns Tensor[], so the node needs its output count");
  EXPECT_EQ(error_of([&] { g.create("neg", {x}, {}, -1, {"x"}); }),
            "neg: the name %x is defined twice");
  EXPECT_EQ(error_of([&] { g.create("nosuch", {x}); }).substr(0, 21), "no op named 'nosuch' ");
  EXPECT_EQ(g.num_nodes(), 0u);  // failed creations leave the graph as it was
  EXPECT_TRUE(x->uses().empty());
}

TEST(IrGraph, NonTensorArgumentsMayBeReadFromValues) {
  Graph g;
  Value* x = g.add_input("x", f32({Dim::of(2), Dim::of(3)}));
  Value* shape = g.add_input("shape", TensorType{DType::Int64, std::vector<Dim>{Dim::of(1)}});
  Node* r = g.create("reshape", {x, shape});
  EXPECT_EQ(r->arg(1)->kind, Arg::Kind::Value);
  g.add_output(r->output());
  EXPECT_NO_THROW(verify(g));
  // A float tensor cannot give an int[]; the verifier reads the types as they are now.
  shape->set_type(TensorType{DType::Float32, std::vector<Dim>{Dim::of(1)}});
  EXPECT_EQ(error_of([&] { verify(g); }),
            "verify: node #0 (reshape -> %2): argument 'shape' (int[]) cannot be read from a "
            "float32 tensor");
  shape->set_type(TensorType{DType::Int64, std::vector<Dim>{}});
  EXPECT_EQ(error_of([&] { verify(g); }),
            "verify: node #0 (reshape -> %2): argument 'shape' (int[]) is read from a 1-d "
            "tensor, not a 0-d one");
  Value* eq = g.add_input("eq", TensorType{DType::Int64, std::vector<Dim>{}});
  EXPECT_EQ(error_of([&] {
              g.create("einsum", {eq, std::vector<Value*>{x}});
            }),
            "einsum: argument 'equation' (str) cannot be read from a tensor value");
}

TEST(IrGraph, RewritesKeepUsesConsistent) {
  Graph g;
  Value* x = g.add_input("x", f32({Dim::of(4)}));
  Node* a = g.create("neg", {x}, {}, -1, {"a"});
  Node* b = g.create("relu", {a->output()}, {}, -1, {"b"});
  Node* c = g.create("mul.Tensor", {b->output(), a->output()}, {}, -1, {"c"});
  g.add_output(c->output());
  // Insert abs(x) before b and make everything that used a use it.
  g.set_insertion_point(b);
  Node* abs = g.create("abs", {x}, {}, -1, {"abs"});
  g.set_insertion_point(nullptr);
  a->output()->replace_all_uses_with(abs->output());
  EXPECT_TRUE(a->output()->uses().empty());
  EXPECT_EQ(abs->output()->uses(), (std::vector<Use>{{b, 0}, {c, 1}}));
  g.erase(a);
  EXPECT_EQ(g.find("a"), nullptr);
  EXPECT_NO_THROW(verify(g));
  EXPECT_EQ(print(g),
            "graph main(%x: float32[4]) -> (%c) {\n"
            "  %abs = abs(%x)\n"
            "  %b = relu(%abs)\n"
            "  %c = mul.Tensor(%b, %abs)\n"
            "}\n");
  // The graph's outputs are uses too.
  c->output()->replace_all_uses_with(b->output());
  EXPECT_EQ(g.outputs()[0], b->output());
  g.erase(c);
  EXPECT_EQ(g.fresh_name("b"), "b.1");
  EXPECT_EQ(g.fresh_name("d"), "d");
}

TEST(IrGraph, VerifierNamesTheNode) {
  Graph g;
  Value* x = g.add_input("x", f32({Dim::of(4)}));
  Node* a = g.create("neg", {x}, {}, -1, {"a"});
  a->set_name("Neg_7");
  Node* b = g.create("relu", {a->output()}, {}, -1, {"b"});
  g.add_output(b->output());
  // A node placed before the definition of its input.
  g.set_insertion_point(a);
  g.create("abs", {b->output()}, {}, -1, {"early"});
  EXPECT_EQ(error_of([&] { verify(g); }),
            "verify: node #0 (abs -> %early): input %b is used before it is defined");

  Graph h;
  Value* c = h.add_constant("c", zeros({2}));
  c->set_type(f32({Dim::of(3)}));
  EXPECT_EQ(error_of([&] { verify(h); }),
            "verify: constant %c is typed float32[3] but its data is float32[2]");
  EXPECT_EQ(a->describe(), "node #1 \"Neg_7\" (neg -> %a)");
}

// Blocks are closed graphs: their inputs bind the node's inputs, their outputs its outputs,
// and the verifier checks both, naming the node.
TEST(IrGraph, ControlFlowBlocksAreCheckedAgainstTheirNode) {
  const auto branch = [](const char* name, TensorType in) {
    auto b = std::make_unique<Graph>(name);
    Value* x = b->add_input("x", std::move(in));
    b->add_output(b->create("neg", {x})->output());
    return b;
  };
  Graph g;
  Value* c = g.add_input("c", TensorType{DType::Bool, std::vector<Dim>{}});
  Value* x = g.add_input("x", f32({Dim::of(4)}));
  EXPECT_EQ(error_of([&] {
              g.create_if(c, {x, x}, branch("then", f32({Dim::of(4)})),
                          branch("else", f32({Dim::of(4)})));
            }),
            "if: branch 'then' takes 1 inputs but the node captures 2 values");
  EXPECT_EQ(g.num_nodes(), 0u);
  Node* n = g.create_if(c, {x}, branch("then", f32({Dim::of(4)})),
                        branch("else", f32({Dim::of(5)})), {"y"});
  g.add_output(n->output());
  EXPECT_EQ(n->op_name(), "if");
  EXPECT_EQ(n->describe(), "node #0 (if -> %y)");
  EXPECT_EQ(error_of([&] { verify(g); }),
            "verify: node #0 (if -> %y): block 'else' takes %x: float32[5] but is given %x: "
            "float32[4]");
  // A block's own errors name its node.
  Graph h;
  Value* n_trips = h.add_input("n", TensorType{DType::Int64, std::vector<Dim>{}});
  Value* v = h.add_input("v", f32({Dim::of(4)}));
  auto body = std::make_unique<Graph>("body");
  body->add_input("i", TensorType{DType::Int64, std::vector<Dim>{}});
  Value* go = body->add_input("go", TensorType{DType::Bool, std::vector<Dim>{}});
  Value* acc = body->add_input("acc", f32({Dim::of(4)}));
  Node* early = body->create("neg", {acc}, {}, -1, {"early"});
  body->add_output(go);
  body->add_output(body->create("exp", {early->output()})->output());
  Node* loop =
      h.create_loop(n_trips, h.add_input("go", TensorType{}), {v}, {}, std::move(body), {"out"});
  h.add_output(loop->output());
  verify(h);
  EXPECT_EQ(loop->num_carried(), 1);
  loop->block(0).set_insertion_point(early);
  loop->block(0).create("abs", {early->output()}, {}, -1, {"bad"});
  EXPECT_EQ(error_of([&] { verify(h); }),
            "verify: node #0 (abs -> %bad): input %early is used before it is defined");
}

TEST(IrGraph, SetLiteralChecksTheSchema) {
  Graph g;
  Value* x = g.add_input("x", f32({Dim::of(4)}));
  Node* l = g.create("leaky_relu", {x});
  l->set_literal("negative_slope", IValue(0.25));
  EXPECT_EQ(l->literal("negative_slope")->to_double(), 0.25);
  EXPECT_EQ(error_of([&] { l->set_literal("negative_slope", IValue("a")); }),
            "leaky_relu: argument 'negative_slope' (Scalar) does not take the literal str");
  EXPECT_EQ(error_of([&] { l->set_literal("slope", IValue(1)); }),
            "leaky_relu: has no argument 'slope'");
}

}  // namespace
}  // namespace tessera::ir
