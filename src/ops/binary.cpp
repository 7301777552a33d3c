// add, sub, mul, div (true, floor, trunc), floor_divide, pow, remainder, fmod, atan2,
// maximum, minimum: schemas and reference kernels.
#include <cmath>

#include "api/functions.h"
#include "ops/elementwise.h"
#include "ops/handles.h"

namespace tessera {
namespace ops {
TSR_OP(add, "add.Tensor(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor")
TSR_OP(sub, "sub.Tensor(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor")
TSR_OP(mul, "mul.Tensor(Tensor self, Tensor other) -> Tensor")
TSR_OP(div, "div.Tensor_mode(Tensor self, Tensor other, *, str? rounding_mode=None) -> Tensor")
TSR_OP(pow, "pow.Tensor_Tensor(Tensor self, Tensor exponent) -> Tensor")
TSR_OP(remainder, "remainder.Tensor(Tensor self, Tensor other) -> Tensor")
TSR_OP(fmod, "fmod.Tensor(Tensor self, Tensor other) -> Tensor")
TSR_OP(atan2, "atan2(Tensor self, Tensor other) -> Tensor")
TSR_OP(maximum, "maximum(Tensor self, Tensor other) -> Tensor")
TSR_OP(minimum, "minimum(Tensor self, Tensor other) -> Tensor")
}  // namespace ops
using namespace ops;

namespace {

// PyTorch's alpha_check.
template <typename T>
void check_alpha(const Scalar& alpha, const char* op) {
  constexpr DType d = dtype_of<T>;
  TSR_CHECK_AS(TypeError, !alpha.is_bool() || d == DType::Bool, op,
               ": boolean alpha only supported for boolean results");
  TSR_CHECK_AS(TypeError, is_floating(d) || is_complex(d) || alpha.is_integral() || alpha.is_bool(),
               op,
               ": for integral input tensors, argument alpha must not be a floating point number");
  TSR_CHECK_AS(TypeError, is_complex(d) || !alpha.is_complex(), op,
               ": complex alpha only supported for complex results");
}

template <typename T>
Tensor add_kernel(const Tensor& a, const Tensor& b, const Scalar& alpha) {
  check_alpha<T>(alpha, "add");
  using C = compute_t<T>;
  if (alpha == Scalar(int64_t{1}) || alpha == Scalar(true)) {
    if constexpr (std::is_same_v<T, bool>) {
      return binary_map<T, T>(a, b, "add", [](bool x, bool y) { return x || y; });
    } else {
      return binary_map<T, T>(a, b, "add", [](T x, T y) { return T(arith::add<C>(C(x), C(y))); });
    }
  }
  const C al = alpha.to<C>();
  return binary_map<T, T>(a, b, "add", [al](T x, T y) {
    if constexpr (std::is_same_v<T, bool>) {
      return x || (al && y);
    } else {
      return T(arith::add<C>(C(x), arith::mul<C>(al, C(y))));
    }
  });
}

template <typename T>
Tensor sub_kernel(const Tensor& a, const Tensor& b, const Scalar& alpha) {
  TSR_CHECK_AS(
      TypeError, !(a.dtype() == DType::Bool && b.dtype() == DType::Bool),
      "sub: subtraction, the `-` operator, with two bool tensors is not supported; use the `^` or "
      "logical_xor() operator instead");
  TSR_CHECK_AS(TypeError, a.dtype() != DType::Bool && b.dtype() != DType::Bool,
               "sub: subtraction, the `-` operator, with a bool tensor is not supported; if you "
               "are trying to invert "
               "a mask, use the `~` or logical_not() operator instead");
  check_alpha<T>(alpha, "sub");
  using C = compute_t<T>;
  const C al = alpha.to<C>();
  return binary_map<T, T>(
      a, b, "sub", [al](T x, T y) { return T(arith::sub<C>(C(x), arith::mul<C>(al, C(y)))); });
}

template <typename T>
Tensor mul_kernel(const Tensor& a, const Tensor& b) {
  using C = compute_t<T>;
  if constexpr (std::is_same_v<T, bool>) {
    return binary_map<T, T>(a, b, "mul", [](bool x, bool y) { return x && y; });
  } else {
    return binary_map<T, T>(a, b, "mul", [](T x, T y) { return T(arith::mul<C>(C(x), C(y))); });
  }
}

// Python's floor division for floats, as PyTorch computes it (exact for representable quotients).
template <typename C>
C div_floor_floating(C a, C b) {
  if (b == 0) return a / b;
  const C mod = std::fmod(a, b);
  C div = (a - mod) / b;
  if (mod != 0 && (b < 0) != (mod < 0)) div -= C(1);
  if (div == 0) return std::copysign(C(0), a / b);
  C floordiv = std::floor(div);
  if (div - floordiv > C(0.5)) floordiv += C(1);
  return floordiv;
}

template <typename T>
T div_integer(T a, T b, bool floor) {
  TSR_CHECK(b != 0, "div: ZeroDivisionError (integer division by zero)");
  if constexpr (std::is_signed_v<T>) {
    if (b == -1) return arith::sub<T>(T(0), a);  // avoids the overflow of INT_MIN / -1
  }
  const T q = static_cast<T>(a / b);
  if (floor && ((a < 0) != (b < 0)) && static_cast<T>(a % b) != 0) return static_cast<T>(q - 1);
  return q;
}

template <typename T>
Tensor div_kernel(const Tensor& a, const Tensor& b, std::optional<std::string_view> mode) {
  if (!mode) {
    // True division: integers divide as the default float dtype.
    using C = std::conditional_t<std::is_integral_v<T>, float, compute_t<T>>;
    using Out = std::conditional_t<std::is_integral_v<T>, float, T>;
    return binary_map<Out, std::conditional_t<std::is_integral_v<T>, float, T>>(
        a, b, "div", [](auto x, auto y) { return Out(C(x) / C(y)); });
  }
  const bool floor = *mode == "floor";
  TSR_CHECK(floor || *mode == "trunc",
            "div: expected rounding_mode to be one of None, 'trunc', or 'floor' but found '", *mode,
            "'");
  if constexpr (is_complex_v<T> || std::is_same_v<T, bool>) {
    detail::throw_error<TypeError>("div: rounding_mode='", *mode, "' is not supported for ",
                                   dtype_of<T>, " tensors");
  } else if constexpr (std::is_integral_v<T>) {
    return binary_map<T, T>(a, b, "div", [floor](T x, T y) { return div_integer<T>(x, y, floor); });
  } else {
    using C = compute_t<T>;
    // The quotient is rounded to T before truncation, as PyTorch's reduced-precision
    // arithmetic does (bfloat16 49.6 / 1 is 50, whose trunc is 50).
    return binary_map<T, T>(a, b, "div", [floor](T x, T y) {
      return T(floor ? div_floor_floating<C>(C(x), C(y)) : std::trunc(C(T(C(x) / C(y)))));
    });
  }
}

// Integer power by squaring, with PyTorch's answers for negative exponents.
template <typename T>
T pow_integer(T base, T exp) {
  if constexpr (std::is_signed_v<T>) {
    if (exp < 0) {
      if (base == 1) return 1;
      if (base == -1) return (exp & 1) ? T(-1) : T(1);
      return 0;
    }
  }
  T result = 1;
  while (exp) {
    if (exp & 1) result = arith::mul<T>(result, base);
    exp = static_cast<T>(exp >> 1);
    base = arith::mul<T>(base, base);
  }
  return result;
}

template <typename T>
Tensor pow_kernel(const Tensor& a, const Tensor& b) {
  if constexpr (std::is_same_v<T, bool>) {
    return binary_map<T, T>(a, b, "pow", [](bool x, bool y) { return x || !y; });
  } else if constexpr (std::is_integral_v<T>) {
    return binary_map<T, T>(a, b, "pow", [](T x, T y) { return pow_integer<T>(x, y); });
  } else {
    using C = compute_t<T>;
    return binary_map<T, T>(a, b, "pow", [](T x, T y) { return T(std::pow(C(x), C(y))); });
  }
}

// remainder: the result has the divisor's sign (Python's %); fmod: the dividend's (C's).
template <typename T>
Tensor remainder_kernel(const Tensor& a, const Tensor& b, bool python) {
  const char* op = python ? "remainder" : "fmod";
  if constexpr (std::is_integral_v<T>) {
    return binary_map<T, T>(a, b, op, [python](T x, T y) {
      TSR_CHECK(y != 0, python ? "remainder" : "fmod",
                ": ZeroDivisionError (integer modulo by zero)");
      if constexpr (std::is_signed_v<T>) {
        if (y == -1) return T(0);  // avoids the overflow of INT_MIN % -1
      }
      T r = static_cast<T>(x % y);
      if (python && r != 0 && ((r < 0) != (y < 0))) r = static_cast<T>(r + y);
      return r;
    });
  } else {
    using C = compute_t<T>;
    return binary_map<T, T>(a, b, op, [python](T x, T y) {
      C r = std::fmod(C(x), C(y));
      if (python && r != 0 && ((r < 0) != (C(y) < 0))) r += C(y);
      return T(r);
    });
  }
}

template <typename T>
Tensor atan2_kernel(const Tensor& a, const Tensor& b) {
  if constexpr (std::is_integral_v<T>) {
    return binary_map<float, float>(a, b, "atan2",
                                    [](float x, float y) { return std::atan2(x, y); });
  } else {
    using C = compute_t<T>;
    return binary_map<T, T>(a, b, "atan2", [](T x, T y) { return T(std::atan2(C(x), C(y))); });
  }
}

// maximum / minimum: NaN wins, as in torch.maximum.
template <typename T, bool kMax>
Tensor extreme_kernel(const Tensor& a, const Tensor& b) {
  using C = compute_t<T>;
  return binary_map<T, T>(a, b, kMax ? "maximum" : "minimum", [](T x, T y) {
    const C cx(x), cy(y);
    if (cx != cx) return x;
    if (cy != cy) return y;
    return (kMax ? cx > cy : cx < cy) ? x : y;
  });
}

}  // namespace

TSR_REGISTER {
  impl_for(add_op(), kBackendReference, AllDTypes{}, []<typename T>() { return &add_kernel<T>; });
  impl_for(sub_op(), kBackendReference, AllDTypes{}, []<typename T>() { return &sub_kernel<T>; });
  impl_for(mul_op(), kBackendReference, AllDTypes{}, []<typename T>() { return &mul_kernel<T>; });
  impl_for(div_op(), kBackendReference, AllDTypes{}, []<typename T>() { return &div_kernel<T>; });
  impl_for(pow_op(), kBackendReference, AllDTypes{}, []<typename T>() { return &pow_kernel<T>; });
  using Numbers = dtypes_of<DTypeCategory::Integer, DTypeCategory::Floating>;
  impl_for(remainder_op(), kBackendReference, Numbers{}, []<typename T>() {
    return +[](const Tensor& a, const Tensor& b) { return remainder_kernel<T>(a, b, true); };
  });
  impl_for(fmod_op(), kBackendReference, Numbers{}, []<typename T>() {
    return +[](const Tensor& a, const Tensor& b) { return remainder_kernel<T>(a, b, false); };
  });
  impl_for(atan2_op(), kBackendReference, RealDTypes{},
           []<typename T>() { return &atan2_kernel<T>; });
  // Complex numbers have no order: maximum and minimum register real dtypes only.
  impl_for(maximum_op(), kBackendReference, RealDTypes{},
           []<typename T>() { return &extreme_kernel<T, true>; });
  impl_for(minimum_op(), kBackendReference, RealDTypes{},
           []<typename T>() { return &extreme_kernel<T, false>; });
}

Tensor wrapped_scalar(const Scalar& s) {
  Tensor t = scalar_tensor(s, s.dtype());
  t.impl()->wrapped_number = true;
  return t;
}

Tensor add(const Tensor& self, const Tensor& other, const Scalar& alpha) {
  static const auto op = add_op().typed<Tensor(const Tensor&, const Tensor&, const Scalar&)>();
  return op.call(self, other, alpha);
}
Tensor sub(const Tensor& self, const Tensor& other, const Scalar& alpha) {
  static const auto op = sub_op().typed<Tensor(const Tensor&, const Tensor&, const Scalar&)>();
  return op.call(self, other, alpha);
}
Tensor mul(const Tensor& self, const Tensor& other) {
  static const auto op = mul_op().typed<Tensor(const Tensor&, const Tensor&)>();
  return op.call(self, other);
}
Tensor div(const Tensor& self, const Tensor& other, std::optional<std::string_view> rounding_mode) {
  static const auto op =
      div_op().typed<Tensor(const Tensor&, const Tensor&, std::optional<std::string_view>)>();
  return op.call(self, other, rounding_mode);
}
Tensor floor_divide(const Tensor& self, const Tensor& other) {
  return div(self, other, "floor");
}
Tensor pow(const Tensor& self, const Tensor& exponent) {
  static const auto op = pow_op().typed<Tensor(const Tensor&, const Tensor&)>();
  return op.call(self, exponent);
}
TSR_BINARY_API(remainder)
TSR_BINARY_API(fmod)
TSR_BINARY_API(atan2)
TSR_BINARY_API(maximum)
TSR_BINARY_API(minimum)

Tensor add(const Tensor& self, const Scalar& other, const Scalar& alpha) {
  return add(self, wrapped_scalar(other), alpha);
}
Tensor sub(const Tensor& self, const Scalar& other, const Scalar& alpha) {
  return sub(self, wrapped_scalar(other), alpha);
}
Tensor mul(const Tensor& self, const Scalar& other) {
  return mul(self, wrapped_scalar(other));
}
Tensor div(const Tensor& self, const Scalar& other) {
  return div(self, wrapped_scalar(other));
}
Tensor pow(const Tensor& self, const Scalar& exponent) {
  TSR_CHECK(
      !(is_integral(self.dtype(), true) && exponent.is_integral() && exponent.to<int64_t>() < 0),
      "pow: integers to negative integer powers are not allowed");
  return pow(self, wrapped_scalar(exponent));
}

}  // namespace tessera
