// IValue: one boxed value on the stack of the boxed calling path (graph runtime, bindings).
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/device.h"
#include "core/dtype.h"
#include "core/scalar.h"
#include "core/tensor.h"

namespace tessera {

using TensorList = ArrayRef<Tensor>;

/// A value of any schema type: None, Tensor, int, float, bool, complex, str, int[],
/// float[], Tensor[], ScalarType or Device.
class IValue {
 public:
  using Payload =
      std::variant<std::monostate, Tensor, int64_t, double, bool, complex128, std::string,
                   std::vector<int64_t>, std::vector<double>, std::vector<Tensor>, DType, Device>;

  IValue() = default;
  IValue(std::nullopt_t) {}                             // NOLINT: implicit
  IValue(Tensor t) : v_(std::move(t)) {}                // NOLINT
  IValue(int64_t i) : v_(i) {}                          // NOLINT
  IValue(int i) : v_(int64_t{i}) {}                     // NOLINT
  IValue(double d) : v_(d) {}                           // NOLINT
  IValue(bool b) : v_(b) {}                             // NOLINT
  IValue(complex128 c) : v_(c) {}                       // NOLINT
  IValue(std::string s) : v_(std::move(s)) {}           // NOLINT
  IValue(const char* s) : v_(std::string(s)) {}         // NOLINT
  IValue(std::vector<int64_t> l) : v_(std::move(l)) {}  // NOLINT
  IValue(std::vector<double> l) : v_(std::move(l)) {}   // NOLINT
  IValue(std::vector<Tensor> l) : v_(std::move(l)) {}   // NOLINT
  IValue(DType d) : v_(d) {}                            // NOLINT
  IValue(Device d) : v_(d) {}                           // NOLINT
  IValue(const Scalar& s);                              // NOLINT: int, double, bool or complex

  bool is_none() const { return std::holds_alternative<std::monostate>(v_); }
  bool is_tensor() const { return std::holds_alternative<Tensor>(v_); }
  bool is_int() const { return std::holds_alternative<int64_t>(v_); }
  bool is_double() const { return std::holds_alternative<double>(v_); }
  bool is_bool() const { return std::holds_alternative<bool>(v_); }
  bool is_complex() const { return std::holds_alternative<complex128>(v_); }
  bool is_string() const { return std::holds_alternative<std::string>(v_); }
  bool is_int_list() const { return std::holds_alternative<std::vector<int64_t>>(v_); }
  bool is_double_list() const { return std::holds_alternative<std::vector<double>>(v_); }
  bool is_tensor_list() const { return std::holds_alternative<std::vector<Tensor>>(v_); }
  bool is_dtype() const { return std::holds_alternative<DType>(v_); }
  bool is_device() const { return std::holds_alternative<Device>(v_); }
  /// Whether to_scalar() works: int, double, bool or complex.
  bool is_scalar() const { return is_int() || is_double() || is_bool() || is_complex(); }

  const Tensor& to_tensor() const { return get<Tensor>("Tensor"); }
  int64_t to_int() const { return get<int64_t>("int"); }
  /// A float argument; an int is accepted, as in Python.
  double to_double() const {
    return is_int() ? static_cast<double>(to_int()) : get<double>("float");
  }
  bool to_bool() const { return get<bool>("bool"); }
  Scalar to_scalar() const;
  const std::string& to_string() const { return get<std::string>("str"); }
  const std::vector<int64_t>& to_int_list() const { return get<std::vector<int64_t>>("int[]"); }
  const std::vector<double>& to_double_list() const { return get<std::vector<double>>("float[]"); }
  const std::vector<Tensor>& to_tensor_list() const { return get<std::vector<Tensor>>("Tensor[]"); }
  DType to_dtype() const { return get<DType>("ScalarType"); }
  Device to_device() const { return get<Device>("Device"); }

  /// The kind of value held, as a schema type name ("Tensor", "int", "None", ...).
  std::string_view kind() const;
  const Payload& payload() const { return v_; }
  bool operator==(const IValue& o) const;

 private:
  template <typename T>
  const T& get(const char* want) const {
    const T* p = std::get_if<T>(&v_);
    TSR_CHECK_AS(TypeError, p != nullptr, "expected a value of type ", want, " but got ", kind());
    return *p;
  }
  Payload v_;
};

using Stack = std::vector<IValue>;

std::ostream& operator<<(std::ostream& os, const IValue& v);

}  // namespace tessera
