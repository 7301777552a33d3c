// The IR's text form: round trips (text in, the same text out) and parse errors.
#include "ir/text.h"

#include <gtest/gtest.h>

#include "core/factories.h"
#include "support/error_of.h"

namespace tessera::ir {
namespace {

using tessera::testing::error_of;

// Parses text and prints it back; the text must come out unchanged.
void expect_round_trip(const std::string& text, const ConstantTable& constants = {}) {
  const auto g = parse(text, constants);
  EXPECT_EQ(print(*g), text);
}

TEST(IrText, RoundTripsACnnBlock) {
  const std::string text = R"(graph main(%x: float32[N,3,8,8]) -> (%y, %"out/1") {
  const %w: float32[4,3,3,3] = @w
  const %b: float32[4] = [0.5, -1, 1e-07, 3.25]
  const %shape: int64[2] = [-1, 256]
  %c: float32[N,4,8,8] = convolution(%x, %w, %b, [1, 1], [1, 1], [1, 1], False, [0, 0], 1) loc("Conv_0")
  %r = relu(%c)
  %y: float32[?,256] = reshape(%r, %shape)
  %"out/1" = gelu(%y, approximate="tanh") loc("the \"gelu\"")
}
)";
  expect_round_trip(text, {{"w", randn({4, 3, 3, 3})}});
}

TEST(IrText, RoundTripsListsLiteralsAndVariadicOutputs) {
  const std::string text =
      R"(graph g(%a: float16[2,6], %b: ?, %n: int64[4], %u: bfloat16) -> (%p0, %m, %i) {
  %cat: ?[?,6] = cat([%a, %b])
  %p0, %p1, %p2 = split.Tensor(%cat, 2)
  %m, %i = max.dim(%p1, 1, True)
  %s = sum(%p2, [0, 1], dtype=float64)
  %l = leaky_relu(%s, 0.2)
  %k = clamp(%l, max=inf)
  %q = clamp(%k, complex(1.0, -2.5))
  %t = cast(%q, int32)
  %h = softmax.int(%a, 1, None)
  %z = pad(%a, %n, "reflect")
}
)";
  expect_round_trip(text);
}

TEST(IrText, RoundTripsControlFlowWithItsBlocks) {
  const std::string text = R"(graph main(%c: bool[], %x: float32[2], %n: int64[]) -> (%y, %v, %s) {
  const %t: bool[] = [True]
  %y: float32[2] = if(%c, %x) loc("If_0") {
    graph then(%x.1: float32[2]) -> (%r) {
      %r: float32[2] = neg(%x.1)
    }
    graph else(%x.2: float32[2]) -> (%x.2) {
    }
  }
  %v: float32[2], %s: float32[?,2] = loop(%n, %t, %x, %y, carried=1) {
    graph body(%i: int64[], %go: bool[], %acc: float32[2], %w: float32[2]) -> (%go, %next, %acc) {
      %next: float32[2] = add.Tensor(%acc, %w)
    }
  }
}
)";
  expect_round_trip(text);
  const auto g = parse(text);
  const Node* loop = g->nodes()[1];
  EXPECT_EQ(loop->kind(), NodeKind::Loop);
  EXPECT_EQ(loop->num_carried(), 1);
  EXPECT_EQ(loop->inputs().size(), 4u);
  EXPECT_EQ(loop->block(0).inputs().size(), 4u);
  EXPECT_EQ(g->nodes()[0]->block(1).outputs()[0], g->nodes()[0]->block(1).inputs()[0]);
}

TEST(IrText, InlineConstantsKeepTheirValues) {
  const std::string text = R"(graph c() -> (%f, %h, %t) {
  const %f: float32[3] = [0.1, -inf, nan]
  const %h: float16[2] = [0.099975586, 65504]
  const %t: bool[2,1] = [True, False]
}
)";
  const auto g = parse(text);
  EXPECT_EQ(print(*g), text);
  const Tensor f = g->find("f")->constant();
  EXPECT_EQ(f.dtype(), DType::Float32);
  EXPECT_EQ(f.select(0, 0).item<float>(), 0.1f);
  const Tensor h = g->find("h")->constant();
  EXPECT_EQ(h.dtype(), DType::Float16);
  EXPECT_EQ(g->find("t")->constant().sizes()[0], 2);
}

TEST(IrText, LargeConstantsArePrintedByNameAndTabled) {
  Graph g;
  Value* x = g.add_input("x", TensorType{DType::Float32, std::vector<Dim>{Dim::of(20)}});
  Value* w = g.add_constant("w", arange(20, DType::Float32));
  g.add_output(g.create("add.Tensor", {x, w})->output());
  const std::string text = print(g);
  EXPECT_NE(text.find("const %w: float32[20] = @w"), std::string::npos) << text;
  const ConstantTable table = referenced_constants(g);
  ASSERT_EQ(table.size(), 1u);
  EXPECT_TRUE(table.at("w").is_same(w->constant()));
  EXPECT_EQ(print(*parse(text, table)), text);
}

TEST(IrText, CommentsAndSpacingAreIgnored) {
  const auto g = parse(R"(
    # a comment
    graph   g ( %x : float32 [ 2 ] )->( %y ){   # another
      %y=neg( %x )
    }
  )");
  EXPECT_EQ(print(*g), "graph g(%x: float32[2]) -> (%y) {\n  %y = neg(%x)\n}\n");
}

struct BadText {
  const char* text;
  const char* error;
};

class IrTextErrors : public ::testing::TestWithParam<BadText> {};

TEST_P(IrTextErrors, NameTheLineAndTheProblem) {
  EXPECT_EQ(error_of([&] { parse(GetParam().text); }), GetParam().error);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, IrTextErrors,
    ::testing::Values(
        BadText{"graf g() -> () {}",
                "ir text: line 1, column 1: expected 'graph' (at 'graf g() -> ')"},
        BadText{"graph g(%x: float32[2]) -> (%y) {\n  %y = nosuch(%x)\n}",
                "ir text: line 2, column 8: unknown op 'nosuch' (at 'nosuch(%x)')"},
        BadText{"graph g(%x: float32[2]) -> (%y) {\n  %y = neg(%z)\n}",
                "ir text: line 2, column 12: value %z is used before it is defined (at '%z)')"},
        BadText{"graph g(%x: float32[2]) -> (%y) {\n  %x = neg(%x)\n}",
                "ir text: line 2, column 8: neg: the name %x is defined twice (at 'neg(%x)')"},
        BadText{"graph g(%x: float32[2]) -> (%q) {\n  %y = neg(%x)\n}",
                "ir text: line 1, column 29: graph output %q is not defined (at '%q) {')"},
        BadText{"graph g(%x: floaty[2]) -> () {}",
                "ir text: line 1, column 13: unknown dtype 'floaty' (at 'floaty[2]) -')"},
        BadText{"graph g(%x: float32[2]) -> (%y) {\n  %y = neg(%x, 2)\n}",
                "ir text: line 2, column 16: neg takes no more positional arguments (at '2)')"},
        BadText{"graph g(%x: float32[2]) -> (%y) {\n  %y = add.Tensor(%x, %x, beta=2)\n}",
                "ir text: line 2, column 27: add.Tensor has no argument 'beta' (at "
                "'beta=2)')"},
        BadText{"graph g(%x: float32[2]) -> (%y) {\n  %y = add.Tensor(%x)\n}",
                "ir text: line 2, column 8: add.Tensor: missing argument 'other' (at "
                "'add.Tensor(%')"},
        BadText{"graph g(%x: float32[2]) -> (%y) {\n  %y = add.Tensor(%x, 2)\n}",
                "ir text: line 2, column 8: add.Tensor: argument 'other' (Tensor) takes a "
                "value, not a literal (at 'add.Tensor(%')"},
        BadText{"graph g(%x: float32[2]) -> (%y) {\n  %y = gelu(%x, approximate=3)\n}",
                "ir text: line 2, column 29: expected a string in double quotes (at '3)')"},
        BadText{"graph g(%x: float32[2]) -> (%a, %b) {\n  %a, %b = neg(%x)\n}",
                "ir text: line 2, column 12: neg: returns 1 tensors but the node has 2 "
                "outputs (at 'neg(%x)')"},
        BadText{"graph g(%c: bool[]) -> (%y) {\n  %y = if(%c) {\n    graph then() -> (%c) {\n"
                "    }\n  }\n}",
                "ir text: line 3, column 22: graph output %c is not defined (at '%c) {')"},
        BadText{"graph g(%c: bool[]) -> (%y) {\n  %y = if(%c) {\n  }\n}",
                "ir text: line 2, column 8: an if takes a condition and two blocks (then, else) "
                "(at 'if(%c) {')"},
        BadText{"graph g(%c: bool[]) -> (%y) {\n  %y = loop(%c, %c, %c) {\n  }\n}",
                "ir text: line 2, column 8: a loop takes a trip count, a condition, carried=k "
                "values and one block (at 'loop(%c, %c,')"},
        BadText{"graph g() -> () {\n  const %c: int64[2] = [1]\n}",
                "ir text: line 2, column 13: int64[2] holds 2 elements but 1 are given (at "
                "'int64[2] = [')"},
        BadText{"graph g() -> () {\n  const %c: int64[1] = [1.5]\n}",
                "ir text: line 2, column 13: a constant of type int64[1] holds integers only "
                "(at 'int64[1] = [')"},
        BadText{"graph g() -> () {\n  const %c: float32[40] = @c\n}",
                "ir text: line 2, column 28: no data given for constant @c (at 'c')"},
        BadText{"graph g() -> () {\n  const %c: float32[N] = [1]\n}",
                "ir text: line 2, column 13: an inline constant needs a dtype and static shape "
                "(at 'float32[N] =')"},
        BadText{"graph g(%x: float32[2]) -> (%y) {\n  %y = neg(%x)\n} extra",
                "ir text: line 3, column 3: expected the end of the text after the graph's '}' "
                "(at 'extra')"},
        BadText{"graph g(%x: float32[2]) -> (%y) {\n  %y = gelu(%x, approximate=\"tan",
                "ir text: line 2, column 33: unterminated string (at the end of the text)"}));

}  // namespace
}  // namespace tessera::ir
