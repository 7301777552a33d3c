// convert<To>(from): the one element conversion rule used by casts, copies and kernels.
#pragma once

#include <cstdint>
#include <type_traits>

#include "core/dtype.h"

namespace tessera {

namespace detail {
template <typename T>
inline constexpr bool is_struct_float_v =
    std::is_class_v<T> && !is_complex_v<T>;  // Half, BFloat16, float8
}

/// Converts one element as PyTorch's casts do: complex -> real drops the imaginary part
/// (complex -> bool too, as in PyTorch 1.13: 1.5j becomes false), anything else -> bool
/// tests for non-zero, floating -> integer truncates toward zero (through
/// int64, so negative values wrap into unsigned types), the 8- and 16-bit floats convert
/// through float.
template <typename To, typename From>
inline To convert(From v) {
  if constexpr (std::is_same_v<To, From>) {
    return v;
  } else if constexpr (is_complex_v<From>) {
    if constexpr (is_complex_v<To>) {
      using V = typename To::value_type;
      return To(static_cast<V>(v.real()), static_cast<V>(v.imag()));
    } else {
      return convert<To>(v.real());
    }
  } else if constexpr (is_complex_v<To>) {
    using V = typename To::value_type;
    return To(convert<V>(v), V(0));
  } else if constexpr (detail::is_struct_float_v<From>) {
    return convert<To>(static_cast<float>(v));
  } else if constexpr (std::is_same_v<To, bool>) {
    return v != From(0);
  } else if constexpr (std::is_integral_v<To> && std::is_floating_point_v<From>) {
    return static_cast<To>(static_cast<int64_t>(v));
  } else if constexpr (detail::is_struct_float_v<To>) {
    return To(static_cast<float>(v));
  } else {
    return static_cast<To>(v);
  }
}

}  // namespace tessera
