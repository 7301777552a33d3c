// IValue conversions and printing.
#include "dispatch/ivalue.h"

#include <algorithm>

#include <fmt/format.h>

namespace tessera {

IValue::IValue(const Scalar& s) {
  if (s.is_bool()) {
    v_ = s.to<bool>();
  } else if (s.is_integral()) {
    v_ = s.to<int64_t>();
  } else if (s.is_floating()) {
    v_ = s.to<double>();
  } else {
    v_ = s.to<complex128>();
  }
}

Scalar IValue::to_scalar() const {
  if (is_int()) return Scalar(to_int());
  if (is_double()) return Scalar(std::get<double>(v_));
  if (is_bool()) return Scalar(to_bool());
  if (is_complex()) return Scalar(std::get<complex128>(v_));
  detail::throw_error<TypeError>("expected a value of type Scalar but got ", kind());
}

std::string_view IValue::kind() const {
  static constexpr std::string_view kNames[] = {"None",    "Tensor",   "int",        "float",
                                                "bool",    "complex",  "str",        "int[]",
                                                "float[]", "Tensor[]", "ScalarType", "Device"};
  return kNames[v_.index()];
}

bool IValue::operator==(const IValue& o) const {
  if (v_.index() != o.v_.index()) return false;
  return std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        const T& y = std::get<T>(o.v_);
        if constexpr (std::is_same_v<T, Tensor>) {
          return x.is_same(y);
        } else if constexpr (std::is_same_v<T, std::vector<Tensor>>) {
          return std::equal(x.begin(), x.end(), y.begin(), y.end(),
                            [](const Tensor& a, const Tensor& b) { return a.is_same(b); });
        } else {
          return x == y;
        }
      },
      v_);
}

std::ostream& operator<<(std::ostream& os, const IValue& v) {
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          os << "None";
        } else if constexpr (std::is_same_v<T, bool>) {
          os << (x ? "True" : "False");
        } else if constexpr (std::is_same_v<T, double>) {
          // Python's repr: shortest round-trip digits, and a float always looks like one.
          std::string s = fmt::format("{}", x);
          if (s.find_first_of(".eni") == std::string::npos) s += ".0";
          os << s;
        } else if constexpr (std::is_same_v<T, std::string>) {
          os << '"' << x << '"';
        } else if constexpr (std::is_same_v<T, std::vector<int64_t>> ||
                             std::is_same_v<T, std::vector<double>> ||
                             std::is_same_v<T, std::vector<Tensor>>) {
          os << '[';
          for (size_t i = 0; i < x.size(); ++i) os << (i ? ", " : "") << x[i];
          os << ']';
        } else {
          os << x;
        }
      },
      v.payload());
  return os;
}

}  // namespace tessera
