// Tensor factories: empty, zeros, ones, full, arange, linspace, eye, rand, randn, from_blob.
#pragma once

#include <functional>
#include <optional>

#include "core/generator.h"
#include "core/tensor.h"

namespace tessera {

/// dtype and device of a new tensor. An unset dtype means the factory's default
/// (float32, or what the fill value implies, as in PyTorch).
struct TensorOptions {
  std::optional<DType> dtype;
  Device device;
  TensorOptions() = default;
  TensorOptions(DType d) : dtype(d) {}  // NOLINT: implicit, so zeros({2}, DType::Int32) reads well
  TensorOptions(Device dev) : device(dev) {}  // NOLINT
  TensorOptions(DType d, Device dev) : dtype(d), device(dev) {}
};

/// Uninitialised memory.
Tensor empty(IntArrayRef sizes, TensorOptions opts = {});
Tensor empty_strided(IntArrayRef sizes, IntArrayRef strides, TensorOptions opts = {});
Tensor empty_like(const Tensor& t);
Tensor zeros(IntArrayRef sizes, TensorOptions opts = {});
Tensor ones(IntArrayRef sizes, TensorOptions opts = {});
/// Every element value; the dtype defaults to value's category (bool, int64, float32, complex64).
Tensor full(IntArrayRef sizes, const Scalar& value, TensorOptions opts = {});
/// A 0-d tensor holding value, dtype as full().
Tensor scalar_tensor(const Scalar& value, TensorOptions opts = {});
/// start, start+step, ... below end; int64 when all three are integers, else float32.
Tensor arange(const Scalar& end, TensorOptions opts = {});
Tensor arange(const Scalar& start, const Scalar& end, const Scalar& step = 1,
              TensorOptions opts = {});
/// steps points from start to end inclusive.
Tensor linspace(const Scalar& start, const Scalar& end, int64_t steps, TensorOptions opts = {});
/// n x m with ones on the diagonal (m defaults to n).
Tensor eye(int64_t n, std::optional<int64_t> m = std::nullopt, TensorOptions opts = {});
/// Uniform on [0, 1); floating and complex dtypes.
Tensor rand(IntArrayRef sizes, TensorOptions opts = {}, Generator* gen = nullptr);
/// Standard normal; complex dtypes get real and imaginary parts of variance 1/2 each.
Tensor randn(IntArrayRef sizes, TensorOptions opts = {}, Generator* gen = nullptr);
/// A tensor over memory the caller owns; deleter (may be empty) runs when the last view dies.
/// strides default to contiguous; the memory must hold every element the layout reaches.
Tensor from_blob(void* data, IntArrayRef sizes, DType dtype,
                 std::optional<IntArrayRef> strides = std::nullopt,
                 std::function<void(void*)> deleter = {}, Device device = Device());

/// A 1-D tensor copied from values, e.g. tensor<float>({1, 2, 3}).
template <typename T>
Tensor tensor(std::initializer_list<T> values) {
  Tensor t = empty({static_cast<int64_t>(values.size())}, dtype_of<T>);
  T* p = t.data<T>();
  for (const T& v : values) *p++ = v;
  return t;
}

}  // namespace tessera
