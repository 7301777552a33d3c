// Graph passes, text in and text out.
#include "passes/passes.h"

#include <gtest/gtest.h>

#include "core/factories.h"
#include "ir/text.h"
#include "ir/verify.h"
#include "support/error_of.h"

namespace tessera::passes {
namespace {

using tessera::testing::error_of;

// Parses `in` (constants @w from table), runs pass, verifies, and returns the text.
template <typename Pass>
std::string run_pass(const std::string& in, Pass pass, int* count = nullptr) {
  manual_seed(0);
  const ir::ConstantTable table{{"w", randn({8, 4, 1, 1})}, {"w3", randn({4, 1, 3, 3})}};
  auto g = ir::parse(in, table);
  const int n = pass(*g);
  if (count) *count = n;
  ir::verify(*g);
  return ir::print(*g);
}

TEST(DeadCode, RemovesUnusedNodesAndConstants) {
  int removed = 0;
  const std::string out = run_pass(R"(graph g(%x: float32[4]) -> (%y) {
  const %unused: float32[2] = [1.0, 2.0]
  const %two: float32[] = [2.0]
  %a = neg(%x)
  %b = exp(%a)
  %y = mul.Tensor(%x, %two)
  %c, %d = max.dim(%x, 0)
}
)",
                                   eliminate_dead_code, &removed);
  EXPECT_EQ(removed, 3);
  EXPECT_EQ(out, R"(graph g(%x: float32[4]) -> (%y) {
  const %two: float32[] = [2]
  %y = mul.Tensor(%x, %two)
}
)");
}

TEST(DeadCode, KeepsGraphOutputsAndWhatTheyRead) {
  const std::string in = R"(graph g(%x: float32[4]) -> (%a, %x) {
  %a = neg(%x)
}
)";
  EXPECT_EQ(run_pass(in, eliminate_dead_code), in);
}

TEST(CommonSubexpressions, MergesNodesComputingTheSame) {
  int removed = 0;
  const std::string out = run_pass(R"(graph g(%x: float32[4], %y: float32[4]) -> (%s, %t, %u) {
  %a = add.Tensor(%x, %y)
  %b = add.Tensor(%x, %y)
  %c = add.Tensor(%x, %y, alpha=2)
  %d = add.Tensor(%y, %x)
  %s = mul.Tensor(%a, %b)
  %t = mul.Tensor(%c, %d)
  %u = mul.Tensor(%b, %a)
}
)",
                                   eliminate_common_subexpressions, &removed);
  EXPECT_EQ(removed, 2);
  EXPECT_EQ(out, R"(graph g(%x: float32[4], %y: float32[4]) -> (%s, %t, %s) {
  %a = add.Tensor(%x, %y)
  %c = add.Tensor(%x, %y, alpha=2)
  %d = add.Tensor(%y, %x)
  %s = mul.Tensor(%a, %a)
  %t = mul.Tensor(%c, %d)
}
)");
}

TEST(FuseConvActivation, FusesReluClampHardtanhLeakyRelu) {
  int fused = 0;
  const std::string out = run_pass(R"(graph g(%x: float32[1,4,8,8]) -> (%r, %c, %h, %l) {
  const %w: float32[8,4,1,1] = @w
  const %w3: float32[4,1,3,3] = @w3
  %c1 = convolution(%x, %w, None, [1, 1], [0, 0], [1, 1], False, [0, 0], 1) loc("conv1")
  %r = relu(%c1)
  %c2 = convolution(%x, %w3, None, [1, 1], [1, 1], [1, 1], False, [0, 0], 4)
  %c: float32[1,4,8,8] = clamp(%c2, 0, 6.0)
  %c3 = convolution(%x, %w, None, [1, 1], [0, 0], [1, 1], False, [0, 0], 1)
  %h = hardtanh(%c3)
  %c4 = convolution(%x, %w, None, [1, 1], [0, 0], [1, 1], False, [0, 0], 1)
  %l = leaky_relu(%c4, 0.25)
}
)",
                                   fuse_conv_activation, &fused);
  EXPECT_EQ(fused, 4);
  EXPECT_EQ(out, R"(graph g(%x: float32[1,4,8,8]) -> (%r, %c, %h, %l) {
  const %w: float32[8,4,1,1] = @w
  const %w3: float32[4,1,3,3] = @w3
  %r = convolution_activation(%x, %w, None, [1, 1], [0, 0], [1, 1], 1, "relu", []) loc("conv1")
  %c: float32[1,4,8,8] = convolution_activation(%x, %w3, None, [1, 1], [1, 1], [1, 1], 4, "clamp", [0.0, 6.0])
  %h = convolution_activation(%x, %w, None, [1, 1], [0, 0], [1, 1], 1, "clamp", [-1.0, 1.0])
  %l = convolution_activation(%x, %w, None, [1, 1], [0, 0], [1, 1], 1, "leaky_relu", [0.25])
}
)");
}

TEST(FuseConvActivation, LeavesWhatItCannotFuse) {
  // The convolution's output is used twice, is a graph output, or feeds a clamp whose
  // bound is a value; transposed convolutions stay.
  const std::string in = R"(graph g(%x: float32[1,4,8,8], %hi: float32[]) -> (%a, %b, %c1, %d, %e) {
  const %w: float32[8,4,1,1] = @w
  %c0 = convolution(%x, %w, None, [1, 1], [0, 0], [1, 1], False, [0, 0], 1)
  %a = relu(%c0)
  %b = neg(%c0)
  %c1 = convolution(%x, %w, None, [1, 1], [0, 0], [1, 1], False, [0, 0], 1)
  %r1 = relu(%c1)
  %c2 = convolution(%x, %w, None, [1, 1], [0, 0], [1, 1], False, [0, 0], 1)
  %d = clamp(%c2, 0, %hi)
  %c3 = convolution(%x, %w, None, [1, 1], [0, 0], [1, 1], True, [0, 0], 1)
  %e = relu(%c3)
}
)";
  EXPECT_EQ(run_pass(in, fuse_conv_activation), in);
}

TEST(InferTypes, SymbolicBatchThroughACnn) {
  int refined = 0;
  const std::string out = run_pass(R"(graph g(%x: float32[N,4,9,9]) -> (%y, %z) {
  const %w: float32[8,4,1,1] = @w
  %c = convolution(%x, %w, None, [2, 2], [1, 1], [1, 1], False, [0, 0], 1)
  %r = relu(%c)
  %p, %i = max_pool(%r, [2, 2], [2, 2])
  %f = flatten.using_ints(%p, 1)
  %m = mean(%r, [2, 3], True)
  %s = reshape(%f, [-1, 2, 8])
  %y = softmax.int(%s, -1)
  %z = transpose.int(%m, 0, 1)
}
)",
                                   infer_types, &refined);
  EXPECT_EQ(refined, 8);
  EXPECT_EQ(out, R"(graph g(%x: float32[N,4,9,9]) -> (%y, %z) {
  const %w: float32[8,4,1,1] = @w
  %c: float32[N,8,6,6] = convolution(%x, %w, None, [2, 2], [1, 1], [1, 1], False, [0, 0], 1)
  %r: float32[N,8,6,6] = relu(%c)
  %p: float32[N,8,3,3], %i: int64[N,8,3,3] = max_pool(%r, [2, 2], [2, 2])
  %f: float32[N,72] = flatten.using_ints(%p, 1)
  %m: float32[N,8,1,1] = mean(%r, [2, 3], True)
  %s: float32[?,2,8] = reshape(%f, [-1, 2, 8])
  %y: float32[?,2,8] = softmax.int(%s, -1)
  %z: float32[8,N,1,1] = transpose.int(%m, 0, 1)
}
)");
}

TEST(InferTypes, BroadcastsAndPromotesAsTheOpsDo) {
  // dtypes come from the ops themselves: int32 with float32 is float32, a 0-d float64 does
  // not widen float32, comparisons give bool, a sum of bools is int64.
  const std::string out =
      run_pass(R"(graph g(%a: int32[N,1,4], %b: float32[3,1], %c: float64[]) -> (%d, %e, %f, %g) {
  %d = add.Tensor(%a, %b)
  %e = mul.Tensor(%b, %c)
  %f = lt.Tensor(%a, %b)
  %g = sum(%f, [0])
}
)",
               infer_types);
  EXPECT_EQ(out, R"(graph g(%a: int32[N,1,4], %b: float32[3,1], %c: float64[]) -> (%d, %e, %f, %g) {
  %d: float32[N,3,4] = add.Tensor(%a, %b)
  %e: float32[3,1] = mul.Tensor(%b, %c)
  %f: bool[N,3,4] = lt.Tensor(%a, %b)
  %g: int64[3,4] = sum(%f, [0])
}
)");
}

TEST(InferTypes, ProbesOpsWithoutARule) {
  // linalg_det has no rule: it is called on zeros, B given two sizes to follow it.
  const std::string out = run_pass(R"(graph g(%x: float64[B,3,3], %y: float32[2,5]) -> (%d, %u) {
  %d = linalg_det(%x)
  %u = gather_nd(%y, %y)
}
)",
                                   infer_types);
  EXPECT_EQ(out, R"(graph g(%x: float64[B,3,3], %y: float32[2,5]) -> (%d, %u) {
  %d: float64[B] = linalg_det(%x)
  %u = gather_nd(%y, %y)
}
)");
}

TEST(InferTypes, RefinesDeclaredTypesAndNamesContradictions) {
  // A declared symbol becomes the size inference knows; data-dependent sizes stay unknown.
  const std::string out = run_pass(R"(graph g(%x: float32[2,3]) -> (%y, %n) {
  %y: float32[N,M] = neg(%x)
  %n = nonzero(%x)
}
)",
                                   infer_types);
  EXPECT_EQ(out, R"(graph g(%x: float32[2,3]) -> (%y, %n) {
  %y: float32[2,3] = neg(%x)
  %n: int64[?,2] = nonzero(%x)
}
)");
  const auto infer = [](const std::string& text) {
    const auto g = ir::parse(text, {});
    infer_types(*g);
  };
  EXPECT_EQ(
      error_of([&] {
        infer(R"(graph g(%x: float32[3], %y: float32[4]) -> (%z) {
  %z = add.Tensor(%x, %y) loc("Add_7")
}
)");
      }),
      R"(type inference: node #0 "Add_7" (add.Tensor -> %z): sizes 3 and 4 do not broadcast)");
  EXPECT_EQ(error_of([&] {
              infer(R"(graph g(%x: float32[3]) -> (%z) {
  %z: int64[3] = neg(%x)
}
)");
            }),
            "type inference: node #0 (neg -> %z): %z is declared int64[3] but computed float32[3]");
}

TEST(Pipeline, LevelsByName) {
  EXPECT_EQ(parse_level("all"), Level::All);
  EXPECT_EQ(parse_level("none"), Level::None);
  EXPECT_EQ(error_of([] { parse_level("max"); }),
            "optimize: level must be none, basic or all, not 'max'");
}

}  // namespace
}  // namespace tessera::passes
