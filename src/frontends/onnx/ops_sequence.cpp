// ONNX sequences and optionals, resolved at import. See Note [Sequences at import].
#include "core/factories.h"
#include "dispatch/registration.h"
#include "frontends/onnx/lower.h"

namespace tessera::onnx_frontend {
namespace {

using ir::Value;
using Outs = std::vector<Value*>;

// Note [Sequences at import]
// A sequence is, while importing, the list of IR values it holds; an optional is what it
// holds or nothing (Symbol). The sequence ops rearrange those lists, so they leave no
// nodes behind, and what reads the elements is plain tensor ops. That needs the list's
// length at import: sequences made in the graph have it, and a sequence graph input has
// the length the Session was given (it plans once per length and presence of such inputs;
// each element is an input of its own). Positions (SequenceAt, SequenceInsert,
// SequenceErase) must be known at import the same way as other needed constants.

// A position in [-n, n] (insert: end inclusive) or [-n, n) (at, erase), normalised.
int64_t position(Lowerer& cx, int input, int64_t n, bool end_ok) {
  int64_t p = cx.need_constant(input, "position").reshape({}).item().to<int64_t>();
  const int64_t hi = end_ok ? n : n - 1;
  if (p < -n || p > hi) cx.fail("position ", p, " is out of range for a sequence of ", n);
  return p < 0 ? p + n : p;
}

Outs sequence_construct(Lowerer& cx) {
  std::vector<Value*> items;
  for (int i = 0; i < cx.num_inputs(); ++i) items.push_back(cx.in(i));
  cx.set_outputs({Symbol::of_sequence(std::move(items))});
  return {};
}

Outs sequence_insert(Lowerer& cx) {
  std::vector<Value*> items = cx.sequence_in(0);
  const auto n = static_cast<int64_t>(items.size());
  const int64_t p = cx.in_opt(2) ? position(cx, 2, n, true) : n;
  items.insert(items.begin() + p, cx.in(1));
  cx.set_outputs({Symbol::of_sequence(std::move(items))});
  return {};
}

Outs sequence_erase(Lowerer& cx) {
  std::vector<Value*> items = cx.sequence_in(0);
  const auto n = static_cast<int64_t>(items.size());
  if (n == 0) cx.fail("erasing from an empty sequence");
  const int64_t p = cx.in_opt(1) ? position(cx, 1, n, false) : n - 1;
  items.erase(items.begin() + p);
  cx.set_outputs({Symbol::of_sequence(std::move(items))});
  return {};
}

Outs sequence_at(Lowerer& cx) {
  const std::vector<Value*>& items = cx.sequence_in(0);
  return {items[static_cast<size_t>(position(cx, 1, static_cast<int64_t>(items.size()), false))]};
}

Outs split_to_sequence(Lowerer& cx) {
  Value* x = cx.in(0);
  const auto xs = cx.static_shape(x);
  if (!xs) cx.fail("the input's static shape is needed");
  const int64_t axis = cx.dim_index(cx.attr_int("axis", 0), *xs);
  const int64_t len = (*xs)[static_cast<size_t>(axis)];
  std::vector<int64_t> sizes;
  bool squeeze = false;
  if (len > (int64_t{1} << 16)) cx.fail("splitting a dim of more than 65536");
  if (cx.in_opt(1) == nullptr) {  // pieces of 1, squeezed unless keepdims
    sizes.assign(static_cast<size_t>(len), 1);
    squeeze = cx.attr_int("keepdims", 1) == 0;
  } else {
    const Tensor s = cx.need_constant(1, "split").to(DType::Int64).contiguous();
    const auto* p = static_cast<const int64_t*>(s.data_ptr());
    if (s.dim() == 0) {  // pieces of this size, the last one smaller
      if (p[0] <= 0) cx.fail("split must be positive");
      for (int64_t at = 0; at < len; at += p[0]) sizes.push_back(std::min(p[0], len - at));
    } else {
      sizes.assign(p, p + s.numel());
    }
  }
  if (sizes.size() > (size_t{1} << 16)) cx.fail("splitting into more than 65536 pieces");
  std::vector<Value*> items;
  if (!sizes.empty()) {
    items = cx.op_n("split_with_sizes", static_cast<int>(sizes.size()),
                    {x, IValue(sizes), IValue(axis)});
  }
  if (squeeze) {
    for (Value*& v : items) v = cx.op("squeeze.dim", {v, IValue(axis)});
  }
  cx.set_outputs({Symbol::of_sequence(std::move(items))});
  return {};
}

Outs concat_from_sequence(Lowerer& cx) {
  const std::vector<Value*>& items = cx.sequence_in(0);
  if (items.empty()) cx.fail("concatenating an empty sequence");
  if (!cx.has_attr("axis")) cx.fail("attribute 'axis' is required");
  const IValue axis(cx.attr_int("axis", 0));
  return {cx.op(cx.attr_int("new_axis", 0) != 0 ? "stack" : "cat", {items, axis})};
}

// The body applied to each element of the sequence inputs (in step) with the other inputs
// as they are; each output a sequence of the body's results.
Outs sequence_map(Lowerer& cx) {
  const size_t n = cx.sequence_in(0).size();
  for (int i = 1; i < cx.num_inputs(); ++i) {
    const Symbol& s = cx.symbol(i);
    if (s.sequence && s.sequence->size() != n) cx.fail("input sequences differ in length");
  }
  std::vector<std::vector<Value*>> outs(static_cast<size_t>(cx.num_outputs()));
  for (size_t k = 0; k < n; ++k) {
    std::vector<Symbol> ins;
    for (int i = 0; i < cx.num_inputs(); ++i) {
      const Symbol& s = cx.symbol(i);
      if (s.sequence) {  // each iteration takes one element of each sequence
        ins.emplace_back((*s.sequence)[k]);
      } else {
        ins.push_back(s);
      }
    }
    const std::vector<Symbol> r = cx.lower_subgraph("body", ins);
    if (r.size() != outs.size())
      cx.fail("the body returns ", r.size(), " values, not ", outs.size());
    for (size_t j = 0; j < r.size(); ++j) {
      if (r[j].tensor == nullptr) cx.fail("the body's output ", j, " must be a tensor");
      outs[j].push_back(r[j].tensor);
    }
  }
  std::vector<Symbol> result;
  for (auto& o : outs) result.push_back(Symbol::of_sequence(std::move(o)));
  cx.set_outputs(std::move(result));
  return {};
}

Outs optional(Lowerer& cx) {
  cx.set_outputs(
      {cx.num_inputs() > 0 && cx.symbol(0).defined() ? cx.symbol(0) : Symbol::empty_optional()});
  return {};
}

Outs optional_has_element(Lowerer& cx) {
  const Symbol& s = cx.symbol(0);
  const bool has = s.defined() && !s.none;
  return {cx.constant(scalar_tensor(has, DType::Bool))};
}

Outs optional_get_element(Lowerer& cx) {
  const Symbol& s = cx.symbol(0);
  if (!s.defined() || s.none) cx.fail("the optional is empty");
  cx.set_outputs({s});
  return {};
}

}  // namespace

TSR_REGISTER {
  register_lowering("SequenceEmpty", 11, [](Lowerer& cx) -> Outs {
    cx.set_outputs({Symbol::of_sequence({})});
    return {};
  });
  register_lowering("SequenceConstruct", 11, sequence_construct);
  register_lowering("SequenceInsert", 11, sequence_insert);
  register_lowering("SequenceErase", 11, sequence_erase);
  register_lowering("SequenceAt", 11, sequence_at);
  register_lowering("SequenceLength", 11, [](Lowerer& cx) -> Outs {
    return {
        cx.constant(scalar_tensor(static_cast<int64_t>(cx.sequence_in(0).size()), DType::Int64))};
  });
  register_lowering("SplitToSequence", 11, split_to_sequence);
  register_lowering("ConcatFromSequence", 11, concat_from_sequence);
  register_lowering("SequenceMap", 17, sequence_map);
  register_lowering("Optional", 15, optional);
  register_lowering("OptionalHasElement", 15, optional_has_element);
  register_lowering("OptionalGetElement", 15, optional_get_element);
}

}  // namespace tessera::onnx_frontend
