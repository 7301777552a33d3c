// Attention pattern fusion: the decomposition exporters write,
//
//   s = matmul(q / c  (or q * c, or q), k^T)   [s = s + mask]   p = softmax(s, -1)
//   y = matmul(p, v)
//
// becomes scaled_dot_product_attention(q, k, v, mask, scale = 1/c (c, 1)). k^T is read as
// a permute or transpose whose last two dims, swapped back, give k (any other k^T is
// transposed back by a new node); each intermediate must be used only inside the pattern.
#include "passes/match.h"
#include "passes/passes.h"

namespace tessera::passes {
namespace {

std::optional<int64_t> rank_of(const ir::Value* v) {
  if (!v->type().shape) return std::nullopt;
  return static_cast<int64_t>(v->type().shape->size());
}

// An attention ending in matmul node y = matmul(p, v); true when fused.
bool fuse_at(ir::Graph& g, ir::Node* out) {
  ir::Node* softmax = only_use_of(out->input(0), "softmax.int");
  ir::Value* v = out->input(1);
  if (!softmax) return false;
  const auto dim = literal_of(*softmax, "dim"), dtype = literal_of(*softmax, "dtype");
  const auto rank = rank_of(softmax->input(0));
  if (!dim || !dtype || !dtype->is_none() || !rank || *rank < 2 ||
      (dim->to_int() != -1 && dim->to_int() != *rank - 1)) {
    return false;
  }
  std::vector<ir::Node*> pattern{softmax, out};
  // An additive mask.
  ir::Value* mask = nullptr;
  ir::Node* scores = only_use_of(softmax->input(0), "matmul");
  if (!scores) {
    ir::Node* add = only_use_of(softmax->input(0), "add.Tensor");
    if (!add || !plain(*add)) return false;
    for (int side = 0; side < 2 && !scores; ++side) {
      scores = only_use_of(add->input(side), "matmul");
      if (scores) mask = add->input(1 - side);
    }
    if (!scores) return false;
    pattern.insert(pattern.begin(), add);
  }
  pattern.insert(pattern.begin(), scores);
  // The query and its scale.
  ir::Value* q = scores->input(0);
  double scale = 1.0;
  if (ir::Node* a = q->producer(); a && plain(*a) && a->inputs().size() == 2) {
    const auto c = scalar_constant(a->input(1));
    if (c && a->op_name() == "div.Tensor_mode" && *c != 0) {
      q = a->input(0);
      scale = 1.0 / *c;
    } else if (c && a->op_name() == "mul.Tensor") {
      q = a->input(0);
      scale = *c;
    }
  }
  const auto qr = rank_of(q), vr = rank_of(v);
  const ir::Value* kt = scores->input(1);
  const auto kr = rank_of(kt);
  if (!qr || !kr || !vr || *qr < 2 || *kr != *qr || *vr != *qr || !q->type().dtype ||
      !is_floating(*q->type().dtype) || q->type().dtype != v->type().dtype ||
      (mask && mask->type().dtype != q->type().dtype)) {  // a bool mask adds 0 or 1 here
    return false;
  }
  // k from k^T: the permute before it with its last two dims swapped back.
  g.set_insertion_point(out);
  ir::Value* k = nullptr;
  if (ir::Node* t = kt->producer(); t) {
    if (auto p = permutation_of(*t)) {
      std::swap((*p)[p->size() - 1], (*p)[p->size() - 2]);
      bool identity = true;
      for (size_t i = 0; i < p->size(); ++i)
        identity = identity && (*p)[i] == static_cast<int64_t>(i);
      k = identity ? t->input(0) : g.create("permute", {t->input(0), IValue(*p)})->output();
    }
  }
  if (k == nullptr) {
    k = g.create("transpose.int", {scores->input(1), IValue(int64_t{-2}), IValue(int64_t{-1})})
            ->output();
  }
  g.set_insertion_point(nullptr);
  replace_pattern(g, out, "scaled_dot_product_attention",
                  {q, k, v, mask ? ir::Input(mask) : IValue(), IValue(0.0), IValue(false)}, pattern,
                  {{"scale", IValue(scale)}});
  if (k->producer()) refine_output_types(*k->producer());
  return true;
}

}  // namespace

int fuse_attention(ir::Graph& g) {
  int fused = 0;
  // A fusion erases the scores' matmul, an anchor visited before its attention's last one.
  for (ir::Node* n : anchors(g, "matmul")) fused += fuse_at(g, n) ? 1 : 0;
  return fused;
}

}  // namespace tessera::passes
