// Shape and dtype inference over the IR, with symbolic dims (see Note [Type inference]).
#include <algorithm>
#include <map>
#include <set>

#include "core/factories.h"
#include "ops/output_size.h"
#include "passes/match.h"
#include "passes/passes.h"

namespace tessera::passes {

// Note [Type inference]
// Each node's output types follow from its inputs' types and its literals, by one of three
// means, tried in order:
// - a rule for the op (below): elementwise ops broadcast, reductions drop or keep dims,
//   matmul, convolution, pooling, the shape ops, ... Rules work on symbolic dims (N stays N
//   through a convolution), and where a rule says nothing about the dtype, the op itself
//   says it: it is called on inputs of the same dtypes and ranks with every size 1 (the
//   "dtype probe", a few hundred nanoseconds).
// - otherwise, when every input's sizes are known, the op is called on zeros of those sizes
//   (the "probe"); a symbolic or unknown dim is given two different sizes in two calls, and
//   an output dim that follows it in both is that symbol. Probes are bounded (kProbeElements)
//   and never run ops whose output sizes depend on their inputs' data (those have rules).
// - otherwise the output type stays unknown: inference never guesses.
// The sizes of windowed ops come from ops/output_size.h, the formulas their kernels check,
// so inference and kernels agree by construction.
//
// A type already known (from ONNX's inference at import, or a pass that kept it) is
// refined, never replaced: a dim that is a symbol becomes a size when inference knows it;
// a contradiction between two known sizes or dtypes is an error naming the node.

namespace {

using Shape = std::vector<ir::Dim>;
using Types = std::vector<ir::TensorType>;

// Inputs of at most this many elements in all are probed with zeros: small enough that an
// op multiplying its inputs' sizes (an outer product) stays small.
constexpr int64_t kProbeElements = int64_t{1} << 12;

[[noreturn]] void contradiction(const ir::Node& n, const std::string& what) {
  detail::throw_error<Error>("type inference: ", n.describe(), ": ", what);
}

// The schema argument `name`'s value when it is known before run time: a literal, the
// schema's default, or read from a constant value. nullopt when a computed value gives it.
std::optional<IValue> known(const ir::Node& n, std::string_view name) {
  if (auto v = literal_of(n, name)) return v;
  const int i = n.schema().find_argument(name);
  const std::optional<ir::Arg>& a = n.arg(i);
  const Argument& arg = n.schema().arguments[static_cast<size_t>(i)];
  if (!a || a->kind != ir::Arg::Kind::Value || arg.type.kind == TypeKind::Tensor) {
    return std::nullopt;
  }
  const ir::Value* v = n.input(a->first);
  if (!v->is_constant()) return std::nullopt;
  try {
    return ir::read_argument(arg, v->constant(), a->element);
  } catch (const Error&) {
    return std::nullopt;
  }
}

std::optional<int64_t> known_int(const ir::Node& n, std::string_view name) {
  const auto v = known(n, name);
  if (!v || !v->is_int()) return std::nullopt;
  return v->to_int();
}

// An int[] argument (an int where the schema's int[1] lets one through); nullopt when
// unknown, an empty optional inside when None.
std::optional<std::optional<std::vector<int64_t>>> known_ints(const ir::Node& n,
                                                              std::string_view name) {
  const auto v = known(n, name);
  if (!v) return std::nullopt;
  if (v->is_none()) return std::optional<std::vector<int64_t>>();
  if (v->is_int()) return std::optional<std::vector<int64_t>>(std::vector<int64_t>{v->to_int()});
  if (v->is_int_list()) return std::optional<std::vector<int64_t>>(v->to_int_list());
  return std::nullopt;
}

// The type of the value bound to Tensor argument `name`; nullptr when it is None or unbound.
const ir::TensorType* tensor_arg(const ir::Node& n, std::string_view name) {
  const int i = n.schema().find_argument(name);
  if (i < 0) return nullptr;
  const std::optional<ir::Arg>& a = n.arg(i);
  if (!a || a->kind != ir::Arg::Kind::Value) return nullptr;
  return &n.input(a->first)->type();
}

// Every Tensor or Tensor[] argument's types, in order.
std::vector<const ir::TensorType*> tensor_args(const ir::Node& n) {
  std::vector<const ir::TensorType*> out;
  for (int i = 0; i < n.num_args(); ++i) {
    const std::optional<ir::Arg>& a = n.arg(i);
    if (!a || a->kind == ir::Arg::Kind::Literal) continue;
    if (n.schema().arguments[static_cast<size_t>(i)].type.kind != TypeKind::Tensor) continue;
    for (int k = 0; k < a->count; ++k) out.push_back(&n.input(a->first + k)->type());
  }
  return out;
}

int64_t wrap_dim(const ir::Node& n, int64_t d, int64_t rank) {
  const int64_t r = std::max<int64_t>(rank, 1);
  if (d < -r || d >= r) {
    contradiction(n,
                  "dim " + std::to_string(d) + " is out of range for rank " + std::to_string(rank));
  }
  return d < 0 ? d + r : d;
}

// Two dims of one broadcast: a size 1 gives way; equal dims stay; a size beats a symbol
// (which must be that size or 1); two different symbols make an unknown dim.
ir::Dim broadcast_dim(const ir::Node& n, const ir::Dim& a, const ir::Dim& b) {
  if (a.size == 1) return b;
  if (b.size == 1) return a;
  if (a == b) return a;
  if (a.is_static() && b.is_static()) {
    contradiction(n, "sizes " + std::to_string(a.size) + " and " + std::to_string(b.size) +
                         " do not broadcast");
  }
  if (a.is_static()) return a;
  if (b.is_static()) return b;
  return ir::Dim::unknown();
}

std::optional<Shape> broadcast(const ir::Node& n, const std::vector<const ir::TensorType*>& ts) {
  Shape out;
  for (const ir::TensorType* t : ts) {
    if (!t->shape) return std::nullopt;
    const Shape& s = *t->shape;
    if (s.size() > out.size()) out.insert(out.begin(), s.size() - out.size(), ir::Dim::of(1));
    const size_t off = out.size() - s.size();
    for (size_t i = 0; i < s.size(); ++i) out[off + i] = broadcast_dim(n, out[off + i], s[i]);
  }
  return out;
}

// The values a node reads as non-tensor arguments (a shape, an axis): probes need their data.
std::vector<const ir::Value*> read_as_arguments(const ir::Node& n) {
  std::vector<const ir::Value*> out;
  for (int i = 0; i < n.num_args(); ++i) {
    const std::optional<ir::Arg>& a = n.arg(i);
    if (a && a->kind == ir::Arg::Kind::Value &&
        n.schema().arguments[static_cast<size_t>(i)].type.kind != TypeKind::Tensor) {
      out.push_back(n.input(a->first));
    }
  }
  return out;
}

// The node's argument stack with each Tensor input replaced by zeros of the sizes size_of
// gives it (nullopt when it cannot); values read as arguments, and constants unless
// shrink_constants, as they are.
std::optional<Stack> probe_stack(
    const ir::Node& n, bool shrink_constants,
    const std::function<std::optional<std::vector<int64_t>>(const ir::TensorType&)>& size_of) {
  const auto as_args = read_as_arguments(n);
  for (const ir::Value* v : as_args) {
    if (!v->is_constant()) return std::nullopt;
  }
  bool ok = true;
  const auto tensor_of = [&](const ir::Value* v) -> Tensor {
    const bool data = std::find(as_args.begin(), as_args.end(), v) != as_args.end();
    if (v->is_constant() && (data || !shrink_constants)) return v->constant();
    const auto sizes = v->type().dtype ? size_of(v->type()) : std::nullopt;
    if (!sizes) {
      ok = false;
      return zeros({1});
    }
    return zeros(*sizes, *v->type().dtype);
  };
  try {
    Stack stack = ir::node_arguments(n, tensor_of);
    if (!ok) return std::nullopt;
    return stack;
  } catch (const Error&) {
    return std::nullopt;
  }
}

// Calls the op on the stack; its results, or nullopt when the op refuses them.
std::optional<std::vector<Tensor>> call(const ir::Node& n, Stack stack) {
  try {
    n.op().call_boxed(stack);
    return ir::node_results(n, stack);
  } catch (const Error&) {
    return std::nullopt;
  }
}

// The dtype probe: the output dtypes of the op on inputs of every size 1.
std::optional<std::vector<DType>> probe_dtypes(const ir::Node& n) {
  auto stack =
      probe_stack(n, true, [](const ir::TensorType& t) -> std::optional<std::vector<int64_t>> {
        if (!t.shape) return std::nullopt;
        return std::vector<int64_t>(t.shape->size(), 1);
      });
  if (!stack) return std::nullopt;
  const auto out = call(n, std::move(*stack));
  if (!out) return std::nullopt;
  std::vector<DType> d;
  for (const Tensor& t : *out) d.push_back(t.dtype());
  return d;
}

// The probe (Note [Type inference]): zeros of the inputs' sizes, symbols given two sizes.
std::optional<Types> probe(const ir::Node& n) {
  // Each symbol's index: it gets size 11 + 2 * index in one call, 12 + 2 * index in the other.
  std::map<std::string, int> symbol_ids;
  int64_t elements = 0;
  for (const ir::Value* v : n.inputs()) {
    if (!v->type().dtype || !v->type().shape) return std::nullopt;
    int64_t numel = 1;
    for (const ir::Dim& d : *v->type().shape) {
      if (!d.is_static()) symbol_ids.try_emplace(d.is_symbol() ? d.symbol : "", 0);
      numel *= d.is_static() ? std::min<int64_t>(d.size, kProbeElements + 1) : 16;
      numel = std::min(numel, kProbeElements + 1);
    }
    elements += numel;
    if (elements > kProbeElements) return std::nullopt;
  }
  if (symbol_ids.contains("")) return std::nullopt;  // an unknown dim: no dims to follow
  int next = 0;
  for (auto& [name, id] : symbol_ids) id = next++;
  const auto run = [&](int64_t base) -> std::optional<std::vector<Tensor>> {
    auto stack = probe_stack(n, false, [&](const ir::TensorType& t) {
      std::vector<int64_t> s;
      for (const ir::Dim& d : *t.shape)
        s.push_back(d.is_static() ? d.size : base + 2 * symbol_ids[d.symbol]);
      return std::optional(s);
    });
    if (!stack) return std::nullopt;
    return call(n, std::move(*stack));
  };
  // Sizes 11, 13, ... then 12, 14, ...: distinct per symbol and between the two calls.
  const auto a = run(11);
  if (!a) return std::nullopt;
  std::optional<std::vector<Tensor>> b;
  if (!symbol_ids.empty()) {
    b = run(12);
    if (!b || b->size() != a->size()) return std::nullopt;
  }
  Types out;
  for (size_t i = 0; i < a->size(); ++i) {
    const Tensor& ta = (*a)[i];
    Shape s;
    for (int64_t k = 0; k < ta.dim(); ++k) {
      if (!b) {
        s.push_back(ir::Dim::of(ta.size(k)));
        continue;
      }
      const Tensor& tb = (*b)[i];
      if (tb.dim() != ta.dim()) return std::nullopt;
      const int64_t sa = ta.size(k), sb = tb.size(k);
      ir::Dim d = sa == sb ? ir::Dim::of(sa) : ir::Dim::unknown();
      for (const auto& [name, id] : symbol_ids) {
        if (sa == 11 + 2 * id && sb == 12 + 2 * id) d = ir::Dim::sym(name);
      }
      s.push_back(d);
    }
    out.push_back({ta.dtype(), s});
  }
  return out;
}

// ---- Rules -------------------------------------------------------------------------------

// What a rule gives: shapes per output (nullopt inside: unknown), and dtypes when the rule
// knows them (otherwise the dtype probe is asked).
struct Inferred {
  std::vector<std::optional<Shape>> shapes;
  std::vector<std::optional<DType>> dtypes;
};

using Rule = std::function<std::optional<Inferred>(const ir::Node&)>;

Inferred shapes(std::vector<std::optional<Shape>> s) {
  return {std::move(s), {}};
}

const ir::TensorType& self_type(const ir::Node& n) {
  return n.input(0)->type();
}

// Elementwise: the broadcast of every tensor input.
std::optional<Inferred> elementwise(const ir::Node& n) {
  return shapes({broadcast(n, tensor_args(n))});
}

// The first input's shape.
std::optional<Inferred> same_shape(const ir::Node& n) {
  return shapes({self_type(n).shape});
}

// The first input's shape and dtype (normalisations and prelu: their parameters' sizes must
// match the input's, so a probe of size 1 would not run; dropout: a probe would draw random
// numbers).
std::optional<Inferred> same_type(const ir::Node& n) {
  return Inferred{{self_type(n).shape}, {self_type(n).dtype}};
}

// A reduction over the `dim_arg` dims (all when None or empty and empty_is_all), keepdim.
Rule reduction(const char* dim_arg, bool empty_is_all, int outputs = 1) {
  return [=](const ir::Node& n) -> std::optional<Inferred> {
    const auto& in = self_type(n).shape;
    if (!in) return std::nullopt;
    const int64_t rank = static_cast<int64_t>(in->size());
    std::optional<std::optional<std::vector<int64_t>>> dims;
    if (dim_arg) {
      dims = known_ints(n, dim_arg);
      if (!dims) return std::nullopt;
    } else {
      dims = std::optional<std::vector<int64_t>>();
    }
    const bool keepdim = n.schema().find_argument("keepdim") >= 0 &&
                         known(n, "keepdim").value_or(IValue(false)).to_bool();
    std::vector<bool> reduced(static_cast<size_t>(rank), false);
    if (!*dims || (empty_is_all && (*dims)->empty())) {
      std::fill(reduced.begin(), reduced.end(), true);
    } else {
      for (int64_t d : **dims) {
        if (rank == 0) {
          wrap_dim(n, d, rank);
          continue;
        }
        reduced[static_cast<size_t>(wrap_dim(n, d, rank))] = true;
      }
    }
    Shape out;
    for (int64_t i = 0; i < rank; ++i) {
      if (!reduced[static_cast<size_t>(i)]) {
        out.push_back((*in)[static_cast<size_t>(i)]);
      } else if (keepdim) {
        out.push_back(ir::Dim::of(1));
      }
    }
    return shapes(std::vector<std::optional<Shape>>(static_cast<size_t>(outputs), out));
  };
}

// [..., n, k] x [..., k, m] with broadcast batch dims; 1-d operands as numpy's matmul.
std::optional<Shape> matmul_shape(const ir::Node& n, const ir::TensorType& a,
                                  const ir::TensorType& b) {
  if (!a.shape || !b.shape || a.shape->empty() || b.shape->empty()) return std::nullopt;
  Shape x = *a.shape, y = *b.shape;
  const bool vx = x.size() == 1, vy = y.size() == 1;
  if (vx) x.insert(x.begin(), ir::Dim::of(1));
  if (vy) y.push_back(ir::Dim::of(1));
  const ir::TensorType bx{a.dtype, Shape(x.begin(), x.end() - 2)};
  const ir::TensorType by{b.dtype, Shape(y.begin(), y.end() - 2)};
  auto out = broadcast(n, {&bx, &by});
  if (!out) return std::nullopt;
  if (!vx) out->push_back(x[x.size() - 2]);
  if (!vy) out->push_back(y.back());
  return out;
}

// A convolution's output dims: [N, C_out, spatial...].
std::optional<Inferred> convolution(const ir::Node& n) {
  const ir::TensorType& in = self_type(n);
  const ir::TensorType* w = tensor_arg(n, "weight");
  if (!in.shape || !w || !w->shape || in.shape->size() < 3 || w->shape->size() != in.shape->size())
    return std::nullopt;
  const bool transposed = n.schema().find_argument("transposed") >= 0 &&
                          known(n, "transposed").value_or(IValue(false)).to_bool();
  const auto stride = known_ints(n, "stride"), padding = known_ints(n, "padding"),
             dilation = known_ints(n, "dilation");
  const auto groups = known_int(n, "groups");
  std::optional<std::optional<std::vector<int64_t>>> out_pad =
      std::optional<std::vector<int64_t>>(std::vector<int64_t>{0});
  if (transposed) out_pad = known_ints(n, "output_padding");
  if (!stride || !padding || !dilation || !groups || !out_pad || !*stride || !*padding ||
      !*dilation || !*out_pad)
    return std::nullopt;
  const size_t nd = in.shape->size() - 2;
  Shape out{(*in.shape)[0]};
  const ir::Dim& wo = (*w->shape)[transposed ? 1 : 0];
  out.push_back(transposed ? (wo.is_static() ? ir::Dim::of(wo.size * *groups) : ir::Dim::unknown())
                           : wo);
  for (size_t i = 0; i < nd; ++i) {
    const ir::Dim& x = (*in.shape)[2 + i];
    const ir::Dim& k = (*w->shape)[2 + i];
    if (!x.is_static() || !k.is_static()) {
      out.push_back(ir::Dim::unknown());
      continue;
    }
    const int64_t o = ops::conv_output_size(
        x.size, k.size, ops::window_param(**stride, static_cast<int64_t>(i), 1),
        ops::window_param(**padding, static_cast<int64_t>(i), 0),
        ops::window_param(**dilation, static_cast<int64_t>(i), 1), transposed,
        ops::window_param(**out_pad, static_cast<int64_t>(i), 0));
    if (o <= 0) contradiction(n, "the kernel does not fit the padded input");
    out.push_back(ir::Dim::of(o));
  }
  return Inferred{{out}, {in.dtype}};
}

// A pooling's values, and its int64 indices of the same shape when the op returns them.
Inferred with_indices(const ir::Node& n, const Shape& out, std::optional<DType> dtype) {
  Inferred r{{out}, {dtype}};
  if (n.outputs().size() == 2) {
    r.shapes.push_back(out);
    r.dtypes.push_back(DType::Int64);
  }
  return r;
}

std::optional<Inferred> pooling(const ir::Node& n) {
  const ir::TensorType& in = self_type(n);
  const auto kernel = known_ints(n, "kernel_size"), stride = known_ints(n, "stride"),
             padding = known_ints(n, "padding");
  const bool has_dilation = n.schema().find_argument("dilation") >= 0;
  const auto dilation = has_dilation ? known_ints(n, "dilation")
                                     : std::optional(std::optional(std::vector<int64_t>{1}));
  const auto ceil_mode = known(n, "ceil_mode");
  if (!in.shape || !kernel || !*kernel || !stride || !*stride || !padding || !*padding ||
      !dilation || !*dilation || !ceil_mode)
    return std::nullopt;
  const auto& k = **kernel;
  const size_t nd = k.size(), rank = in.shape->size();
  if (nd < 1 || nd > 3 || rank < nd + 1) return std::nullopt;
  Shape out = *in.shape;
  for (size_t i = 0; i < nd; ++i) {
    ir::Dim& x = out[rank - nd + i];
    if (!x.is_static()) {
      x = ir::Dim::unknown();
      continue;
    }
    const int64_t o = ops::pool_output_size(
        x.size, k[i], ops::window_param(**stride, static_cast<int64_t>(i), k[i]),
        ops::window_param(**padding, static_cast<int64_t>(i), 0),
        ops::window_param(**dilation, static_cast<int64_t>(i), 1), ceil_mode->to_bool());
    if (o <= 0) contradiction(n, "no pooling window fits the input");
    x = ir::Dim::of(o);
  }
  return with_indices(n, out, in.dtype);
}

std::optional<Inferred> adaptive_pool(const ir::Node& n) {
  const ir::TensorType& in = self_type(n);
  const auto size = known_ints(n, "output_size");
  if (!in.shape || !size || !*size || (*size)->size() > in.shape->size()) return std::nullopt;
  Shape out = *in.shape;
  const size_t off = out.size() - (*size)->size();
  for (size_t i = 0; i < (*size)->size(); ++i) out[off + i] = ir::Dim::of((**size)[i]);
  return with_indices(n, out, in.dtype);
}

std::optional<Inferred> interpolate(const ir::Node& n) {
  const ir::TensorType& in = self_type(n);
  if (!in.shape || in.shape->size() < 3) return std::nullopt;
  const size_t nd = in.shape->size() - 2;
  Shape out = *in.shape;
  const auto size = known_ints(n, "size");
  const auto scale = known(n, "scale_factor");
  if (!size || !scale) return std::nullopt;
  for (size_t i = 0; i < nd; ++i) {
    if (*size) {
      const auto& s = **size;
      if (s.size() != 1 && s.size() != nd) return std::nullopt;
      out[2 + i] = ir::Dim::of(s[s.size() == 1 ? 0 : i]);
    } else if (scale->is_double_list() && out[2 + i].is_static()) {
      const auto& f = scale->to_double_list();
      if (f.size() != 1 && f.size() != nd) return std::nullopt;
      out[2 + i] =
          ir::Dim::of(ops::interpolate_output_size(out[2 + i].size, f[f.size() == 1 ? 0 : i]));
    } else {
      out[2 + i] = ir::Dim::unknown();
    }
  }
  return Inferred{{out}, {in.dtype}};
}

// The product of some dims: a size times the symbols (unknown dims make it unknown).
struct Extent {
  int64_t size = 1;
  std::vector<std::string> symbols;
  bool unknown = false;
  void times(const ir::Dim& d) {
    if (d.is_static()) {
      size *= d.size;
    } else if (d.is_symbol()) {
      symbols.push_back(d.symbol);
    } else {
      unknown = true;
    }
  }
};

// reshape's -1: what the input's extent leaves once the other dims are taken.
ir::Dim inferred_dim(Extent in, const Extent& rest) {
  if (in.unknown || rest.unknown || rest.size == 0) return ir::Dim::unknown();
  for (const std::string& s : rest.symbols) {
    const auto it = std::find(in.symbols.begin(), in.symbols.end(), s);
    if (it == in.symbols.end()) return ir::Dim::unknown();
    in.symbols.erase(it);
  }
  if (in.size % rest.size != 0) return ir::Dim::unknown();
  const int64_t q = in.size / rest.size;
  if (in.symbols.empty()) return ir::Dim::of(q);
  if (in.symbols.size() == 1 && q == 1) return ir::Dim::sym(in.symbols[0]);
  return ir::Dim::unknown();
}

std::optional<Inferred> reshape(const ir::Node& n) {
  const ir::TensorType& in = self_type(n);
  const auto target = known_ints(n, "shape");
  if (!target || !*target) return std::nullopt;
  Shape out;
  int infer_at = -1;
  Extent rest;
  for (int64_t s : **target) {
    if (s == -1) {
      infer_at = static_cast<int>(out.size());
      out.push_back(ir::Dim::unknown());
    } else {
      out.push_back(ir::Dim::of(s));
      rest.times(out.back());
    }
  }
  if (infer_at >= 0 && in.shape) {
    Extent all;
    for (const ir::Dim& d : *in.shape) all.times(d);
    out[static_cast<size_t>(infer_at)] = inferred_dim(all, rest);
  }
  return Inferred{{out}, {in.dtype}};
}

std::optional<Inferred> flatten(const ir::Node& n) {
  const ir::TensorType& in = self_type(n);
  const auto start = known_int(n, "start_dim"), end = known_int(n, "end_dim");
  if (!in.shape || !start || !end) return std::nullopt;
  const auto rank = static_cast<int64_t>(in.shape->size());
  if (rank == 0) return Inferred{{Shape{ir::Dim::of(1)}}, {in.dtype}};
  const int64_t a = wrap_dim(n, *start, rank), b = wrap_dim(n, *end, rank);
  if (a > b) contradiction(n, "flatten's start_dim is after its end_dim");
  Shape out(in.shape->begin(), in.shape->begin() + a);
  Extent e;
  for (int64_t i = a; i <= b; ++i) e.times((*in.shape)[static_cast<size_t>(i)]);
  out.push_back(a == b
                    ? (*in.shape)[static_cast<size_t>(a)]
                    : (e.unknown || !e.symbols.empty() ? ir::Dim::unknown() : ir::Dim::of(e.size)));
  out.insert(out.end(), in.shape->begin() + b + 1, in.shape->end());
  return Inferred{{out}, {in.dtype}};
}

std::optional<Inferred> squeeze(const ir::Node& n) {
  const ir::TensorType& in = self_type(n);
  if (!in.shape) return std::nullopt;
  const auto rank = static_cast<int64_t>(in.shape->size());
  Shape out;
  if (n.schema().find_argument("dim") >= 0) {
    const auto d = known_int(n, "dim");
    if (!d) return std::nullopt;
    if (rank == 0) return Inferred{{Shape{}}, {in.dtype}};
    const int64_t k = wrap_dim(n, *d, rank);
    const ir::Dim& x = (*in.shape)[static_cast<size_t>(k)];
    if (!x.is_static()) return std::nullopt;
    out = *in.shape;
    if (x.size == 1) out.erase(out.begin() + k);
  } else {
    for (const ir::Dim& x : *in.shape) {
      if (!x.is_static()) return std::nullopt;
      if (x.size != 1) out.push_back(x);
    }
  }
  return Inferred{{out}, {in.dtype}};
}

std::optional<Inferred> unsqueeze(const ir::Node& n) {
  const ir::TensorType& in = self_type(n);
  const auto d = known_int(n, "dim");
  if (!in.shape || !d) return std::nullopt;
  const auto rank = static_cast<int64_t>(in.shape->size());
  const int64_t k = wrap_dim(n, *d, rank + 1);
  Shape out = *in.shape;
  out.insert(out.begin() + k, ir::Dim::of(1));
  return Inferred{{out}, {in.dtype}};
}

std::optional<Inferred> transpose(const ir::Node& n) {
  const ir::TensorType& in = self_type(n);
  const auto a = known_int(n, "dim0"), b = known_int(n, "dim1");
  if (!in.shape || !a || !b) return std::nullopt;
  const auto rank = static_cast<int64_t>(in.shape->size());
  Shape out = *in.shape;
  if (rank > 0)
    std::swap(out[static_cast<size_t>(wrap_dim(n, *a, rank))],
              out[static_cast<size_t>(wrap_dim(n, *b, rank))]);
  return Inferred{{out}, {in.dtype}};
}

std::optional<Inferred> permute(const ir::Node& n) {
  const ir::TensorType& in = self_type(n);
  const auto dims = known_ints(n, "dims");
  if (!in.shape || !dims || !*dims) return std::nullopt;
  const auto rank = static_cast<int64_t>(in.shape->size());
  if (static_cast<int64_t>((*dims)->size()) != rank) {
    contradiction(n, "permute's dims do not match the input's rank");
  }
  Shape out;
  for (int64_t d : **dims) out.push_back((*in.shape)[static_cast<size_t>(wrap_dim(n, d, rank))]);
  return Inferred{{out}, {in.dtype}};
}

std::optional<Inferred> expand(const ir::Node& n) {
  const ir::TensorType& in = self_type(n);
  const auto size = known_ints(n, "size");
  if (!in.shape || !size || !*size) return std::nullopt;
  const auto& s = **size;
  if (s.size() < in.shape->size()) contradiction(n, "expand to fewer dims than the input has");
  Shape out;
  const size_t off = s.size() - in.shape->size();
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == -1 && i >= off) {
      out.push_back((*in.shape)[i - off]);
    } else {
      out.push_back(ir::Dim::of(s[i]));
    }
  }
  return Inferred{{out}, {in.dtype}};
}

std::optional<Inferred> slice(const ir::Node& n) {
  const ir::TensorType& in = self_type(n);
  const auto dim = known_int(n, "dim"), step = known_int(n, "step");
  const auto start = known(n, "start"), end = known(n, "end");
  if (!in.shape || in.shape->empty() || !dim) return std::nullopt;
  Shape out = *in.shape;
  ir::Dim& x = out[static_cast<size_t>(wrap_dim(n, *dim, static_cast<int64_t>(out.size())))];
  if (!step || !start || !end) {  // bounds read at run time: that dim's size is unknown
    x = ir::Dim::unknown();
    return Inferred{{out}, {in.dtype}};
  }
  const int64_t lo = start->is_none() ? 0 : start->to_int();
  const int64_t hi = end->is_none() ? INT64_MAX : end->to_int();
  if (!x.is_static()) {
    // The whole dim, forwards.
    if (!(lo == 0 && hi >= INT32_MAX && *step == 1)) x = ir::Dim::unknown();
    return Inferred{{out}, {in.dtype}};
  }
  if (*step == 0) contradiction(n, "slice step cannot be zero");
  const int64_t size = x.size;
  const auto clampi = [](int64_t v, int64_t a, int64_t b) { return std::min(std::max(v, a), b); };
  if (*step > 0) {
    const int64_t a = clampi(lo < 0 ? lo + size : lo, 0, size);
    const int64_t b = clampi(hi < 0 ? hi + size : hi, 0, size);
    x = ir::Dim::of(b > a ? (b - a + *step - 1) / *step : 0);
  } else {
    // Negative steps: start defaults to the end, end to before the start.
    const int64_t a = start->is_none() ? size - 1 : clampi(lo < 0 ? lo + size : lo, -1, size - 1);
    const int64_t b = end->is_none() ? -1 : clampi(hi < 0 ? hi + size : hi, -1, size - 1);
    x = ir::Dim::of(a > b ? (a - b - *step - 1) / -*step : 0);
  }
  return Inferred{{out}, {in.dtype}};
}

// cat and stack: dims other than `dim` broadcast-free equal; dim summed (cat) or new (stack).
std::optional<Inferred> concatenate(const ir::Node& n, bool stack) {
  const auto ts = tensor_args(n);
  const auto dim = known_int(n, "dim");
  if (ts.empty() || !dim) return std::nullopt;
  std::optional<Shape> out;
  int64_t total = 0;
  bool total_known = true;
  for (const ir::TensorType* t : ts) {
    if (!t->shape) return std::nullopt;
    // cat skips 1-d empty tensors, as PyTorch does.
    if (!stack && t->shape->size() == 1 && (*t->shape)[0].size == 0) continue;
    if (!out) {
      out = *t->shape;
    } else if (out->size() != t->shape->size()) {
      contradiction(n, "inputs of different ranks");
    }
    const auto rank = static_cast<int64_t>(t->shape->size());
    const int64_t k = stack ? -1 : wrap_dim(n, *dim, rank);
    for (int64_t i = 0; i < rank; ++i) {
      if (i == k) continue;
      ir::Dim& o = (*out)[static_cast<size_t>(i)];
      const ir::Dim& d = (*t->shape)[static_cast<size_t>(i)];
      if (o.is_static() && d.is_static() && o.size != d.size) {
        contradiction(n, "inputs' sizes differ outside the joined dim");
      }
      if (!o.is_static() && d.is_static()) o = d;
      if (o.is_symbol() && d.is_symbol() && o.symbol != d.symbol) o = ir::Dim::unknown();
    }
    if (!stack) {
      const ir::Dim& d = (*t->shape)[static_cast<size_t>(k)];
      if (d.is_static()) {
        total += d.size;
      } else {
        total_known = false;
      }
    }
  }
  if (!out) return std::nullopt;
  const auto rank = static_cast<int64_t>(out->size());
  if (stack) {
    out->insert(out->begin() + wrap_dim(n, *dim, rank + 1),
                ir::Dim::of(static_cast<int64_t>(ts.size())));
  } else {
    (*out)[static_cast<size_t>(wrap_dim(n, *dim, rank))] =
        total_known ? ir::Dim::of(total) : ir::Dim::unknown();
  }
  return shapes({out});
}

std::optional<Inferred> split(const ir::Node& n) {
  const ir::TensorType& in = self_type(n);
  const auto dim = known_int(n, "dim");
  if (!in.shape || in.shape->empty() || !dim) return std::nullopt;
  const size_t k = static_cast<size_t>(wrap_dim(n, *dim, static_cast<int64_t>(in.shape->size())));
  const ir::Dim x = (*in.shape)[k];
  std::vector<int64_t> sizes;
  const std::string& op = n.op_name();
  if (op == "split_with_sizes") {
    const auto s = known_ints(n, "split_sizes");
    if (!s || !*s) return std::nullopt;
    sizes = **s;
  } else if (x.is_static()) {
    const auto each = op == "chunk" ? known_int(n, "chunks") : known_int(n, "split_size");
    if (!each || *each <= 0) return std::nullopt;
    const int64_t piece = op == "chunk" ? (x.size + *each - 1) / *each : *each;
    if (piece <= 0) return std::nullopt;
    for (int64_t at = 0; at < x.size || (x.size == 0 && sizes.empty()); at += piece)
      sizes.push_back(std::min(piece, x.size - at));
  }
  if (sizes.size() != n.outputs().size()) return std::nullopt;
  Inferred r;
  for (int64_t s : sizes) {
    Shape o = *in.shape;
    o[k] = ir::Dim::of(s);
    r.shapes.push_back(o);
    r.dtypes.push_back(in.dtype);
  }
  return r;
}

// index_select's and embedding's output: the index's dims where the selected dim was.
std::optional<Inferred> index_select(const ir::Node& n) {
  const ir::TensorType& in = self_type(n);
  const ir::TensorType* idx = tensor_arg(n, "index");
  const auto dim = known_int(n, "dim");
  if (!in.shape || !idx || !idx->shape || !dim) return std::nullopt;
  Shape out = *in.shape;
  if (out.empty()) return Inferred{{Shape{}}, {in.dtype}};
  const auto k = static_cast<size_t>(wrap_dim(n, *dim, static_cast<int64_t>(out.size())));
  out[k] = idx->shape->empty() ? ir::Dim::of(1) : (*idx->shape)[0];
  return Inferred{{out}, {in.dtype}};
}

std::optional<Inferred> embedding(const ir::Node& n) {
  const ir::TensorType& w = self_type(n);
  const ir::TensorType* idx = tensor_arg(n, "indices");
  if (!w.shape || w.shape->size() != 2 || !idx || !idx->shape) return std::nullopt;
  Shape out = *idx->shape;
  out.push_back((*w.shape)[1]);
  return Inferred{{out}, {w.dtype}};
}

std::optional<Inferred> gather(const ir::Node& n) {
  const ir::TensorType* idx = tensor_arg(n, "index");
  if (!idx) return std::nullopt;
  return Inferred{{idx->shape}, {self_type(n).dtype}};
}

std::optional<Inferred> topk(const ir::Node& n) {
  const ir::TensorType& in = self_type(n);
  const auto k = known_int(n, "k"), dim = known_int(n, "dim");
  if (!in.shape || !k || !dim) return std::nullopt;
  Shape out = *in.shape;
  if (!out.empty())
    out[static_cast<size_t>(wrap_dim(n, *dim, static_cast<int64_t>(out.size())))] = ir::Dim::of(*k);
  return Inferred{{out, out}, {in.dtype, DType::Int64}};
}

std::optional<Inferred> sort(const ir::Node& n) {
  const ir::TensorType& in = self_type(n);
  return Inferred{{in.shape, in.shape}, {in.dtype, DType::Int64}};
}

// Output sizes that depend on the data: only what is certain.
std::optional<Inferred> nonzero(const ir::Node& n) {
  const ir::TensorType& in = self_type(n);
  if (!in.shape) return Inferred{{std::nullopt}, {DType::Int64}};
  return Inferred{{Shape{ir::Dim::unknown(), ir::Dim::of(static_cast<int64_t>(in.shape->size()))}},
                  {DType::Int64}};
}

std::optional<Inferred> unknown_sizes(const ir::Node& n) {
  return Inferred{std::vector<std::optional<Shape>>(n.outputs().size()), {}};
}

std::optional<Inferred> matmul(const ir::Node& n) {
  const ir::TensorType* b = n.op_name() == "linear" ? tensor_arg(n, "weight") : &n.input(1)->type();
  if (!b) return std::nullopt;
  const ir::TensorType& a = self_type(n);
  const std::string& op = n.op_name();
  std::optional<Shape> out;
  if (op == "linear") {
    if (!a.shape || a.shape->empty() || !b->shape) return std::nullopt;
    out = Shape(a.shape->begin(), a.shape->end() - 1);
    if (b->shape->size() == 2) out->push_back((*b->shape)[0]);
  } else if (op == "addmm") {
    const ir::TensorType& m1 = n.input(1)->type();
    const ir::TensorType& m2 = n.input(2)->type();
    if (!m1.shape || !m2.shape || m1.shape->size() != 2 || m2.shape->size() != 2)
      return std::nullopt;
    out = Shape{(*m1.shape)[0], (*m2.shape)[1]};
    return Inferred{{out}, {m1.dtype}};
  } else if (op == "outer") {
    if (!a.shape || !b->shape || a.shape->size() != 1 || b->shape->size() != 1) return std::nullopt;
    out = Shape{(*a.shape)[0], (*b->shape)[0]};
    return shapes({out});
  } else {
    out = matmul_shape(n, a, *b);
  }
  return Inferred{{out}, {a.dtype}};
}

std::optional<Inferred> attention(const ir::Node& n) {
  const ir::TensorType& q = self_type(n);
  const ir::TensorType* v = tensor_arg(n, "value");
  if (!q.shape || q.shape->empty() || !v || !v->shape || v->shape->empty()) return std::nullopt;
  Shape out = *q.shape;
  out.back() = v->shape->back();
  return Inferred{{out}, {q.dtype}};
}

std::optional<Inferred> pad(const ir::Node& n) {
  const ir::TensorType& in = self_type(n);
  const auto p = known_ints(n, "pad");
  if (!in.shape || !p || !*p || (*p)->size() % 2 != 0 || (*p)->size() / 2 > in.shape->size())
    return std::nullopt;
  Shape out = *in.shape;
  for (size_t i = 0; i < (*p)->size() / 2; ++i) {
    ir::Dim& d = out[out.size() - 1 - i];
    d = d.is_static() ? ir::Dim::of(d.size + (**p)[2 * i] + (**p)[2 * i + 1]) : ir::Dim::unknown();
  }
  return Inferred{{out}, {in.dtype}};
}

std::optional<Inferred> repeat(const ir::Node& n) {
  const ir::TensorType& in = self_type(n);
  const bool tile = n.op_name() == "tile";
  const auto r = known_ints(n, tile ? "dims" : "repeats");
  if (!in.shape || !r || !*r) return std::nullopt;
  std::vector<int64_t> reps = **r;
  Shape s = *in.shape;
  if (reps.size() < s.size()) {
    if (!tile) contradiction(n, "fewer repeats than the input has dims");
    reps.insert(reps.begin(), s.size() - reps.size(), 1);
  }
  s.insert(s.begin(), reps.size() - s.size(), ir::Dim::of(1));
  for (size_t i = 0; i < s.size(); ++i) {
    if (reps[i] == 1) continue;
    s[i] = s[i].is_static() ? ir::Dim::of(s[i].size * reps[i]) : ir::Dim::unknown();
  }
  return Inferred{{s}, {in.dtype}};
}

std::optional<Inferred> one_hot(const ir::Node& n) {
  const ir::TensorType& in = self_type(n);
  const auto c = known_int(n, "num_classes");
  if (!in.shape || !c) return std::nullopt;
  Shape out = *in.shape;
  out.push_back(*c >= 0 ? ir::Dim::of(*c) : ir::Dim::unknown());
  return Inferred{{out}, {DType::Int64}};
}

std::optional<Inferred> cast(const ir::Node& n) {
  const auto d = known(n, "dtype");
  if (!d || !d->is_dtype()) return std::nullopt;
  return Inferred{{self_type(n).shape}, {d->to_dtype()}};
}

// Ops whose output element i reads only element i of each (broadcast) input.
const std::set<std::string_view>& elementwise_ops() {
  static const std::set<std::string_view> ops = {
      "abs",
      "acos",
      "acosh",
      "add.Tensor",
      "addcmul",
      "angle",
      "asin",
      "asinh",
      "atan",
      "atan2",
      "atanh",
      "bitwise_and.Tensor",
      "bitwise_left_shift.Tensor",
      "bitwise_not",
      "bitwise_or.Tensor",
      "bitwise_right_shift.Tensor",
      "bitwise_xor.Tensor",
      "ceil",
      "celu",
      "clamp",
      "clone",
      "cos",
      "cosh",
      "div.Tensor_mode",
      "elu",
      "eq.Tensor",
      "erf",
      "erfc",
      "exp",
      "exp2",
      "expm1",
      "floor",
      "fmod.Tensor",
      "frac",
      "fused_elementwise",
      "ge.Tensor",
      "gelu",
      "gt.Tensor",
      "hardsigmoid",
      "hardswish",
      "hardtanh",
      "isfinite",
      "isinf",
      "isnan",
      "le.Tensor",
      "leaky_relu",
      "lerp.Scalar",
      "lerp.Tensor",
      "log",
      "log10",
      "log1p",
      "log2",
      "logical_and",
      "logical_not",
      "logical_or",
      "logical_xor",
      "lt.Tensor",
      "masked_fill.Scalar",
      "maximum",
      "minimum",
      "mish",
      "mul.Tensor",
      "ne.Tensor",
      "neg",
      "pow.Tensor_Tensor",
      "reciprocal",
      "relu",
      "remainder.Tensor",
      "round",
      "rsqrt",
      "selu",
      "sigmoid",
      "sign",
      "silu",
      "sin",
      "sinh",
      "softplus",
      "softsign",
      "sqrt",
      "sub.Tensor",
      "tan",
      "tanh",
      "trunc",
      "where.self",
  };
  return ops;
}

const std::map<std::string, Rule, std::less<>>& rules() {
  static const auto* table = [] {
    auto* t = new std::map<std::string, Rule, std::less<>>;
    for (const std::string_view op : elementwise_ops()) t->emplace(op, elementwise);
    for (const char* op : {"cumsum", "cumprod", "flip", "roll", "tril", "triu", "softmax.int",
                           "log_softmax.int", "conj", "real", "imag"}) {
      t->emplace(op, same_shape);
    }
    for (const char* op : {"layer_norm", "rms_norm", "group_norm", "instance_norm", "batch_norm",
                           "prelu", "dropout"})
      t->emplace(op, same_type);
    for (const char* op : {"sum", "mean", "prod.dim_int", "all", "any", "linalg_vector_norm",
                           "std.correction", "var.correction"}) {
      t->emplace(op, reduction("dim", false));
    }
    t->emplace("amax", reduction("dim", true));
    t->emplace("amin", reduction("dim", true));
    t->emplace("logsumexp", reduction("dim", false));
    t->emplace("argmax", reduction("dim", false));
    t->emplace("argmin", reduction("dim", false));
    t->emplace("max.dim", reduction("dim", false, 2));
    t->emplace("min.dim", reduction("dim", false, 2));
    t->emplace("max", reduction(nullptr, true));
    t->emplace("min", reduction(nullptr, true));
    t->emplace("prod", reduction(nullptr, true));
    for (const char* op : {"matmul", "bmm", "linear", "addmm", "outer"}) t->emplace(op, matmul);
    t->emplace("convolution", convolution);
    t->emplace("convolution_activation", convolution);
    t->emplace("max_pool", pooling);
    t->emplace("avg_pool", pooling);
    t->emplace("adaptive_avg_pool", adaptive_pool);
    t->emplace("adaptive_max_pool", adaptive_pool);
    t->emplace("interpolate", interpolate);
    t->emplace("scaled_dot_product_attention", attention);
    t->emplace("reshape", reshape);
    t->emplace("flatten.using_ints", flatten);
    t->emplace("squeeze", squeeze);
    t->emplace("squeeze.dim", squeeze);
    t->emplace("unsqueeze", unsqueeze);
    t->emplace("transpose.int", transpose);
    t->emplace("permute", permute);
    t->emplace("expand", expand);
    t->emplace("slice.Tensor", slice);
    t->emplace("cat", [](const ir::Node& n) { return concatenate(n, false); });
    t->emplace("stack", [](const ir::Node& n) { return concatenate(n, true); });
    t->emplace("split.Tensor", split);
    t->emplace("split_with_sizes", split);
    t->emplace("chunk", split);
    t->emplace("index_select", index_select);
    t->emplace("embedding", embedding);
    t->emplace("gather", gather);
    t->emplace("topk", topk);
    t->emplace("sort.stable", sort);
    t->emplace("argsort.stable", [](const ir::Node& n) {
      return std::optional(Inferred{{self_type(n).shape}, {DType::Int64}});
    });
    t->emplace("pad", pad);
    t->emplace("repeat", repeat);
    t->emplace("tile", repeat);
    t->emplace("one_hot", one_hot);
    t->emplace("cast", cast);
    t->emplace("nonzero", nonzero);
    for (const char* op : {"unique", "unique_dim", "non_max_suppression"})
      t->emplace(op, unknown_sizes);
    return t;
  }();
  return *table;
}

// A known dim or dtype in `b` fills what `a` lacks; two different sizes or dtypes throw.
ir::TensorType refine(const ir::Node& n, const ir::Value& v, const ir::TensorType& a,
                      const ir::TensorType& b) {
  const auto disagree = [&] {
    contradiction(n, "%" + v.name() + " is declared " + a.str() + " but computed " + b.str());
  };
  ir::TensorType out = a;
  if (b.dtype) {
    if (a.dtype && *a.dtype != *b.dtype) disagree();
    out.dtype = b.dtype;
  }
  if (!b.shape) return out;
  if (!a.shape) {
    out.shape = b.shape;
    return out;
  }
  if (a.shape->size() != b.shape->size()) disagree();
  for (size_t i = 0; i < b.shape->size(); ++i) {
    ir::Dim& d = (*out.shape)[i];
    const ir::Dim& e = (*b.shape)[i];
    if (d.is_static() && e.is_static() && d.size != e.size) disagree();
    if (e.is_static() || (!d.is_static() && !d.is_symbol())) d = e;
  }
  return out;
}

// An If's outputs: what either branch may return. A Loop's carried outputs: what the
// initial value or any iteration may give; its scanned outputs: the body's, stacked along a
// first dim of unknown size.
Types control_flow_types(const ir::Node& n) {
  Types out;
  if (n.kind() == ir::NodeKind::If) {
    for (size_t k = 0; k < n.outputs().size(); ++k) {
      out.push_back(ir::join(n.block(0).outputs()[k]->type(), n.block(1).outputs()[k]->type()));
    }
    return out;
  }
  const ir::Graph& body = n.block(0);
  const auto carried = static_cast<size_t>(n.num_carried());
  for (size_t k = 0; k < carried; ++k) {
    out.push_back(
        ir::join(n.input(static_cast<int>(2 + k))->type(), body.outputs()[1 + k]->type()));
  }
  for (size_t k = 1 + carried; k < body.outputs().size(); ++k) {
    ir::TensorType t = body.outputs()[k]->type();
    if (t.shape) t.shape->insert(t.shape->begin(), ir::Dim::unknown());
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace

bool is_elementwise(std::string_view op) {
  return elementwise_ops().contains(op);
}

std::vector<ir::TensorType> infer_output_types(const ir::Node& n) {
  if (!n.is_op()) return control_flow_types(n);
  const size_t outs = n.outputs().size();
  Types out(outs);
  std::optional<Inferred> r;
  if (const auto it = rules().find(n.op_name()); it != rules().end()) r = it->second(n);
  if (r) {  // a rule: its shapes, its dtypes or the dtype probe's
    bool need_dtypes = false;
    for (size_t i = 0; i < outs; ++i) {
      if (i < r->shapes.size()) out[i].shape = r->shapes[i];
      if (i < r->dtypes.size() && r->dtypes[i]) {
        out[i].dtype = r->dtypes[i];
      } else {
        need_dtypes = true;
      }
    }
    if (need_dtypes) {
      if (const auto d = probe_dtypes(n); d && d->size() == outs) {
        for (size_t i = 0; i < outs; ++i) {
          if (!out[i].dtype) out[i].dtype = (*d)[i];
        }
      }
    }
    return out;
  }
  if (auto p = probe(n); p && p->size() == outs) return std::move(*p);
  return out;
}

bool refine_output_types(ir::Node& n) {
  const Types inferred = infer_output_types(n);
  bool changed = false;
  for (size_t i = 0; i < inferred.size(); ++i) {
    ir::Value* v = n.output(static_cast<int>(i));
    ir::TensorType t = refine(n, *v, v->type(), inferred[i]);
    if (t != v->type()) {
      v->set_type(std::move(t));
      changed = true;
    }
  }
  return changed;
}

int infer_types(ir::Graph& g) {
  int changed = 0;
  for (ir::Node* n : g.nodes()) {
    for (const auto& b : n->blocks()) changed += infer_types(*b);
    changed += refine_output_types(*n) ? 1 : 0;
  }
  return changed;
}

}  // namespace tessera::passes
