// result_type: the dtype PyTorch's promotion gives a mix of tensors and numbers.
#pragma once

#include <optional>

#include "core/tensor.h"

namespace tessera {

// Note [Result type]
// As torch.result_type: operands fall in three priority classes — tensors with at least
// one dimension, 0-d tensors, and wrapped numbers (C++ or Python scalars, held as 0-d
// tensors marked wrapped_number). A lower class changes the result only when its
// category (bool < integer < floating < complex) is higher; a wrapped float counts as
// the default float dtype, a wrapped complex as the default complex dtype. So int32
// tensor + 2.5 is float32, float16 tensor + float64 0-d tensor is float16, and
// int8 tensor + 1000 is int8.
class ResultTypeState {
 public:
  void update(const Tensor& t);
  void update(DType dtype, int64_t dim, bool wrapped_number);
  /// The combined dtype; nullopt if no operand was seen.
  std::optional<DType> result() const;

 private:
  std::optional<DType> dim_, zero_, wrapped_;
};

/// torch.result_type over tensors (undefined ones are skipped).
DType result_type(std::initializer_list<Tensor> tensors);

}  // namespace tessera
