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

TEST(Pipeline, LevelsByName) {
  EXPECT_EQ(parse_level("all"), Level::All);
  EXPECT_EQ(parse_level("none"), Level::None);
  EXPECT_EQ(error_of([] { parse_level("max"); }),
            "optimize: level must be none, basic or all, not 'max'");
}

}  // namespace
}  // namespace tessera::passes
