// Conv/Gemm + BatchNorm folding: an inference batch_norm of a convolution's (or a 2-d
// linear's) output, its statistics and parameters constants, becomes the convolution's
// own weights and bias: W' = W * s per output channel, b' = (b - mean) * s + beta, with
// s = gamma / sqrt(var + eps), computed in float64.
#include "api/functions.h"
#include "passes/match.h"
#include "passes/passes.h"

namespace tessera::passes {
namespace {

// The value bound to Tensor argument a: null when None; nullopt when it is not a constant.
std::optional<const ir::Value*> constant_arg(const ir::Node& n, const char* a) {
  const std::optional<ir::Arg>& b = n.arg(n.schema().find_argument(a));
  if (!b || b->kind == ir::Arg::Kind::Literal) return nullptr;
  const ir::Value* v = n.input(b->first);
  if (!v->is_constant()) return std::nullopt;
  return v;
}

// The constant's data in float64 (c elements), or fallback's when it is None; nullopt when
// it is computed, of another size, or None without a fallback.
std::optional<Tensor> param(const ir::Node& n, const char* a, int64_t c,
                            std::optional<double> fallback) {
  const auto v = constant_arg(n, a);
  if (!v || (*v == nullptr && !fallback)) return std::nullopt;
  if (*v == nullptr) return full({c}, *fallback, DType::Float64);
  const Tensor& t = (*v)->constant();
  if (t.numel() != c || is_complex(t.dtype())) return std::nullopt;
  return t.reshape({c}).to(DType::Float64);
}

}  // namespace

int fold_batch_norm(ir::Graph& g) {
  int folded = 0;
  for (ir::Node* bn : g.nodes()) {
    if (bn->op_name() != "batch_norm") continue;
    const auto training = literal_of(*bn, "training"), eps = literal_of(*bn, "eps");
    ir::Node* conv = bn->input(0)->producer();
    if (!training || training->to_bool() || !eps || conv == nullptr) continue;
    const std::string& op = conv->op_name();
    const ir::Value* y = conv->output();
    if ((op != "convolution" && op != "linear") || y->uses().size() != 1 || is_graph_output(y)) {
      continue;
    }
    const auto weight = constant_arg(*conv, "weight");
    if (!weight || *weight == nullptr) continue;
    const Tensor& w = (*weight)->constant();
    if (!is_floating(w.dtype()) || w.dim() < 2) continue;
    // The convolution's geometry, every part a literal, goes to the new node unchanged.
    std::vector<ir::Input> geometry;
    if (op == "convolution") {
      const auto transposed = literal_of(*conv, "transposed");
      if (!transposed || transposed->to_bool()) continue;
      for (const char* a :
           {"stride", "padding", "dilation", "transposed", "output_padding", "groups"}) {
        const auto v = literal_of(*conv, a);
        if (!v) break;
        geometry.emplace_back(*v);
      }
      if (geometry.size() != 6) continue;
    } else if (!y->type().shape || y->type().shape->size() != 2) {
      continue;  // batch_norm reads dim 1: a linear's features only when its output is 2-d
    }
    const int64_t c = w.size(0);
    const auto gamma = param(*bn, "weight", c, 1.0), beta = param(*bn, "bias", c, 0.0);
    // Inference needs the running statistics: no fallback for them.
    const auto mean = param(*bn, "running_mean", c, std::nullopt),
               var = param(*bn, "running_var", c, std::nullopt);
    const auto b = param(*conv, "bias", c, 0.0);
    if (!gamma || !beta || !mean || !var || !b) continue;
    const Tensor s = mul(*gamma, rsqrt(add(*var, eps->to_double())));
    std::vector<int64_t> per_channel(static_cast<size_t>(w.dim()), 1);
    per_channel[0] = c;
    const Tensor w2 = mul(w.to(DType::Float64), s.reshape(per_channel)).to(w.dtype());
    const Tensor b2 = add(mul(sub(*b, *mean), s), *beta).to(w.dtype());
    ir::Value* wv = g.add_constant(g.fresh_name((*weight)->name() + ".folded"), w2);
    ir::Value* bv = g.add_constant(g.fresh_name(bn->output()->name() + ".bias"), b2);
    std::vector<ir::Input> args{conv->input(0), wv, bv};
    args.insert(args.end(), geometry.begin(), geometry.end());
    replace_pattern(g, bn, op, std::move(args), {conv, bn});
    ++folded;
  }
  return folded;
}

}  // namespace tessera::passes
