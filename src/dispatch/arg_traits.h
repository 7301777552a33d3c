// ArgTraits: how each C++ parameter type of a kernel maps to a schema type and to IValue.
#pragma once

#include <optional>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <vector>

#include "dispatch/ivalue.h"
#include "dispatch/schema.h"

namespace tessera {

/// For each C++ type a kernel may take: its schema type, how to read it from an IValue
/// (the IValue outlives the call, so references into it are fine) and how to box it.
template <typename T>
struct ArgTraits;

#define TSR_PLAIN_ARG(CppType, Kind, Read)                                                   \
  template <>                                                                                \
  struct ArgTraits<CppType> {                                                                \
    static constexpr SchemaType type{TypeKind::Kind, false, false, -1};                      \
    static CppType read(const IValue& v) { return Read; }                                    \
    static IValue box(const CppType& x) { return IValue(x); }                                \
  };                                                                                         \
  template <>                                                                                \
  struct ArgTraits<std::optional<CppType>> {                                                 \
    static constexpr SchemaType type{TypeKind::Kind, false, true, -1};                       \
    static std::optional<CppType> read(const IValue& v) {                                    \
      if (v.is_none()) return std::nullopt;                                                  \
      return Read;                                                                           \
    }                                                                                        \
    static IValue box(const std::optional<CppType>& x) { return x ? IValue(*x) : IValue(); } \
  };

TSR_PLAIN_ARG(Tensor, Tensor, v.to_tensor())
TSR_PLAIN_ARG(Scalar, Scalar, v.to_scalar())
TSR_PLAIN_ARG(int64_t, Int, v.to_int())
TSR_PLAIN_ARG(double, Float, v.to_double())
TSR_PLAIN_ARG(bool, Bool, v.to_bool())
TSR_PLAIN_ARG(DType, DType, v.to_dtype())
TSR_PLAIN_ARG(Device, Device, v.to_device())
#undef TSR_PLAIN_ARG

template <>
struct ArgTraits<std::string_view> {
  static constexpr SchemaType type{TypeKind::Str, false, false, -1};
  static std::string_view read(const IValue& v) { return v.to_string(); }
  static IValue box(std::string_view x) { return IValue(std::string(x)); }
};
template <>
struct ArgTraits<std::optional<std::string_view>> {
  static constexpr SchemaType type{TypeKind::Str, false, true, -1};
  static std::optional<std::string_view> read(const IValue& v) {
    if (v.is_none()) return std::nullopt;
    return std::string_view(v.to_string());
  }
  static IValue box(std::optional<std::string_view> x) {
    return x ? IValue(std::string(*x)) : IValue();
  }
};
template <>
struct ArgTraits<IntArrayRef> {
  static constexpr SchemaType type{TypeKind::Int, true, false, -1};
  static IntArrayRef read(const IValue& v) { return v.to_int_list(); }
  static IValue box(IntArrayRef x) { return IValue(x.vec()); }
};
template <>
struct ArgTraits<OptionalIntArrayRef> {
  static constexpr SchemaType type{TypeKind::Int, true, true, -1};
  static OptionalIntArrayRef read(const IValue& v) {
    if (v.is_none()) return std::nullopt;
    return IntArrayRef(v.to_int_list());
  }
  static IValue box(OptionalIntArrayRef x) { return x ? IValue(x->vec()) : IValue(); }
};
/// float[] as a copy: a list of ints is accepted for it too.
template <>
struct ArgTraits<std::vector<double>> {
  static constexpr SchemaType type{TypeKind::Float, true, false, -1};
  static std::vector<double> read(const IValue& v) {
    if (v.is_int_list()) {
      const auto& l = v.to_int_list();
      return std::vector<double>(l.begin(), l.end());
    }
    return v.to_double_list();
  }
  static IValue box(const std::vector<double>& x) { return IValue(x); }
};
/// float[]? as a copy: a list of ints is accepted for it too.
template <>
struct ArgTraits<std::optional<std::vector<double>>> {
  static constexpr SchemaType type{TypeKind::Float, true, true, -1};
  static std::optional<std::vector<double>> read(const IValue& v) {
    if (v.is_none()) return std::nullopt;
    if (v.is_int_list()) {
      const auto& l = v.to_int_list();
      return std::vector<double>(l.begin(), l.end());
    }
    return v.to_double_list();
  }
  static IValue box(const std::optional<std::vector<double>>& x) {
    return x ? IValue(*x) : IValue();
  }
};
template <>
struct ArgTraits<TensorList> {
  static constexpr SchemaType type{TypeKind::Tensor, true, false, -1};
  static TensorList read(const IValue& v) { return v.to_tensor_list(); }
  static IValue box(TensorList x) { return IValue(x.vec()); }
};

/// How a kernel's return type maps to schema returns and onto the stack.
template <typename T>
struct ReturnTraits;
template <>
struct ReturnTraits<void> {
  static std::vector<SchemaType> types() { return {}; }
};
template <>
struct ReturnTraits<Tensor> {
  static std::vector<SchemaType> types() { return {ArgTraits<Tensor>::type}; }
  static void push(Stack& s, Tensor t) { s.emplace_back(std::move(t)); }
  static Tensor pop(Stack& s) {
    Tensor t = s.back().to_tensor();
    s.pop_back();
    return t;
  }
};
template <>
struct ReturnTraits<std::vector<Tensor>> {
  static std::vector<SchemaType> types() { return {ArgTraits<TensorList>::type}; }
  static void push(Stack& s, std::vector<Tensor> t) { s.emplace_back(std::move(t)); }
  static std::vector<Tensor> pop(Stack& s) {
    std::vector<Tensor> t = s.back().to_tensor_list();
    s.pop_back();
    return t;
  }
};
template <typename... Ts>
struct ReturnTraits<std::tuple<Ts...>> {
  static std::vector<SchemaType> types() { return {ArgTraits<Ts>::type...}; }
  static void push(Stack& s, std::tuple<Ts...> t) {
    std::apply([&](auto&... x) { (s.emplace_back(std::move(x)), ...); }, t);
  }
  static std::tuple<Ts...> pop(Stack& s) {
    const size_t base = s.size() - sizeof...(Ts);
    auto read = [&]<size_t... I>(std::index_sequence<I...>) {
      return std::tuple<Ts...>(ArgTraits<Ts>::read(s[base + I])...);
    };
    auto out = read(std::index_sequence_for<Ts...>{});
    s.resize(base);
    return out;
  }
};

}  // namespace tessera
