// PyTorch's result-type computation. See Note [Result type].
#include "dispatch/result_type.h"

namespace tessera {
namespace {

std::optional<DType> promote_opt(std::optional<DType> a, std::optional<DType> b) {
  if (!a) return b;
  if (!b) return a;
  return promote_types(*a, *b);
}

std::optional<DType> combine_categories(std::optional<DType> higher, std::optional<DType> lower) {
  if (higher && is_complex(*higher)) return higher;
  if (lower && is_complex(*lower)) {
    // Keep the higher class's precision when it is floating.
    if (higher && is_floating(*higher)) return to_complex(*higher);
    return lower;
  }
  if (higher && is_floating(*higher)) return higher;
  if ((higher && *higher == DType::Bool) || (lower && is_floating(*lower)))
    return promote_opt(higher, lower);
  if (higher) return higher;
  return lower;
}

}  // namespace

void ResultTypeState::update(DType dtype, int64_t dim, bool wrapped_number) {
  if (wrapped_number) {
    if (is_complex(dtype)) {
      dtype = to_complex(kDefaultFloat);
    } else if (is_floating(dtype)) {
      dtype = kDefaultFloat;
    }
  }
  if (dim > 0) {
    dim_ = promote_opt(dim_, dtype);
  } else if (wrapped_number) {
    wrapped_ = promote_opt(wrapped_, dtype);
  } else {
    zero_ = promote_opt(zero_, dtype);
  }
}

void ResultTypeState::update(const Tensor& t) {
  if (t.defined()) update(t.dtype(), t.dim(), t.is_wrapped_number());
}

std::optional<DType> ResultTypeState::result() const {
  return combine_categories(dim_, combine_categories(zero_, wrapped_));
}

DType result_type(std::initializer_list<Tensor> tensors) {
  ResultTypeState s;
  for (const Tensor& t : tensors) s.update(t);
  return s.result().value_or(kDefaultFloat);
}

}  // namespace tessera
