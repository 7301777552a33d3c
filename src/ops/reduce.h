// Reductions as rows: the shared plan of the reduction reference kernels.
#pragma once

#include "ops/elementwise.h"

namespace tessera {

// A reduction seen as M independent rows of K elements: rows is a contiguous [M, K] copy
// of the input with the reduced dims moved last; out_shape is the result's shape.
struct Rows {
  Tensor rows;
  int64_t m = 1, k = 1;
  Shape out_shape;
};

/// The plan of reducing self over dims (all dims when nullopt or empty); throws naming op
/// on a bad or repeated dim.
Rows plan_rows(const Tensor& self, OptionalIntArrayRef dims, bool keepdim, const char* op);

/// Throws IndexError naming op when a reduced dim of self is empty (max, argmax, ...
/// have no identity).
void check_nonempty_reduction(const Tensor& self, OptionalIntArrayRef dims, const char* op);

/// Accumulator of the reference sums: exact wrapping int64 for integers, double for
// reals, complex<double> for complex.
template <typename T>
using sum_acc_t = std::conditional_t<is_complex_v<T>, complex128,
                                     std::conditional_t<std::is_integral_v<T>, int64_t, double>>;

/// A tensor of r.out_shape and dtype out_dtype (of element type Out) whose element i is
/// f(row i, k): row i being r.k contiguous elements of type T.
template <typename Out, typename T, typename F>
Tensor reduce_each_row(const Rows& r, DType out_dtype, Device device, F f) {
  Tensor out = empty(r.out_shape, TensorOptions(out_dtype, device));
  const T* in = static_cast<const T*>(r.rows.data_ptr());
  Out* o = static_cast<Out*>(out.data_ptr());
  for (int64_t i = 0; i < r.m; ++i) o[i] = f(in + i * r.k, r.k);
  return out;
}

/// The rows of self along dim (dim moved last, made contiguous) mapped by
/// f(const T* in, Out* out, k) into a tensor of self's shape and dtype out_dtype: for the
/// ops that transform each row as a whole (cumsum, softmax, ...). A 0-d self is one row of 1.
template <typename Out, typename T, typename F>
Tensor map_rows_along(const Tensor& self, int64_t dim, DType out_dtype, const char* op, F f) {
  const int64_t d = wrap_dim(dim, std::max<int64_t>(self.dim(), 1), op);
  const Tensor moved = self.dim() == 0 ? self.reshape({1}) : self.transpose(d, -1).contiguous();
  Tensor out = empty(moved.sizes(), TensorOptions(out_dtype, self.device()));
  const int64_t k = moved.size(-1);
  const int64_t m = k == 0 ? 0 : moved.numel() / k;
  const T* in = static_cast<const T*>(moved.data_ptr());
  Out* o = static_cast<Out*>(out.data_ptr());
  for (int64_t i = 0; i < m; ++i) f(in + i * k, o + i * k, k);
  if (self.dim() == 0) return out.reshape({});
  return out.transpose(d, -1).contiguous();
}

}  // namespace tessera
