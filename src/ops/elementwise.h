// Helpers shared by the reference kernels: broadcasting, casting inputs, and element maps.
#pragma once

#include <array>
#include <cstring>
#include <limits>
#include <type_traits>

#include "core/convert.h"
#include "core/factories.h"
#include "core/parallel.h"
#include "core/strided_loop.h"
#include "dispatch/registration.h"

namespace tessera {

/// The broadcast of two shapes, as torch.broadcast_shapes; throws naming op on mismatch.
Shape broadcast_shapes(IntArrayRef a, IntArrayRef b, const char* op);
/// Byte strides that read t as if expanded to shape (stride 0 on broadcast dims).
Shape broadcast_byte_strides(const Tensor& t, IntArrayRef shape);
/// t itself when it has dtype d, else a converted copy.
Tensor cast_if_needed(const Tensor& t, DType d);
/// The device an op's output goes to: the first input's, unless that is a 0-d cpu tensor
/// mixed with tensors of another device (see Note [Dispatch]).
Device output_device(std::initializer_list<const Tensor*> inputs);

/// Integer arithmetic that wraps on overflow (as PyTorch's kernels do in practice)
/// instead of being undefined behaviour; other types use the plain operators.
namespace arith {
template <typename T>
T add(T a, T b) {
  if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(a) + static_cast<U>(b));
  } else {
    return a + b;
  }
}
template <typename T>
T sub(T a, T b) {
  if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(a) - static_cast<U>(b));
  } else {
    return a - b;
  }
}
template <typename T>
T mul(T a, T b) {
  if constexpr (std::is_integral_v<T> && std::is_signed_v<T> && sizeof(T) >= sizeof(int)) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(a) * static_cast<U>(b));
  } else {
    return static_cast<T>(a * b);
  }
}
}  // namespace arith

/// Whether x is not zero (a complex number: either part), as its truth value in PyTorch.
template <typename T>
bool is_nonzero(T x) {
  if constexpr (is_complex_v<T>) {
    return x.real() != 0 || x.imag() != 0;
  } else {
    return compute_t<T>(x) != compute_t<T>(0);
  }
}

/// value as T, throwing (as PyTorch's checked_convert) when it is out of an integer T's range.
template <typename T>
T checked_convert(const Scalar& value, const char* op) {
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    if (!value.is_complex()) {
      const double d = value.to<double>();
      TSR_CHECK(
          d >= double(std::numeric_limits<T>::min()) && d <= double(std::numeric_limits<T>::max()),
          op, ": value ", value, " cannot be converted to ", dtype_of<T>, " without overflow");
    }
  }
  return value.to<T>();
}

namespace detail {

// Runs f over N inputs (all of element type In, already of the output's broadcast shape
// through their strides) into out (element type Out).
template <typename Out, typename In, size_t N, typename F>
void map_into(const Tensor& out, const std::array<const Tensor*, N>& ins, F&& f) {
  std::array<Shape, N + 1> strides;
  std::array<StridedOperand, N + 1> ops;
  strides[0] = byte_strides(out.strides(), sizeof(Out));
  ops[0] = {static_cast<char*>(out.data_ptr()), strides[0]};
  for (size_t i = 0; i < N; ++i) {
    strides[i + 1] = broadcast_byte_strides(*ins[i], out.sizes());
    ops[i + 1] = {static_cast<char*>(ins[i]->data_ptr()), strides[i + 1]};
  }
  strided_loop<N + 1>(
      out.sizes(), ops,
      [&](const std::array<char*, N + 1>& p, const std::array<int64_t, N + 1>& s, int64_t n) {
        bool contiguous = s[0] == static_cast<int64_t>(sizeof(Out));
        for (size_t i = 1; i <= N; ++i)
          contiguous = contiguous && s[i] == static_cast<int64_t>(sizeof(In));
        auto* o = reinterpret_cast<Out*>(p[0]);
        if (contiguous) {
          std::array<const In*, N> in;
          for (size_t i = 0; i < N; ++i) in[i] = reinterpret_cast<const In*>(p[i + 1]);
          for (int64_t j = 0; j < n; ++j) {
            o[j] = [&]<size_t... I>(std::index_sequence<I...>) {
              return f(in[I][j]...);
            }
            (std::make_index_sequence<N>{});
          }
          return;
        }
        for (int64_t j = 0; j < n; ++j) {
          *reinterpret_cast<Out*>(p[0] + j * s[0]) = [&]<size_t... I>(std::index_sequence<I...>) {
            return f(*reinterpret_cast<const In*>(p[I + 1] + j * s[I + 1])...);
          }
          (std::make_index_sequence<N>{});
        }
      });
}

}  // namespace detail

/// out = f(a) elementwise; a is converted to In first, out has element type Out.
/// Contiguous inputs are split over the intra-op threads (elements are independent, so the
/// result does not depend on the thread count).
template <typename Out, typename In, typename F>
Tensor unary_map(const Tensor& a, F&& f) {
  const Tensor ac = cast_if_needed(a, dtype_of<In>);
  Tensor out = empty(a.sizes(), TensorOptions(dtype_of<Out>, a.device()));
  if (ac.is_contiguous()) {
    const In* x = static_cast<const In*>(ac.data_ptr());
    Out* o = static_cast<Out*>(out.data_ptr());
    parallel_for(0, ac.numel(), kGrainSize, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) o[i] = f(x[i]);
    });
    return out;
  }
  detail::map_into<Out, In, 1>(out, {&ac}, f);
  return out;
}

/// out = f(a, b) elementwise with broadcasting; inputs converted to In, out of type Out.
template <typename Out, typename In, typename F>
Tensor binary_map(const Tensor& a, const Tensor& b, const char* op, F&& f) {
  // Fast path: same shape, contiguous, already of type In.
  if (a.dtype() == dtype_of<In> && b.dtype() == dtype_of<In> && a.sizes().equals(b.sizes()) &&
      a.is_contiguous() && b.is_contiguous()) {
    Tensor out = empty(a.sizes(), TensorOptions(dtype_of<Out>, output_device({&a, &b})));
    const In* x = static_cast<const In*>(a.data_ptr());
    const In* y = static_cast<const In*>(b.data_ptr());
    Out* o = static_cast<Out*>(out.data_ptr());
    parallel_for(0, a.numel(), kGrainSize, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) o[i] = f(x[i], y[i]);
    });
    return out;
  }
  const Shape shape = broadcast_shapes(a.sizes(), b.sizes(), op);
  const Tensor ac = cast_if_needed(a, dtype_of<In>);
  const Tensor bc = cast_if_needed(b, dtype_of<In>);
  Tensor out = empty(shape, TensorOptions(dtype_of<Out>, output_device({&a, &b})));
  detail::map_into<Out, In, 2>(out, {&ac, &bc}, f);
  return out;
}

/// out = f(a, b, c) elementwise with broadcasting; inputs converted to In, out of type Out.
template <typename Out, typename In, typename F>
Tensor ternary_map(const Tensor& a, const Tensor& b, const Tensor& c, const char* op, F&& f) {
  const Shape shape = broadcast_shapes(broadcast_shapes(a.sizes(), b.sizes(), op), c.sizes(), op);
  const Tensor ac = cast_if_needed(a, dtype_of<In>);
  const Tensor bc = cast_if_needed(b, dtype_of<In>);
  const Tensor cc = cast_if_needed(c, dtype_of<In>);
  Tensor out = empty(shape, TensorOptions(dtype_of<Out>, output_device({&a, &b, &c})));
  detail::map_into<Out, In, 3>(out, {&ac, &bc, &cc}, f);
  return out;
}

}  // namespace tessera
