// ONNX shape, indexing and constant-making ops.
#include <cstring>
#include <numeric>

#include "core/factories.h"
#include "dispatch/registration.h"
#include "frontends/onnx/lower.h"

namespace tessera::onnx_frontend {
namespace {

using ir::Value;
using Outs = std::vector<Value*>;

Tensor int64_tensor(const std::vector<int64_t>& v) {
  Tensor t = empty({static_cast<int64_t>(v.size())}, DType::Int64);
  if (!v.empty()) std::memcpy(t.data_ptr(), v.data(), v.size() * sizeof(int64_t));
  return t;
}

// An int-list argument from an input: a literal when constant, else the value, read at
// run time.
ir::Input ints_input(Lowerer& cx, int i) {
  if (const auto v = cx.ints_in(i)) return IValue(*v);
  return cx.in(i);
}

// Axes from the attribute (older opsets) or input 1 (newer), which must be constant.
std::optional<std::vector<int64_t>> axes_of(Lowerer& cx, int input, int64_t input_since) {
  if (cx.opset() < input_since) {
    if (!cx.has_attr("axes")) return std::nullopt;
    return cx.attr_ints("axes", {});
  }
  if (cx.in_opt(input) == nullptr) return std::nullopt;
  return cx.need_ints(input, "axes");
}

// The int64 vector `shape` (known at run time) with each element equal to `special`
// replaced by x's dim at the same position counted from the end (the alignment of ONNX's
// broadcasting; Reshape's rank is that of the shape, so there it is counted from the start).
// Needs x's static shape and the static length of `shape`; without them `shape` as it is.
Value* replace_where(Lowerer& cx, Value* shape, int64_t special, Value* x, bool from_end = false) {
  const auto xs = cx.static_shape(x);
  const auto ss = cx.static_shape(shape);
  if (!xs || !ss || ss->size() != 1 || (*ss)[0] > 64) return shape;
  const auto n = static_cast<size_t>((*ss)[0]);
  std::vector<int64_t> dims(n, special);
  for (size_t i = 0; i < n; ++i) {
    const size_t r = xs->size();
    if (!from_end && i < r) dims[i] = (*xs)[i];
    if (from_end && i + r >= n) dims[i] = (*xs)[i + r - n];
  }
  Value* s = cx.op("cast", {shape, IValue(DType::Int64)});
  Value* is_special =
      cx.op("eq.Tensor", {s, cx.scalar(static_cast<double>(special), DType::Int64)});
  return cx.op("where.self", {is_special, cx.constant(int64_tensor(dims)), s});
}

Outs constant(Lowerer& cx) {
  if (cx.has_attr("value")) return {cx.constant(cx.attr_tensor("value"))};
  if (cx.has_attr("value_float")) {
    return {cx.constant(scalar_tensor(double{cx.attr_float("value_float", 0)}, DType::Float32))};
  }
  if (cx.has_attr("value_int")) {
    return {cx.constant(scalar_tensor(cx.attr_int("value_int", 0), DType::Int64))};
  }
  if (cx.has_attr("value_floats")) {
    const std::vector<float> f = cx.attr_floats("value_floats", {});
    Tensor t = empty({static_cast<int64_t>(f.size())}, DType::Float32);
    if (!f.empty()) std::memcpy(t.data_ptr(), f.data(), f.size() * sizeof(float));
    return {cx.constant(t)};
  }
  if (cx.has_attr("value_ints")) return {cx.constant(int64_tensor(cx.attr_ints("value_ints", {})))};
  cx.fail("only tensor, float and int values are supported (not strings or sparse tensors)");
}

Outs reshape(Lowerer& cx) {
  Value* x = cx.in(0);
  const bool allow_zero = cx.attr_int("allowzero", 0) != 0;
  if (cx.opset() < 5) return {cx.op("reshape", {x, IValue(cx.attr_ints("shape", {}))})};
  auto shape = cx.ints_in(1);
  if (!shape) {
    if (allow_zero) return {cx.op("reshape", {x, cx.in(1)})};
    // A shape known at run time: its zeros become the input's dims there.
    return {cx.op("reshape", {x, replace_where(cx, cx.in(1), 0, x)})};
  }
  // 0 copies the input's dim (unless allowzero); PyTorch's reshape has no such rule.
  if (!allow_zero && std::find(shape->begin(), shape->end(), 0) != shape->end()) {
    const auto& dims = x->type().shape;
    for (size_t i = 0; i < shape->size(); ++i) {
      if ((*shape)[i] != 0) continue;
      if (!dims || i >= dims->size() || !(*dims)[i].is_static()) {
        cx.fail("shape[", i, "] = 0 copies an input dim that is not known");
      }
      (*shape)[i] = (*dims)[i].size;
    }
  }
  return {cx.op("reshape", {x, IValue(*shape)})};
}

// [d0 * ... * d(axis-1), d(axis) * ... * d(r-1)]
Outs flatten(Lowerer& cx) {
  Value* x = cx.in(0);
  const int64_t r = cx.need_rank(x, "Flatten splits the dims at axis");
  const int64_t axis = cx.attr_int("axis", 1);
  if (axis < -r || axis > r) cx.fail("axis ", axis, " is out of range for rank ", r);
  const int64_t a = axis < 0 ? axis + r : axis;
  if (a == 0) {
    return {cx.op("unsqueeze", {cx.op("flatten.using_ints", {x}), IValue(int64_t{0})})};
  }
  Value* tail = a == r ? cx.op("unsqueeze", {x, IValue(r)})
                       : cx.op("flatten.using_ints", {x, IValue(a), IValue(int64_t{-1})});
  if (a == 1) return {tail};
  return {cx.op("flatten.using_ints", {tail, IValue(int64_t{0}), IValue(a - 1)})};
}

Outs transpose(Lowerer& cx) {
  Value* x = cx.in(0);
  std::vector<int64_t> perm = cx.attr_ints("perm", {});
  if (perm.empty()) {
    const int64_t r = cx.need_rank(x, "Transpose without perm reverses the dims");
    for (int64_t d = r - 1; d >= 0; --d) perm.push_back(d);
  }
  return {cx.op("permute", {x, IValue(perm)})};
}

// The axes, normalised and sorted in the order they can be applied one by one.
std::vector<int64_t> sorted_axes(Lowerer& cx, std::vector<int64_t> axes, int64_t rank) {
  for (int64_t& a : axes) a = cx.normalize_axis(a, rank);
  std::sort(axes.begin(), axes.end());
  if (std::adjacent_find(axes.begin(), axes.end()) != axes.end()) cx.fail("repeated axes");
  return axes;
}

Outs squeeze(Lowerer& cx) {
  Value* x = cx.in(0);
  const auto axes = axes_of(cx, 1, 13);
  if (!axes || axes->empty()) return {cx.op("squeeze", {x})};
  const int64_t r = cx.need_rank(x, "Squeeze normalises its axes");
  const std::vector<int64_t> sorted = sorted_axes(cx, *axes, r);
  for (auto it = sorted.rbegin(); it != sorted.rend(); ++it) {
    x = cx.op("squeeze.dim", {x, IValue(*it)});
  }
  return {x};
}

Outs unsqueeze(Lowerer& cx) {
  Value* x = cx.in(0);
  const auto axes = axes_of(cx, 1, 13);
  if (!axes) cx.fail("axes are required");
  const int64_t r = cx.need_rank(x, "Unsqueeze normalises its axes against the output rank");
  for (int64_t a : sorted_axes(cx, *axes, r + static_cast<int64_t>(axes->size()))) {
    x = cx.op("unsqueeze", {x, IValue(a)});
  }
  return {x};
}

Outs concat(Lowerer& cx) {
  std::vector<Value*> parts;
  for (int i = 0; i < cx.num_inputs(); ++i) parts.push_back(cx.in(i));
  if (!cx.has_attr("axis")) cx.fail("attribute 'axis' is required");
  return {cx.op("cat", {parts, IValue(cx.attr_int("axis", 0))})};
}

Outs split(Lowerer& cx) {
  Value* x = cx.in(0);
  const int64_t axis = cx.attr_int("axis", 0);
  const int n = cx.num_outputs();
  std::optional<std::vector<int64_t>> sizes;
  if (cx.opset() < 13) {
    if (cx.has_attr("split")) sizes = cx.attr_ints("split", {});
  } else if (cx.in_opt(1) != nullptr) {
    sizes = cx.ints_in(1);
    if (!sizes) return cx.op_n("split_with_sizes", n, {x, cx.in(1), IValue(axis)});
  }
  if (sizes) {
    if (static_cast<int>(sizes->size()) != n) {
      cx.fail("split has ", sizes->size(), " sizes for ", n, " outputs");
    }
    return cx.op_n("split_with_sizes", n, {x, IValue(*sizes), IValue(axis)});
  }
  return cx.op_n("chunk", n, {x, IValue(int64_t{n}), IValue(axis)});
}

// One per-axis list of Slice (starts, ends, axes or steps): literal values, or a 1-d value
// whose elements are read at run time.
struct PerAxis {
  std::optional<std::vector<int64_t>> values;
  Value* value = nullptr;
  ir::Input at(size_t i) const {
    if (values) return IValue((*values)[i]);
    return ir::ValueElement{value, static_cast<int64_t>(i)};
  }
};

PerAxis per_axis(Lowerer& cx, int input) {
  PerAxis p;
  p.values = cx.ints_in(input);
  if (!p.values) p.value = cx.in(input);
  return p;
}

Outs slice(Lowerer& cx) {
  Value* x = cx.in(0);
  PerAxis starts, ends, axes, steps;
  if (cx.opset() < 10) {
    starts.values = cx.attr_ints("starts", {});
    ends.values = cx.attr_ints("ends", {});
    if (cx.has_attr("axes")) axes.values = cx.attr_ints("axes", {});
  } else {
    starts = per_axis(cx, 1);
    ends = per_axis(cx, 2);
    if (cx.in_opt(3)) axes = per_axis(cx, 3);
    if (cx.in_opt(4)) steps = per_axis(cx, 4);
  }
  // How many axes: from a constant list, or the static length of a value.
  std::optional<int64_t> n;
  for (const PerAxis* p : {&starts, &ends, &axes, &steps}) {
    std::optional<int64_t> len;
    if (p->values) len = static_cast<int64_t>(p->values->size());
    if (p->value) {
      const auto s = cx.static_shape(p->value);
      if (!s || s->size() != 1) cx.fail("starts, ends, axes and steps of unknown length");
      len = (*s)[0];
    }
    if (len && n && *len != *n) cx.fail("starts, ends, axes and steps differ in length");
    if (len) n = len;
  }
  if (!n) cx.fail("starts is required");
  for (int64_t i = 0; i < *n; ++i) {
    const auto k = static_cast<size_t>(i);
    const ir::Input axis = axes.values || axes.value ? axes.at(k) : ir::Input(IValue(i));
    const ir::Input step =
        steps.values || steps.value ? steps.at(k) : ir::Input(IValue(int64_t{1}));
    if (steps.values && (*steps.values)[k] == 0) cx.fail("a step of 0");
    x = cx.op("slice.Tensor", {x, axis, starts.at(k), ends.at(k), step});
  }
  return {x};
}

// Gather along axis with indices of any rank (negative ones count from the end).
Outs gather(Lowerer& cx) {
  Value* x = cx.in(0);
  Value* idx = cx.in(1);
  const int64_t r = cx.need_rank(x, "Gather normalises its axis");
  if (r == 0) cx.fail("the data must have rank 1 or more, not 0");
  const int64_t axis = cx.normalize_axis(cx.attr_int("axis", 0), r);
  const auto xs = cx.static_shape(x);
  if (auto k = cx.constant_in(1)) {
    // Constant indices: negative ones wrapped now, when the dim is known.
    const Tensor c = k->to(DType::Int64).contiguous();
    const auto* p = static_cast<const int64_t*>(c.data_ptr());
    if (std::any_of(p, p + c.numel(), [](int64_t v) { return v < 0; })) {
      if (!xs) cx.fail("negative indices into a dim of unknown size");
      Tensor fixed = c.clone();
      auto* q = static_cast<int64_t*>(fixed.data_ptr());
      for (int64_t i = 0; i < fixed.numel(); ++i) q[i] += q[i] < 0 ? (*xs)[axis] : 0;
      idx = cx.constant(fixed);
    }
  }
  const auto is = cx.static_shape(idx);
  const auto ir = cx.rank(idx);
  if (!cx.constant_in(1) && xs && cx.dtype(idx) && info(*cx.dtype(idx)).is_signed) {
    // Indices known at run time: negative ones wrapped there.
    const DType d = *cx.dtype(idx);
    Value* negative = cx.op("lt.Tensor", {idx, cx.scalar(0, d)});
    Value* wrapped = cx.op("add.Tensor", {idx, cx.scalar(static_cast<double>((*xs)[axis]), d)});
    idx = cx.op("where.self", {negative, wrapped, idx});
  }
  if (ir == 1) return {cx.op("index_select", {x, IValue(axis), idx})};
  if (ir == 0) {
    Value* one = cx.op("reshape", {idx, IValue(std::vector<int64_t>{1})});
    return {cx.op("squeeze.dim", {cx.op("index_select", {x, IValue(axis), one}), IValue(axis)})};
  }
  if (!xs || !is) cx.fail("indices of rank other than 0 or 1 need static shapes");
  Value* flat = cx.op("reshape", {idx, IValue(std::vector<int64_t>{-1})});
  Value* y = cx.op("index_select", {x, IValue(axis), flat});
  std::vector<int64_t> shape(xs->begin(), xs->begin() + axis);
  shape.insert(shape.end(), is->begin(), is->end());
  shape.insert(shape.end(), xs->begin() + axis + 1, xs->end());
  return {cx.op("reshape", {y, IValue(shape)})};
}

Outs gather_elements(Lowerer& cx) {
  return {cx.op("gather", {cx.in(0), IValue(cx.attr_int("axis", 0)), cx.in(1)})};
}

Outs scatter_elements(Lowerer& cx) {
  const std::string reduction = cx.attr_string("reduction", "none");
  const IValue axis(cx.attr_int("axis", 0));
  if (reduction == "none") return {cx.op("scatter.src", {cx.in(0), axis, cx.in(1), cx.in(2)})};
  if (reduction == "add") return {cx.op("scatter_add", {cx.in(0), axis, cx.in(1), cx.in(2)})};
  cx.fail("reduction '", reduction, "' is not supported");
}

Outs expand(Lowerer& cx) {
  Value* x = cx.in(0);
  const auto shape = cx.ints_in(1);
  const auto xs = cx.static_shape(x);
  if (!shape && xs) {
    // A shape known at run time: its 1s keep x's dims there, and x's extra leading dims
    // come first.
    Value* s = replace_where(cx, cx.in(1), 1, x, /*from_end=*/true);
    const auto ss = cx.static_shape(cx.in(1));
    if (ss && ss->size() == 1 && (*ss)[0] < static_cast<int64_t>(xs->size())) {
      const std::vector<int64_t> lead(xs->begin(), xs->end() - (*ss)[0]);
      s = cx.op("cat",
                {std::vector<Value*>{cx.constant(int64_tensor(lead)), s}, IValue(int64_t{0})});
    }
    return {cx.op("expand", {x, s})};
  }
  if (!shape || !xs) return {cx.op("expand", {x, ints_input(cx, 1)})};
  // ONNX broadcasts both ways: a 1 in the shape keeps the input's dim.
  const size_t r = std::max(shape->size(), xs->size());
  std::vector<int64_t> out(r);
  for (size_t i = 0; i < r; ++i) {
    const int64_t a = i + xs->size() >= r ? (*xs)[i + xs->size() - r] : 1;
    const int64_t b = i + shape->size() >= r ? (*shape)[i + shape->size() - r] : 1;
    if (a != b && a != 1 && b != 1) cx.fail("shape ", b, " does not broadcast with dim ", a);
    out[i] = a == 1 ? b : a;
  }
  return {cx.op("expand", {x, IValue(out)})};
}

Outs shape(Lowerer& cx) {
  const auto s = cx.static_shape(cx.in(0));
  if (!s) cx.fail("the input's shape is not static (dynamic shapes are not supported yet)");
  const auto r = static_cast<int64_t>(s->size());
  auto clamp = [r](int64_t v) { return std::clamp(v < 0 ? v + r : v, int64_t{0}, r); };
  const int64_t start = clamp(cx.attr_int("start", 0)), end = clamp(cx.attr_int("end", r));
  return {cx.constant(
      int64_tensor(std::vector<int64_t>(s->begin() + start, s->begin() + std::max(start, end))))};
}

Outs size(Lowerer& cx) {
  const auto s = cx.static_shape(cx.in(0));
  if (!s) cx.fail("the input's shape is not static (dynamic shapes are not supported yet)");
  return {cx.constant(scalar_tensor(
      std::accumulate(s->begin(), s->end(), int64_t{1}, std::multiplies<>()), DType::Int64))};
}

Outs constant_of_shape(Lowerer& cx) {
  Tensor value = cx.has_attr("value") ? cx.attr_tensor("value") : zeros({1}, DType::Float32);
  if (value.numel() != 1) cx.fail("value must hold one element");
  const auto shape = cx.ints_in(0);
  if (!shape) {  // the value, broadcast to a shape read at run time
    return {cx.op("expand", {cx.constant(value.reshape({})), cx.in(0)})};
  }
  for (int64_t d : *shape) {
    if (d < 0) cx.fail("negative dim ", d, " in the shape");
  }
  return {cx.constant(full(*shape, value.reshape({}).item(), value.dtype()))};
}

Outs range(Lowerer& cx) {
  const Tensor s = cx.need_constant(0, "start"), l = cx.need_constant(1, "limit"),
               d = cx.need_constant(2, "delta");
  const Scalar start = s.reshape({}).item(), limit = l.reshape({}).item(),
               delta = d.reshape({}).item();
  if (delta.to<double>() == 0) cx.fail("delta is 0");
  // ceil((limit - start) / delta) elements, as the spec defines (possibly none).
  const double n = std::ceil((limit.to<double>() - start.to<double>()) / delta.to<double>());
  if (n > static_cast<double>(int64_t{1} << 34)) cx.fail("the range holds too many elements");
  if (n <= 0) return {cx.constant(empty({0}, s.dtype()))};
  return {cx.constant(arange(start, limit, delta, s.dtype()))};
}

Outs top_k(Lowerer& cx) {
  int64_t k = cx.attr_int("k", -1);
  ir::Input kin = IValue(k);
  if (cx.opset() >= 10) kin = cx.scalar_in(1);
  return cx.op_n("topk", 2,
                 {cx.in(0), kin, IValue(cx.attr_int("axis", -1)),
                  IValue(cx.attr_int("largest", 1) != 0), IValue(cx.attr_int("sorted", 1) != 0)});
}

Outs cum_sum(Lowerer& cx) {
  Value* x = cx.in(0);
  const bool reverse = cx.attr_int("reverse", 0) != 0;
  const bool exclusive = cx.attr_int("exclusive", 0) != 0;
  const ir::Input axis =
      reverse ? ir::Input(IValue(cx.need_constant(1, "axis").reshape({}).item())) : cx.scalar_in(1);
  ir::Input dim = axis;
  ir::Input dims = IValue();
  if (const auto* lit = std::get_if<IValue>(&axis)) {
    dim = IValue(lit->to_scalar().to<int64_t>());
    dims = IValue(std::vector<int64_t>{lit->to_scalar().to<int64_t>()});
  }
  Value* in = reverse ? cx.op("flip", {x, dims}) : x;
  Value* y = cx.op("cumsum", {in, dim}, {{"dtype", cx.dtype(x) ? IValue(*cx.dtype(x)) : IValue()}});
  if (exclusive) y = cx.op("sub.Tensor", {y, in});
  return {reverse ? cx.op("flip", {y, dims}) : y};
}

Outs trilu(Lowerer& cx) {
  const bool upper = cx.attr_int("upper", 1) != 0;
  ir::Input k = IValue(int64_t{0});
  if (cx.in_opt(1)) k = cx.scalar_in(1);
  return {cx.op(upper ? "triu" : "tril", {cx.in(0), k})};
}

Outs non_zero(Lowerer& cx) {  // ONNX: [rank, count]; PyTorch's nonzero: [count, rank]
  return {cx.op("permute", {cx.op("nonzero", {cx.in(0)}), IValue(std::vector<int64_t>{1, 0})})};
}

Outs arg_reduce(Lowerer& cx, const char* op) {
  Value* x = cx.in(0);
  const int64_t axis = cx.attr_int("axis", 0);
  const bool keep = cx.attr_int("keepdims", 1) != 0;
  if (cx.attr_int("select_last_index", 0) == 0) {
    return {cx.op(op, {x, IValue(axis), IValue(keep)})};
  }
  // The last index of the extreme: the first in the flipped input, mapped back.
  const auto s = cx.static_shape(x);
  if (!s) cx.fail("select_last_index needs the input's static shape");
  const int64_t a = cx.dim_index(axis, *s);
  Value* flipped = cx.op("flip", {x, IValue(std::vector<int64_t>{a})});
  Value* i = cx.op(op, {flipped, IValue(a), IValue(keep)});
  return {cx.op("sub.Tensor", {cx.scalar(static_cast<double>((*s)[a] - 1), DType::Int64), i})};
}

Outs pad(Lowerer& cx) {
  Value* x = cx.in(0);
  std::string mode = cx.attr_string("mode", "constant");
  std::optional<std::vector<int64_t>> pads;
  double value = 0;
  if (cx.opset() < 11) {
    pads = cx.attr_ints("pads", {});
    value = cx.attr_float("value", 0.0f);
  } else {
    pads = cx.need_ints(1, "pads");
    if (cx.in_opt(2)) value = cx.need_constant(2, "constant_value").reshape({}).item().to<double>();
  }
  if (mode == "edge") mode = "replicate";
  if (mode != "constant" && mode != "reflect" && mode != "replicate") {
    cx.fail("unknown mode '", mode, "'");
  }
  const size_t r = pads->size() / 2;
  if (pads->size() % 2 != 0) cx.fail("pads has an odd number of values");
  // ONNX: all begins, then all ends, first dim first; PyTorch: (begin, end) pairs, last dim
  // first, leading dims without padding may be left out.
  std::vector<int64_t> torch_pads;
  for (size_t i = r; i-- > 0;) {
    torch_pads.push_back((*pads)[i]);
    torch_pads.push_back((*pads)[i + r]);
  }
  while (torch_pads.size() > 2 && torch_pads[torch_pads.size() - 1] == 0 &&
         torch_pads[torch_pads.size() - 2] == 0) {
    torch_pads.resize(torch_pads.size() - 2);
  }
  if (mode == "constant")
    return {cx.op("pad", {x, IValue(torch_pads), IValue(mode), IValue(value)})};
  return {cx.op("pad", {x, IValue(torch_pads), IValue(mode)})};
}

// Unique: tessera's unique (sorted, with inverse and counts) of the flattened input, or
// unique_dim along the axis; the first occurrence of each value (slice) found from the
// positions grouped by value, and, when not sorted, everything reordered by first
// occurrence.
Outs unique(Lowerer& cx) {
  Value* x = cx.in(0);
  int64_t axis = 0;  // of the values to reorder
  Outs u;
  if (cx.has_attr("axis")) {
    const int64_t r = cx.need_rank(x, "Unique normalises its axis");
    axis = cx.normalize_axis(cx.attr_int("axis", 0), r);
    u = cx.op_n("unique_dim", 3, {x, IValue(axis), IValue(true), IValue(true), IValue(true)});
  } else {
    Value* flat = cx.op("reshape", {x, IValue(std::vector<int64_t>{-1})});
    u = cx.op_n("unique", 3, {flat, IValue(true), IValue(true), IValue(true)});
  }
  Value *y = u[0], *inverse = u[1], *counts = u[2];
  auto stable_order = [&](Value* v) {
    return cx.op("argsort.stable", {v}, {{"stable", IValue(true)}});
  };
  auto take = [&](Value* v, Value* idx, int64_t dim = 0) {
    return cx.op("index_select", {v, IValue(dim), idx});
  };
  // Positions in order of their value's index, stably; each group starts at the counts'
  // exclusive prefix sum.
  Value* starts = cx.op("sub.Tensor", {cx.op("cumsum", {counts, IValue(int64_t{0})}), counts});
  Value* first = take(stable_order(inverse), starts);
  if (cx.attr_int("sorted", 1) != 0) return {y, first, inverse, counts};
  Value* perm = stable_order(first);  // values by first occurrence
  Value* rank = stable_order(perm);   // the inverse permutation
  return {take(y, perm, axis), take(first, perm), take(rank, inverse), take(counts, perm)};
}

// Each batch row's first sequence_lens[b] steps reversed, the rest kept: a gather along the
// time axis with index len - 1 - t where t < len, t elsewhere (computed at run time).
Outs reverse_sequence(Lowerer& cx) {
  Value* x = cx.in(0);
  const auto xs = cx.static_shape(x);
  if (!xs || xs->size() < 2) cx.fail("the input's static shape (rank 2 or more) is needed");
  const int64_t batch_axis = cx.attr_int("batch_axis", 1), time_axis = cx.attr_int("time_axis", 0);
  if (!((batch_axis == 0 && time_axis == 1) || (batch_axis == 1 && time_axis == 0))) {
    cx.fail("batch_axis and time_axis must be 0 and 1 in some order");
  }
  const int64_t steps = (*xs)[static_cast<size_t>(time_axis)];
  std::vector<int64_t> t_shape{1, 1}, len_shape{1, 1};
  t_shape[static_cast<size_t>(time_axis)] = steps;
  len_shape[static_cast<size_t>(batch_axis)] = -1;
  Value* t = cx.constant(arange(0, steps, 1, DType::Int64).reshape(t_shape));
  Value* len =
      cx.op("reshape", {cx.op("cast", {cx.in(1), IValue(DType::Int64)}), IValue(len_shape)});
  Value* reversed =
      cx.op("sub.Tensor", {cx.op("sub.Tensor", {len, t}), cx.scalar(1, DType::Int64)});
  Value* idx = cx.op("where.self", {cx.op("lt.Tensor", {t, len}), reversed, t});
  // [T, B] or [B, T], with x's trailing dims.
  std::vector<int64_t> idx_shape{(*xs)[0], (*xs)[1]};
  idx_shape.resize(xs->size(), 1);
  idx = cx.op("expand", {cx.op("reshape", {idx, IValue(idx_shape)}), IValue(*xs)});
  return {cx.op("gather", {x, IValue(time_axis), idx})};
}

}  // namespace

TSR_REGISTER {
  register_lowering("ReverseSequence", 10, reverse_sequence);
  register_lowering("Unique", 11, unique);
  register_lowering("Constant", 1, constant);
  register_lowering("Reshape", 1, reshape);
  register_lowering("Flatten", 1, flatten);
  register_lowering("Transpose", 1, transpose);
  register_lowering("Squeeze", 1, squeeze);
  register_lowering("Unsqueeze", 1, unsqueeze);
  register_lowering("Concat", 1, concat);
  register_lowering("Split", 2, split);
  register_lowering("Slice", 1, slice);
  register_lowering("Gather", 1, gather);
  register_lowering("GatherElements", 11, gather_elements);
  register_lowering("GatherND", 11, [](Lowerer& cx) -> Outs {
    return {cx.op("gather_nd", {cx.in(0), cx.in(1), IValue(cx.attr_int("batch_dims", 0))})};
  });
  register_lowering("ScatterND", 11, [](Lowerer& cx) -> Outs {
    return {cx.op("scatter_nd",
                  {cx.in(0), cx.in(1), cx.in(2), IValue(cx.attr_string("reduction", "none"))})};
  });
  register_lowering("ScatterElements", 11, scatter_elements);
  register_lowering("Expand", 8, expand);
  register_lowering("Tile", 6, [](Lowerer& cx) -> Outs {
    return {cx.op("tile", {cx.in(0), ints_input(cx, 1)})};
  });
  register_lowering("Shape", 1, shape);
  register_lowering("Size", 1, size);
  register_lowering("ConstantOfShape", 9, constant_of_shape);
  register_lowering("Range", 11, range);
  register_lowering("TopK", 1, top_k);
  register_lowering("CumSum", 11, cum_sum);
  register_lowering("Trilu", 14, trilu);
  register_lowering("NonZero", 9, non_zero);
  register_lowering("ArgMax", 1, [](Lowerer& cx) { return arg_reduce(cx, "argmax"); });
  register_lowering("ArgMin", 1, [](Lowerer& cx) { return arg_reduce(cx, "argmin"); });
  register_lowering("Pad", 2, pad);
}

}  // namespace tessera::onnx_frontend
