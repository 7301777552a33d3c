// The dtype table's data, dtype names and PyTorch-compatible promotion.
#include "core/dtype.h"

#include <array>
#include <limits>

#include "core/error.h"

namespace tessera {
namespace detail {

const DTypeInfo kDTypeInfos[kNumDTypes] = {
#define TSR_DTYPE_INFO(E, T, N, C, S, CO, V, K)                                                   \
  DTypeInfo{DType::E,                                                                             \
            N,                                                                                    \
            sizeof(T),                                                                            \
            DTypeCategory::C,                                                                     \
            DTypeCategory::C == DTypeCategory::Integer ? std::numeric_limits<T>::is_signed        \
                                                       : DTypeCategory::C != DTypeCategory::Bool, \
            DType::S,                                                                             \
            DType::CO,                                                                            \
            DType::V,                                                                             \
            DType::K},
    TSR_FORALL_DTYPES(TSR_DTYPE_INFO)
#undef TSR_DTYPE_INFO
};

}  // namespace detail

namespace {

struct Alias {
  std::string_view name;
  DType dtype;
};
// PyTorch's other spellings of the same dtypes.
constexpr Alias kAliases[] = {
    {"half", DType::Float16},     {"float", DType::Float32},      {"double", DType::Float64},
    {"short", DType::Int16},      {"int", DType::Int32},          {"long", DType::Int64},
    {"cfloat", DType::Complex64}, {"cdouble", DType::Complex128},
};

// The signed integer type of the given size (in bytes), capped at int64.
DType signed_int_of_size(size_t size) {
  if (size <= 1) return DType::Int8;
  if (size == 2) return DType::Int16;
  if (size <= 4) return DType::Int32;
  return DType::Int64;
}

DType promote_real(DType a, DType b) {
  const DTypeInfo& ia = info(a);
  const DTypeInfo& ib = info(b);
  if (ia.category != ib.category) return ia.category > ib.category ? a : b;
  if (ia.category == DTypeCategory::Integer) {
    if (ia.is_signed == ib.is_signed) return ia.itemsize >= ib.itemsize ? a : b;
    // unsigned with signed: the smallest signed type holding both ranges.
    const DTypeInfo& u = ia.is_signed ? ib : ia;
    const DTypeInfo& s = ia.is_signed ? ia : ib;
    return signed_int_of_size(std::max(s.itemsize, 2 * u.itemsize));
  }
  // Both floating: the larger; two different formats of one size widen (see the table).
  if (ia.itemsize != ib.itemsize) return ia.itemsize > ib.itemsize ? a : b;
  return ia.same_size_float;
}

}  // namespace

DType dtype_from_name(std::string_view n) {
  if (n.starts_with("torch.")) n.remove_prefix(6);
  for (const DTypeInfo& i : detail::kDTypeInfos) {
    if (i.name == n) return i.dtype;
  }
  for (const Alias& a : kAliases) {
    if (a.name == n) return a.dtype;
  }
  detail::throw_error<TypeError>("unknown dtype '", n, "'");
}

double epsilon(DType d) {
  switch (to_real_value(d)) {
    case DType::Float8E5M2:
      return 0x1p-2;
    case DType::Float8E4M3FN:
      return 0x1p-3;
    case DType::BFloat16:
      return 0x1p-7;
    case DType::Float16:
      return 0x1p-10;
    case DType::Float32:
      return 0x1p-23;
    case DType::Float64:
      return 0x1p-52;
    default:
      detail::throw_error<TypeError>("epsilon: ", d, " is not a floating dtype");
  }
}

DType promote_types(DType a, DType b) {
  if (a == b) return a;
  const bool ca = is_complex(a), cb = is_complex(b);
  if (!ca && !cb) return promote_real(a, b);
  // Complex with anything: complex, with the value type both value types promote to.
  const DType va = ca ? to_real_value(a) : a;
  const DType vb = cb ? to_real_value(b) : b;
  const DType v = promote_real(va, vb);
  return is_floating(v) ? to_complex(v) : (ca ? a : b);
}

std::ostream& operator<<(std::ostream& os, DType t) {
  return os << name(t);
}

}  // namespace tessera
