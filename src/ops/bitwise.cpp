// logical_and/or/xor (any dtype, giving bool), bitwise_and/or/xor (bool and integers) and
// the bit shifts (integers): schemas and reference kernels.
#include "api/functions.h"
#include "ops/elementwise.h"
#include "ops/handles.h"

namespace tessera {
namespace ops {
TSR_OP(logical_and, "logical_and(Tensor self, Tensor other) -> Tensor")
TSR_OP(logical_or, "logical_or(Tensor self, Tensor other) -> Tensor")
TSR_OP(logical_xor, "logical_xor(Tensor self, Tensor other) -> Tensor")
TSR_OP(bitwise_and, "bitwise_and.Tensor(Tensor self, Tensor other) -> Tensor")
TSR_OP(bitwise_or, "bitwise_or.Tensor(Tensor self, Tensor other) -> Tensor")
TSR_OP(bitwise_xor, "bitwise_xor.Tensor(Tensor self, Tensor other) -> Tensor")
TSR_OP(bitwise_left_shift, "bitwise_left_shift.Tensor(Tensor self, Tensor other) -> Tensor")
TSR_OP(bitwise_right_shift, "bitwise_right_shift.Tensor(Tensor self, Tensor other) -> Tensor")
}  // namespace ops
using namespace ops;

namespace {

template <typename T, typename F>
Tensor logical(const Tensor& a, const Tensor& b, const char* op, F f) {
  return binary_map<bool, T>(a, b, op, [f](T x, T y) { return f(is_nonzero(x), is_nonzero(y)); });
}

template <typename T, typename F>
Tensor bitwise(const Tensor& a, const Tensor& b, const char* op, F f) {
  return binary_map<T, T>(a, b, op, [f](T x, T y) { return static_cast<T>(f(x, y)); });
}

// Shifts by a negative amount or by the width or more: 0 to the left; to the right, what
// shifting out every value bit gives (0, or -1 for negative signed values), as PyTorch.
template <typename T>
T shift_left(T a, T b) {
  using U = std::make_unsigned_t<T>;
  if (static_cast<std::make_signed_t<T>>(b) < 0 || b >= static_cast<T>(sizeof(T) * 8)) return 0;
  return static_cast<T>(static_cast<U>(a) << b);
}
template <typename T>
T shift_right(T a, T b) {
  constexpr int kMax = static_cast<int>(sizeof(T) * 8) - (std::is_signed_v<T> ? 1 : 0);
  if (static_cast<std::make_signed_t<T>>(b) < 0 || b >= static_cast<T>(kMax)) {
    if constexpr (std::is_signed_v<T>) {
      return static_cast<T>(a >> kMax);
    } else {
      return 0;
    }
  }
  return static_cast<T>(a >> b);
}

}  // namespace

TSR_REGISTER {
  impl_for(logical_and_op(), kBackendReference, AllDTypes{}, []<typename T>() {
    return +[](const Tensor& a, const Tensor& b) {
      return logical<T>(a, b, "logical_and", [](bool x, bool y) { return x && y; });
    };
  });
  impl_for(logical_or_op(), kBackendReference, AllDTypes{}, []<typename T>() {
    return +[](const Tensor& a, const Tensor& b) {
      return logical<T>(a, b, "logical_or", [](bool x, bool y) { return x || y; });
    };
  });
  impl_for(logical_xor_op(), kBackendReference, AllDTypes{}, []<typename T>() {
    return +[](const Tensor& a, const Tensor& b) {
      return logical<T>(a, b, "logical_xor", [](bool x, bool y) { return x != y; });
    };
  });
  using Bits = dtypes_of<DTypeCategory::Bool, DTypeCategory::Integer>;
  impl_for(bitwise_and_op(), kBackendReference, Bits{}, []<typename T>() {
    return +[](const Tensor& a, const Tensor& b) {
      return bitwise<T>(a, b, "bitwise_and", [](T x, T y) { return x & y; });
    };
  });
  impl_for(bitwise_or_op(), kBackendReference, Bits{}, []<typename T>() {
    return +[](const Tensor& a, const Tensor& b) {
      return bitwise<T>(a, b, "bitwise_or", [](T x, T y) { return x | y; });
    };
  });
  impl_for(bitwise_xor_op(), kBackendReference, Bits{}, []<typename T>() {
    return +[](const Tensor& a, const Tensor& b) {
      return bitwise<T>(a, b, "bitwise_xor", [](T x, T y) { return x ^ y; });
    };
  });
  impl_for(bitwise_left_shift_op(), kBackendReference, IntegralDTypes{}, []<typename T>() {
    return +[](const Tensor& a, const Tensor& b) {
      // A lambda, not the function's address, so the loop inlines the shift.
      return bitwise<T>(a, b, "bitwise_left_shift", [](T x, T y) { return shift_left<T>(x, y); });
    };
  });
  impl_for(bitwise_right_shift_op(), kBackendReference, IntegralDTypes{}, []<typename T>() {
    return +[](const Tensor& a, const Tensor& b) {
      return bitwise<T>(a, b, "bitwise_right_shift", [](T x, T y) { return shift_right<T>(x, y); });
    };
  });
}

TSR_BINARY_API(logical_and)
TSR_BINARY_API(logical_or)
TSR_BINARY_API(logical_xor)
TSR_BINARY_API(bitwise_and)
TSR_BINARY_API(bitwise_or)
TSR_BINARY_API(bitwise_xor)
TSR_BINARY_API(bitwise_left_shift)
TSR_BINARY_API(bitwise_right_shift)

}  // namespace tessera
