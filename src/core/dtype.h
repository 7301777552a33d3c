// DTypes: every element type tessera knows, described once in TSR_FORALL_DTYPES.
#pragma once

#include <complex>
#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string_view>
#include <type_traits>

#include "core/float8.h"
#include "core/half.h"

namespace tessera {

using complex64 = std::complex<float>;
using complex128 = std::complex<double>;

/// The kind of number a dtype holds; promotion goes up this order.
enum class DTypeCategory : uint8_t { Bool, Integer, Floating, Complex };

// Note [The dtype table]
// Each dtype is one row: enum name, C++ element type, name, category, and the rules that
// make promotion and computation table-driven instead of switch-driven:
//  - same_size_float: for a floating type, what it promotes to with a *different* floating
//    type of the same size (float16 with bfloat16 -> float32; the two float8 -> float16);
//  - complex_of / value_of: the complex type with this value type, and back;
//  - compute: the type arithmetic runs in (float32 for the 8- and 16-bit floats).
// Adding a dtype is one row here and a file with its element type (see docs/adding-a-dtype.md);
// kernels instantiate over the rows of a category, so they pick it up without edits.
//
//   X(Enum,      cpp type,    name,            category, same_size_float, complex_of, value_of,
//   compute)
// clang-format off
#define TSR_FORALL_DTYPES(X)                                                                             \
  X(Bool, bool, "bool", Bool, Bool, Complex64, Bool, Bool)                                               \
  X(UInt8, uint8_t, "uint8", Integer, UInt8, Complex64, UInt8, UInt8)                                    \
  X(Int8, int8_t, "int8", Integer, Int8, Complex64, Int8, Int8)                                          \
  X(Int16, int16_t, "int16", Integer, Int16, Complex64, Int16, Int16)                                    \
  X(Int32, int32_t, "int32", Integer, Int32, Complex64, Int32, Int32)                                    \
  X(Int64, int64_t, "int64", Integer, Int64, Complex64, Int64, Int64)                                    \
  X(Float16, ::tessera::Half, "float16", Floating, Float32, Complex64, Float16, Float32)                 \
  X(BFloat16, ::tessera::BFloat16, "bfloat16", Floating, Float32, Complex64, BFloat16, Float32)          \
  X(Float32, float, "float32", Floating, Float32, Complex64, Float32, Float32)                           \
  X(Float64, double, "float64", Floating, Float64, Complex128, Float64, Float64)                         \
  X(Complex64, ::tessera::complex64, "complex64", Complex, Complex64, Complex64, Float32, Complex64)     \
  X(Complex128, ::tessera::complex128, "complex128", Complex, Complex128, Complex128, Float64, Complex128) \
  X(Float8E4M3FN, ::tessera::Float8E4M3FN, "float8_e4m3fn", Floating, Float16, Complex64, Float8E4M3FN, Float32) \
  X(Float8E5M2, ::tessera::Float8E5M2, "float8_e5m2", Floating, Float16, Complex64, Float8E5M2, Float32)
// clang-format on

/// An element type. The numbering is the row order of TSR_FORALL_DTYPES.
enum class DType : uint8_t {
#define TSR_DTYPE_ENUM(E, T, N, C, S, CO, V, K) E,
  TSR_FORALL_DTYPES(TSR_DTYPE_ENUM)
#undef TSR_DTYPE_ENUM
};

#define TSR_DTYPE_COUNT(E, T, N, C, S, CO, V, K) +1
inline constexpr int kNumDTypes = 0 TSR_FORALL_DTYPES(TSR_DTYPE_COUNT);
#undef TSR_DTYPE_COUNT

/// Everything the code needs to know about a dtype, read from its row.
struct DTypeInfo {
  DType dtype;
  std::string_view name;
  size_t itemsize;
  DTypeCategory category;
  bool is_signed;
  DType same_size_float;
  DType complex_of;
  DType value_of;
  DType compute;
};

namespace detail {
extern const DTypeInfo kDTypeInfos[kNumDTypes];
}

inline const DTypeInfo& info(DType t) {
  return detail::kDTypeInfos[static_cast<int>(t)];
}
inline std::string_view name(DType t) {
  return info(t).name;
}
inline size_t itemsize(DType t) {
  return info(t).itemsize;
}
inline DTypeCategory category(DType t) {
  return info(t).category;
}
inline bool is_floating(DType t) {
  return category(t) == DTypeCategory::Floating;
}
inline bool is_complex(DType t) {
  return category(t) == DTypeCategory::Complex;
}
inline bool is_integral(DType t, bool include_bool) {
  return category(t) == DTypeCategory::Integer || (include_bool && t == DType::Bool);
}
/// float <-> complex counterparts; identity for types without one.
inline DType to_complex(DType t) {
  return info(t).complex_of;
}
inline DType to_real_value(DType t) {
  return info(t).value_of;
}

/// The machine epsilon of a floating dtype (of a complex dtype's parts), as
/// torch.finfo(d).eps: the gap between 1 and the next representable number.
double epsilon(DType d);

/// Parses "float32" and PyTorch's aliases ("float", "half", "long", "cfloat", ...).
/// Throws TypeError naming the string when it is no dtype.
DType dtype_from_name(std::string_view name);

/// The smallest dtype both convert to, as torch.promote_types for PyTorch's dtypes.
/// float8 rules are in docs/adding-a-dtype.md.
DType promote_types(DType a, DType b);

/// The default floating dtype (float32), as torch.get_default_dtype().
inline constexpr DType kDefaultFloat = DType::Float32;

/// C++ element type -> DType, e.g. dtype_of<float> == DType::Float32.
template <typename T>
struct DTypeOf;
#define TSR_DTYPE_OF(E, T, N, C, S, CO, V, K) \
  template <>                                 \
  struct DTypeOf<T> {                         \
    static constexpr DType value = DType::E;  \
  };
TSR_FORALL_DTYPES(TSR_DTYPE_OF)
#undef TSR_DTYPE_OF
template <typename T>
inline constexpr DType dtype_of = DTypeOf<T>::value;

/// DType -> C++ element type.
template <DType D>
struct CppTypeOf;
#define TSR_CPP_TYPE_OF(E, T, N, C, S, CO, V, K) \
  template <>                                    \
  struct CppTypeOf<DType::E> {                   \
    using type = T;                              \
  };
TSR_FORALL_DTYPES(TSR_CPP_TYPE_OF)
#undef TSR_CPP_TYPE_OF
template <DType D>
using cpp_type = typename CppTypeOf<D>::type;

/// A compile-time list of dtypes, the unit kernels are registered over.
template <DType... Ds>
struct DTypeList {};

/// Calls f.template operator()<T>() for the C++ type of each dtype in the list.
template <DType... Ds, typename F>
void for_each_dtype(DTypeList<Ds...>, F&& f) {
  (f.template operator()<cpp_type<Ds>>(), ...);
}

/// Calls f.template operator()<T>() for the C++ type of runtime dtype d, if d is in the
/// list; returns whether it was.
template <typename F, DType... Ds>
bool visit_dtype(DType d, F&& f, DTypeList<Ds...>) {
  return ((d == Ds ? (f.template operator()<cpp_type<Ds>>(), true) : false) || ...);
}

namespace detail {
template <typename L1, typename L2>
struct ConcatLists;
template <DType... A, DType... B>
struct ConcatLists<DTypeList<A...>, DTypeList<B...>> {
  using type = DTypeList<A..., B...>;
};
}  // namespace detail

/// All dtypes of the given categories, in table order.
template <DTypeCategory... Cs>
struct DTypesOf {
#define TSR_DTYPE_FILTER(E, T, N, C, S, CO, V, K) \
  , std::conditional_t<((Cs == DTypeCategory::C) || ...), DTypeList<DType::E>, DTypeList<>>
  template <typename... Ls>
  struct Cat;
  template <typename L>
  struct Cat<L> {
    using type = L;
  };
  template <typename L1, typename L2, typename... Rest>
  struct Cat<L1, L2, Rest...> {
    using type = typename Cat<typename detail::ConcatLists<L1, L2>::type, Rest...>::type;
  };
  using type = typename Cat<DTypeList<> TSR_FORALL_DTYPES(TSR_DTYPE_FILTER)>::type;
#undef TSR_DTYPE_FILTER
};
template <DTypeCategory... Cs>
using dtypes_of = typename DTypesOf<Cs...>::type;

using AllDTypes = dtypes_of<DTypeCategory::Bool, DTypeCategory::Integer, DTypeCategory::Floating,
                            DTypeCategory::Complex>;
using IntegralDTypes = dtypes_of<DTypeCategory::Integer>;
using FloatingDTypes = dtypes_of<DTypeCategory::Floating>;
using ComplexDTypes = dtypes_of<DTypeCategory::Complex>;
using RealDTypes = dtypes_of<DTypeCategory::Bool, DTypeCategory::Integer, DTypeCategory::Floating>;
using NumericDTypes =
    dtypes_of<DTypeCategory::Integer, DTypeCategory::Floating, DTypeCategory::Complex>;
using InexactDTypes = dtypes_of<DTypeCategory::Floating, DTypeCategory::Complex>;

std::ostream& operator<<(std::ostream& os, DType t);

/// Element-type traits the kernels share.
template <typename T>
struct is_complex_t : std::false_type {};
template <typename T>
struct is_complex_t<std::complex<T>> : std::true_type {};
template <typename T>
inline constexpr bool is_complex_v = is_complex_t<T>::value;

/// The type arithmetic on T runs in: float for the 8- and 16-bit floats, T otherwise.
template <typename T>
struct ComputeOf;
#define TSR_COMPUTE_OF(E, T, N, C, S, CO, V, K) \
  template <>                                   \
  struct ComputeOf<T> {                         \
    using type = cpp_type<DType::K>;            \
  };
TSR_FORALL_DTYPES(TSR_COMPUTE_OF)
#undef TSR_COMPUTE_OF
template <typename T>
using compute_t = typename ComputeOf<T>::type;

}  // namespace tessera
