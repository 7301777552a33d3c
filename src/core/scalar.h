// Scalar: a single number of any category, as passed for alpha=, fill values and x + 2.
#pragma once

#include <complex>
#include <cstdint>
#include <ostream>
#include <type_traits>

#include "core/dtype.h"

namespace tessera {

/// A number held as bool, int64, double or complex<double>, with the dtype it came as.
class Scalar {
 public:
  Scalar() : Scalar(int64_t{0}) {}
  Scalar(bool v) : tag_(DType::Bool) { v_.i = v; }  // NOLINT: implicit like at::Scalar
  template <typename T,
            std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>, int> = 0>
  Scalar(T v) : tag_(DType::Int64) {  // NOLINT
    v_.i = static_cast<int64_t>(v);
  }
  template <typename T, std::enable_if_t<std::is_floating_point_v<T>, int> = 0>
  Scalar(T v) : tag_(DType::Float64) {  // NOLINT
    v_.d = static_cast<double>(v);
  }
  /// float16, bfloat16 and the float8 types.
  template <typename B, B (*F)(float), float (*T)(B)>
  Scalar(StorageFloat<B, F, T> v) : Scalar(static_cast<double>(static_cast<float>(v))) {}  // NOLINT
  template <typename T>
  Scalar(std::complex<T> v) : tag_(DType::Complex128) {  // NOLINT
    v_.c[0] = static_cast<double>(v.real());
    v_.c[1] = static_cast<double>(v.imag());
  }

  /// The widest dtype of its category: bool, int64, float64 or complex128.
  DType dtype() const { return tag_; }
  bool is_bool() const { return tag_ == DType::Bool; }
  bool is_integral() const { return tag_ == DType::Int64; }
  bool is_floating() const { return tag_ == DType::Float64; }
  bool is_complex() const { return tag_ == DType::Complex128; }

  /// The value converted to T, as a C++ static_cast would (complex -> real keeps the real part).
  template <typename T>
  T to() const {
    if constexpr (is_complex_v<T>) {
      using V = typename T::value_type;
      if (tag_ == DType::Complex128) return T(static_cast<V>(v_.c[0]), static_cast<V>(v_.c[1]));
      return T(to<V>(), V(0));
    } else if constexpr (std::is_same_v<T, bool>) {
      switch (tag_) {
        case DType::Float64:
          return v_.d != 0;
        case DType::Complex128:
          return v_.c[0] != 0 || v_.c[1] != 0;
        default:
          return v_.i != 0;
      }
    } else {
      switch (tag_) {
        case DType::Float64:
          return convert_float<T>(v_.d);
        case DType::Complex128:
          return convert_float<T>(v_.c[0]);
        default:
          return static_cast<T>(v_.i);
      }
    }
  }

  /// Scalar(2) == Scalar(2.0) is false: equal means same category and value.
  bool operator==(const Scalar& o) const;

 private:
  template <typename T>
  static T convert_float(double d) {
    if constexpr (std::is_integral_v<T>) {
      // Through int64 so that negative values wrap into unsigned types as on x86 (and in
      // PyTorch) instead of being undefined behaviour.
      return static_cast<T>(static_cast<int64_t>(d));
    } else if constexpr (std::is_floating_point_v<T>) {
      return static_cast<T>(d);
    } else {
      return T(static_cast<float>(d));  // the 8- and 16-bit floats convert through float
    }
  }

  DType tag_;
  union {
    int64_t i;
    double d;
    double c[2];
  } v_;
};

std::ostream& operator<<(std::ostream& os, const Scalar& s);

}  // namespace tessera
