// Graph passes, text in and text out.
#include "passes/passes.h"

#include <gtest/gtest.h>

#include <map>

#include "core/factories.h"
#include "ir/text.h"
#include "ir/verify.h"
#include "support/error_of.h"
#include "support/torch_cases.h"

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

// Runs g on inputs, node by node, as a session would; returns the graph's outputs.
std::vector<Tensor> evaluate(const ir::Graph& g, const std::vector<Tensor>& inputs) {
  std::unordered_map<const ir::Value*, Tensor> env;
  for (size_t i = 0; i < inputs.size(); ++i) env[g.inputs()[i]] = inputs[i];
  for (const ir::Value* c : g.constants()) env[c] = c->constant();
  for (const ir::Node* n : g.nodes()) {
    Stack stack = ir::node_arguments(*n, [&](const ir::Value* v) { return env.at(v); });
    n->op().call_boxed(stack);
    const std::vector<Tensor> results = ir::node_results(*n, stack);
    for (size_t k = 0; k < results.size(); ++k) env[n->output(static_cast<int>(k))] = results[k];
  }
  std::vector<Tensor> out;
  for (const ir::Value* v : g.outputs()) out.push_back(env.at(v));
  return out;
}

// Parses text with the given constants, runs pass, and checks that the graph computes what
// it computed before on inputs; returns the new text.
template <typename Pass>
std::string same_results(const std::string& text, const ir::ConstantTable& table,
                         const std::vector<Tensor>& inputs, Pass pass, int expected_count) {
  auto g = ir::parse(text, table);
  const auto before = evaluate(*g, inputs);
  EXPECT_EQ(pass(*g), expected_count);
  ir::verify(*g);
  const auto after = evaluate(*g, inputs);
  EXPECT_EQ(before.size(), after.size());
  for (size_t i = 0; i < before.size(); ++i) {
    EXPECT_EQ(testing::compare_tensors(after[i], before[i]), "") << "output " << i;
  }
  return ir::print(*g);
}

TEST(FoldConstants, RunsNodesOfConstantsOnce) {
  const std::string out = run_pass(R"(graph g(%x: float32[2]) -> (%y) {
  const %a: float32[2] = [1.0, 2.0]
  const %b: float32[2] = [3.0, 4.0]
  %s = add.Tensor(%a, %b)
  %y = mul.Tensor(%x, %s)
}
)",
                                   fold_constants);
  EXPECT_EQ(out, R"(graph g(%x: float32[2]) -> (%y) {
  const %a: float32[2] = [1, 2]
  const %b: float32[2] = [3, 4]
  const %s: float32[2] = [4, 6]
  %y = mul.Tensor(%x, %s)
}
)");
}

TEST(EliminateIdentities, RemovesWhatPassesItsInputThrough) {
  int removed = 0;
  const std::string out = run_pass(R"(graph g(%x: float32[2,3]) -> (%y, %z) {
  %a = clone(%x)
  %b = dropout(%a, 0.5, False)
  %c = cast(%b, float32)
  %d = permute(%c, [0, 1])
  %e = reshape(%d, [2, 3])
  %f = slice.Tensor(%e, 1, 0, 9223372036854775807, 1)
  %y = neg(%f)
  %g = cast(%y, float64)
  %z = reshape(%g, [3, 2])
}
)",
                                   [](ir::Graph& g) {
                                     infer_types(g);
                                     return eliminate_identities(g);
                                   },
                                   &removed);
  EXPECT_EQ(removed, 6);
  EXPECT_EQ(out, R"(graph g(%x: float32[2,3]) -> (%y, %z) {
  %y: float32[2,3] = neg(%x)
  %g: float64[2,3] = cast(%y, float64)
  %z: float64[3,2] = reshape(%g, [3, 2])
}
)");
  // An output computed from an input stays computed.
  const std::string kept = R"(graph g(%x: float32[2,3]) -> (%y) {
  %y: float32[2,3] = clone(%x)
}
)";
  EXPECT_EQ(run_pass(kept, eliminate_identities), kept);
}

TEST(CancelTransposes, MergesPermutesReshapesAndSqueezes) {
  int rewritten = 0;
  const std::string out = run_pass(R"(graph g(%x: float32[2,3,4]) -> (%a, %b, %c, %d) {
  %p = permute(%x, [0, 2, 1])
  %q = permute(%p, [0, 2, 1])
  %a = neg(%q)
  %t = transpose.int(%x, 0, 1)
  %b = permute(%t, [2, 0, 1])
  %f = flatten.using_ints(%x, 1)
  %c = reshape(%f, [4, 6])
  %u = unsqueeze(%x, -1)
  %s = squeeze.dim(%u, 3)
  %d = neg(%s)
}
)",
                                   [](ir::Graph& g) {
                                     infer_types(g);
                                     const int n = cancel_transposes(g);
                                     eliminate_dead_code(g);
                                     return n;
                                   },
                                   &rewritten);
  EXPECT_EQ(rewritten, 4);
  EXPECT_EQ(out, R"(graph g(%x: float32[2,3,4]) -> (%a, %b, %c, %d) {
  %a: float32[2,3,4] = neg(%x)
  %b: float32[4,3,2] = permute(%x, [2, 1, 0])
  %c: float32[4,6] = reshape(%x, [4, 6])
  %d: float32[2,3,4] = neg(%x)
}
)");
}

TEST(FoldBatchNorm, ScalesTheConvolutionsWeights) {
  manual_seed(3);
  const ir::ConstantTable table{{"w", randn({8, 4, 3, 3})}, {"b", randn({8})},
                                {"g", rand({8})},           {"beta", randn({8})},
                                {"m", randn({8})},          {"v", add(rand({8}), 0.5)},
                                {"lw", randn({8, 16})}};
  const std::string out =
      same_results(R"(graph g(%x: float32[2,4,6,6], %y: float32[3,16]) -> (%a, %r, %l) {
  const %w: float32[8,4,3,3] = @w
  const %b: float32[8] = @b
  const %g: float32[8] = @g
  const %beta: float32[8] = @beta
  const %m: float32[8] = @m
  const %v: float32[8] = @v
  const %lw: float32[8,16] = @lw
  %c = convolution(%x, %w, %b, [1, 1], [1, 1], [1, 1], False, [0, 0], 1)
  %a = batch_norm(%c, %g, %beta, %m, %v, False, 0.1, 0.001)
  %c2 = convolution(%x, %w, None, [2, 2], [0, 0], [1, 1], False, [0, 0], 1)
  %n2 = batch_norm(%c2, None, None, %m, %v, False, 0.1, 1e-05)
  %r = relu(%n2)
  %lin = linear(%y, %lw)
  %l = batch_norm(%lin, %g, %beta, %m, %v, False, 0.1, 1e-05)
}
)",
                   table, {randn({2, 4, 6, 6}), randn({3, 16})},
                   [](ir::Graph& g) {
                     infer_types(g);
                     const int n = fold_batch_norm(g);
                     eliminate_dead_code(g);
                     return n;
                   },
                   3);
  EXPECT_EQ(out.find("batch_norm"), std::string::npos) << out;
}

TEST(FuseMatmulAdd, MakesLinear) {
  manual_seed(4);
  const ir::ConstantTable table{{"w", randn({16, 8})}, {"b", randn({1, 8})}};
  const std::string out =
      same_results(R"(graph g(%x: float32[2,5,16], %v: float32[16]) -> (%y, %z, %u) {
  const %w: float32[16,8] = @w
  const %b: float32[1,8] = @b
  %m = matmul(%x, %w)
  %y = add.Tensor(%b, %m)
  %m2 = matmul(%v, %w)
  %z = add.Tensor(%m2, %b)
  %m3 = matmul(%x, %w)
  %u = add.Tensor(%m3, %b, alpha=2)
}
)",
                   table, {randn({2, 5, 16}), randn({16})},
                   [](ir::Graph& g) {
                     infer_types(g);
                     return fuse_matmul_add(g);
                   },
                   1);
  // [16] @ [16, 8] + [1, 8] is [1, 8]: the add broadcasts a new dim, so it stays; alpha 2 too.
  EXPECT_NE(out.find("%y: float32[2,5,8] = linear(%x, %w.t, %b.row)"), std::string::npos) << out;
  EXPECT_NE(out.find("%z: float32[1,8] = add.Tensor(%m2, %b)"), std::string::npos) << out;
  EXPECT_NE(out.find("add.Tensor(%m3, %b, alpha=2)"), std::string::npos) << out;
}

TEST(FuseLayerNorm, FusesTheExportersDecomposition) {
  manual_seed(5);
  const ir::ConstantTable table{{"g", randn({8})}, {"b", randn({8})}};
  const std::string out = same_results(R"(graph g(%x: float32[2,3,8]) -> (%y, %z) {
  const %g: float32[8] = @g
  const %b: float32[8] = @b
  const %two: float32[] = [2.0]
  const %eps: float32[] = [0.00001]
  %m = mean(%x, [-1], True)
  %d = sub.Tensor(%x, %m)
  %p = pow.Tensor_Tensor(%d, %two)
  %v = mean(%p, [-1], True)
  %a = add.Tensor(%v, %eps)
  %s = sqrt(%a)
  %n = div.Tensor_mode(%d, %s)
  %k = mul.Tensor(%n, %g)
  %y = add.Tensor(%k, %b)
  %m2 = mean(%x, [2], True)
  %d2 = sub.Tensor(%x, %m2)
  %p2 = mul.Tensor(%d2, %d2)
  %v2 = mean(%p2, [2], True)
  %a2 = add.Tensor(%eps, %v2)
  %s2 = sqrt(%a2)
  %z = div.Tensor_mode(%d2, %s2)
}
)",
                                       table, {randn({2, 3, 8})},
                                       [](ir::Graph& g) {
                                         infer_types(g);
                                         const int n = fuse_layer_norm(g);
                                         eliminate_dead_code(g);
                                         return n;
                                       },
                                       2);
  EXPECT_NE(out.find("%y: float32[2,3,8] = layer_norm(%x, [8], %g, %b, 9.999999747378752e-06)"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("%z: float32[2,3,8] = layer_norm(%x, [8], None, None, 9.999999747378752e-06)"),
            std::string::npos)
      << out;
  EXPECT_EQ(out.find("sqrt"), std::string::npos) << out;
}

TEST(FuseGelu, FusesEitherAssociation) {
  const std::string out = same_results(R"(graph g(%x: float32[4,5]) -> (%y, %z, %w) {
  const %r2: float32[] = [1.4142135623730951]
  const %ir2: float32[] = [0.7071067811865476]
  const %one: float32[] = [1.0]
  const %half: float32[] = [0.5]
  %u = div.Tensor_mode(%x, %r2)
  %e = erf(%u)
  %p = add.Tensor(%e, %one)
  %m = mul.Tensor(%x, %p)
  %y = mul.Tensor(%m, %half)
  %u2 = mul.Tensor(%x, %ir2)
  %e2 = erf(%u2)
  %p2 = add.Tensor(%one, %e2)
  %h = mul.Tensor(%x, %half)
  %z = mul.Tensor(%h, %p2)
  %u3 = div.Tensor_mode(%x, %half)
  %e3 = erf(%u3)
  %p3 = add.Tensor(%e3, %one)
  %m3 = mul.Tensor(%x, %p3)
  %w = mul.Tensor(%m3, %half)
}
)",
                                       {}, {randn({4, 5})},
                                       [](ir::Graph& g) {
                                         infer_types(g);
                                         const int n = fuse_gelu(g);
                                         eliminate_dead_code(g);
                                         return n;
                                       },
                                       2);
  EXPECT_NE(out.find("%y: float32[4,5] = gelu(%x)"), std::string::npos) << out;
  EXPECT_NE(out.find("%z: float32[4,5] = gelu(%x)"), std::string::npos) << out;
  EXPECT_NE(out.find("%e3"), std::string::npos) << out;  // x / 0.5 is not the pattern
}

TEST(FuseAttention, FusesScaledScoresSoftmaxAndValues) {
  manual_seed(6);
  const ir::ConstantTable table{{"mask", randn({5, 5})}};
  const std::string out = same_results(
      R"(graph g(%q: float32[2,5,4], %k: float32[2,5,4], %v: float32[2,5,3]) -> (%y, %z) {
  const %c: float32[] = [2.0]
  const %mask: float32[5,5] = @mask
  %qs = div.Tensor_mode(%q, %c)
  %kt = permute(%k, [0, 2, 1])
  %s = matmul(%qs, %kt)
  %p = softmax.int(%s, -1)
  %y = matmul(%p, %v)
  %kt2 = transpose.int(%k, 1, 2)
  %s2 = matmul(%q, %kt2)
  %s3 = add.Tensor(%s2, %mask)
  %p2 = softmax.int(%s3, 2)
  %z = matmul(%p2, %v)
}
)",
      table, {randn({2, 5, 4}), randn({2, 5, 4}), randn({2, 5, 3})},
      [](ir::Graph& g) {
        infer_types(g);
        const int n = fuse_attention(g);
        eliminate_dead_code(g);
        return n;
      },
      2);
  EXPECT_NE(out.find("%y: float32[2,5,3] = scaled_dot_product_attention(%q, %k, %v, None, 0.0, "
                     "False, scale=0.5)"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("%z: float32[2,5,3] = scaled_dot_product_attention(%q, %k, %v, %mask, 0.0, "
                     "False, scale=1.0)"),
            std::string::npos)
      << out;
  EXPECT_EQ(out.find("softmax"), std::string::npos) << out;
}

TEST(PlanMemory, SharesViewsReusesDyingInputsAndPacksByLifetime) {
  // 16 floats (64 bytes) and 4 floats (16, aligned to 64): a chain where exp writes over neg's
  // output, the reshape is a view of it, and the second neg writes over the sum it reads.
  auto g = ir::parse(R"(graph g(%x: float32[16]) -> (%e, %f) {
  %a = neg(%x)
  %b = exp(%a)
  %c = reshape(%b, [4, 4])
  %d = sum(%c, [1])
  %e = neg(%d)
  %p = neg(%x)
  %q = neg(%x)
  %f = add.Tensor(%p, %q)
}
)",
                     {});
  infer_types(*g);
  const MemoryPlan plan = plan_memory(*g);
  EXPECT_EQ(plan.views, 1);
  EXPECT_EQ(plan.in_place, 3);  // exp over neg, neg over sum, add over p
  EXPECT_TRUE(plan.unsized.empty());
  ASSERT_EQ(plan.buffers.size(), 4u);
  std::map<std::string, BufferPlacement> by;
  for (const BufferPlacement& b : plan.buffers) by[b.value->name()] = b;
  // b's buffer lives from node 0 to the sum (node 3), which reads its view.
  EXPECT_EQ(by.at("b").first, 0);
  EXPECT_EQ(by.at("b").last, 3);
  EXPECT_EQ(by.at("e").first, 3);
  EXPECT_EQ(by.at("e").last, 8);  // a graph output: to the end
  // p and q are computed after b dies: they reuse its place; e's overlaps b at node 3.
  EXPECT_EQ(by.at("e").offset, 64);
  EXPECT_EQ(by.at("f").offset + by.at("q").offset, 128);  // 0 and 128, in some order
  EXPECT_EQ(plan.total_bytes, 256);
  EXPECT_EQ(plan.peak_bytes, 192);
}

// Chains of float32 elementwise ops become one fused_elementwise whose program computes them:
// single-use intermediates inlined, scalar constants as numbers, a value read twice one
// input; a value used elsewhere, or an input of another shape, ends a chain.
TEST(FuseElementwise, MakesPrograms) {
  int fused = 0;
  const std::string out =
      run_pass(R"(graph g(%x: float32[2,3], %y: float32[2,3], %b: float32[3]) -> (%r, %s, %k, %t) {
  const %half: float32[] = [0.5]
  %a: float32[2,3] = add.Tensor(%x, %y)
  %m: float32[2,3] = mul.Tensor(%a, %half)
  %r: float32[2,3] = relu(%m)
  %q: float32[2,3] = mul.Tensor(%x, %x)
  %e: float32[2,3] = exp(%q)
  %s: float32[2,3] = sub.Tensor(%e, %y)
  %k: float32[2,3] = sigmoid(%e)
  %c: float32[2,3] = add.Tensor(%x, %b)
  %t: float32[2,3] = tanh(%c)
}
)",
               fuse_elementwise, &fused);
  EXPECT_EQ(fused, 2);
  EXPECT_EQ(out,
            R"(graph g(%x: float32[2,3], %y: float32[2,3], %b: float32[3]) -> (%r, %s, %k, %t) {
  const %half: float32[] = [0.5]
  %r: float32[2,3] = fused_elementwise([%x, %y], "x0 x1 add 0.5 mul relu")
  %e: float32[2,3] = fused_elementwise([%x], "x0 x0 mul exp")
  %s: float32[2,3] = sub.Tensor(%e, %y)
  %k: float32[2,3] = sigmoid(%e)
  %c: float32[2,3] = add.Tensor(%x, %b)
  %t: float32[2,3] = tanh(%c)
}
)");
}

// Blocks are optimised as graphs of their own; the control flow around them is typed from
// them and never merged (two ifs on the same values may hold different blocks).
TEST(Pipeline, OptimisesBlocksAndKeepsControlFlowApart) {
  const std::string out = run_pass(R"(graph g(%c: bool[], %x: float32[4]) -> (%y, %z) {
  %y = if(%c, %x) {
    graph then(%a: float32[4]) -> (%r) {
      const %one: float32[] = [1]
      const %two: float32[] = [2]
      %k = add.Tensor(%one, %two)
      %dead = exp(%a)
      %r = mul.Tensor(%a, %k)
    }
    graph else(%b: float32[4]) -> (%b) {
    }
  }
  %z = if(%c, %x) {
    graph then(%a: float32[4]) -> (%a) {
    }
    graph else(%b: float32[4]) -> (%s) {
      %s = neg(%b)
    }
  }
}
)",
                                   [](ir::Graph& g) {
                                     optimize(g, Level::All);
                                     return 0;
                                   });
  EXPECT_EQ(out, R"(graph g(%c: bool[], %x: float32[4]) -> (%y, %z) {
  %y: float32[4] = if(%c, %x) {
    graph then(%a: float32[4]) -> (%r) {
      const %k: float32[] = [3]
      %r: float32[4] = mul.Tensor(%a, %k)
    }
    graph else(%b: float32[4]) -> (%b) {
    }
  }
  %z: float32[4] = if(%c, %x) {
    graph then(%a: float32[4]) -> (%a) {
    }
    graph else(%b: float32[4]) -> (%s) {
      %s: float32[4] = neg(%b)
    }
  }
}
)");
}

TEST(Pipeline, LevelsByName) {
  EXPECT_EQ(parse_level("all"), Level::All);
  EXPECT_EQ(parse_level("none"), Level::None);
  EXPECT_EQ(error_of([] { parse_level("max"); }),
            "optimize: level must be none, basic or all, not 'max'");
}

}  // namespace
}  // namespace tessera::passes
