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

}  // namespace tessera
