// Static memory planning: where each intermediate value would live in one arena (see Note
// [Static memory plan]).
#include <algorithm>
#include <map>

#include "passes/passes.h"

namespace tessera::passes {

// Note [Static memory plan]
// A value a node computes owns a buffer from the node that defines it to the last node that
// reads it (graph outputs: to the end), unless
// - it is a view: the op's schema marks the return as an alias of an argument (Tensor(a)),
//   so it shares that argument's buffer and lengthens its life;
// - it is written in place: an elementwise op (is_elementwise) whose output has the shape and
//   element size of an input that dies at that node (and owns its buffer) takes that
//   input's buffer over.
// Buffers are then placed in one arena, largest first, each at the lowest offset (64-byte
// aligned) free of every placed buffer whose life overlaps its own. Graph inputs and
// constants are not planned (the caller's and the session's). Values whose sizes are not
// all static are left out and listed.
//
// The session computes the plan and reports it (`tessera bench`); its runs allocate each
// value through the caching allocator and free it after its last use, the same lifetimes,
// so the plan's peak is what a run needs at least, given the allocator reuses blocks well.

namespace {

constexpr int64_t kAlignment = 64;

// The argument a node's output k aliases (a view), or -1.
int aliased_argument(const ir::Node& n, size_t k) {
  if (!n.is_op()) return -1;
  const Schema& s = n.schema();
  const size_t r = std::min(k, s.returns.size() - 1);  // a Tensor[] return: every element
  std::string alias = s.returns[r].alias;
  if (alias.empty() || alias.back() == '!') return -1;
  for (size_t i = 0; i < s.arguments.size(); ++i) {
    if (s.arguments[i].alias == alias) return static_cast<int>(i);
  }
  return -1;
}

int64_t aligned(int64_t bytes) {
  return (bytes + kAlignment - 1) / kAlignment * kAlignment;
}

}  // namespace

MemoryPlan plan_memory(const ir::Graph& g) {
  MemoryPlan plan;
  const std::vector<ir::Node*> nodes = g.nodes();
  const int end = static_cast<int>(nodes.size());
  std::map<const ir::Node*, int> index;
  for (int i = 0; i < end; ++i) index[nodes[static_cast<size_t>(i)]] = i;
  // Each value's buffer: an index into `buffers`, or -1 for memory the plan does not own.
  std::map<const ir::Value*, int> owner;
  struct Buffer {
    const ir::Value* value;
    int64_t bytes;
    int first, last;
  };
  std::vector<Buffer> buffers;
  const auto owner_of = [&](const ir::Value* v) {
    const auto it = owner.find(v);
    return it == owner.end() ? -1 : it->second;
  };
  const auto last_use = [&](const ir::Value* v) {
    int last = -1;
    for (const ir::Use& u : v->uses()) last = std::max(last, index.at(u.node));
    const auto& outs = g.outputs();
    if (std::find(outs.begin(), outs.end(), v) != outs.end()) last = end;
    return last;
  };
  for (int i = 0; i < end; ++i) {
    const ir::Node& n = *nodes[static_cast<size_t>(i)];
    for (size_t k = 0; k < n.outputs().size(); ++k) {
      const ir::Value* v = n.output(static_cast<int>(k));
      const int last = std::max(i, last_use(v));
      // A view: its argument's buffer, kept alive for the view's uses.
      if (const int a = aliased_argument(n, k); a >= 0) {
        const std::optional<ir::Arg>& arg = n.arg(a);
        const int b = arg && arg->kind == ir::Arg::Kind::Value ? owner_of(n.input(arg->first)) : -1;
        owner[v] = b;
        if (b >= 0)
          buffers[static_cast<size_t>(b)].last =
              std::max(buffers[static_cast<size_t>(b)].last, last);
        ++plan.views;
        continue;
      }
      const auto shape = v->type().static_shape();
      if (!shape || !v->type().dtype) {
        plan.unsized.push_back(v);
        owner[v] = -1;
        continue;
      }
      int64_t numel = 1;
      for (int64_t s : *shape) numel *= s;
      const int64_t bytes = aligned(numel * static_cast<int64_t>(itemsize(*v->type().dtype)));
      // In place: an input of the output's shape and element size that dies here and owns
      // its buffer alone (each element is read before it is written; nothing reads it after).
      if (n.outputs().size() == 1 && is_elementwise(n.op_name())) {
        int taken = -1;
        for (const ir::Value* in : n.inputs()) {
          const int b = owner_of(in);
          if (b < 0 || in->type().static_shape() != shape || !in->type().dtype ||
              itemsize(*in->type().dtype) != itemsize(*v->type().dtype)) {
            continue;
          }
          const Buffer& buffer = buffers[static_cast<size_t>(b)];
          if (buffer.last == i && buffer.value == in) {
            taken = b;
            break;
          }
        }
        if (taken >= 0) {
          Buffer& b = buffers[static_cast<size_t>(taken)];
          b.value = v;
          b.last = last;
          owner[v] = taken;
          ++plan.in_place;
          continue;
        }
      }
      owner[v] = static_cast<int>(buffers.size());
      buffers.push_back({v, bytes, i, last});
    }
  }
  // Largest first, each at the lowest offset clear of the placed buffers it overlaps in time.
  std::vector<size_t> order(buffers.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return buffers[a].bytes > buffers[b].bytes; });
  std::vector<int64_t> offset(buffers.size(), -1);
  std::vector<size_t> placed;
  for (size_t i : order) {
    const Buffer& b = buffers[i];
    std::vector<std::pair<int64_t, int64_t>> taken;  // [offset, end) of overlapping lives
    for (size_t j : placed) {
      const Buffer& o = buffers[j];
      if (o.first <= b.last && b.first <= o.last)
        taken.emplace_back(offset[j], offset[j] + o.bytes);
    }
    std::sort(taken.begin(), taken.end());
    int64_t at = 0;
    for (const auto& [lo, hi] : taken) {
      if (at + b.bytes <= lo) break;
      at = std::max(at, hi);
    }
    offset[i] = at;
    placed.push_back(i);
    plan.peak_bytes = std::max(plan.peak_bytes, at + b.bytes);
    plan.total_bytes += b.bytes;
  }
  for (size_t i = 0; i < buffers.size(); ++i) {
    plan.buffers.push_back(
        {buffers[i].value, offset[i], buffers[i].bytes, buffers[i].first, buffers[i].last});
  }
  return plan;
}

}  // namespace tessera::passes
