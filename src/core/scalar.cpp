// Scalar comparison and printing.
#include "core/scalar.h"

namespace tessera {

bool Scalar::operator==(const Scalar& o) const {
  if (tag_ != o.tag_) return false;
  switch (tag_) {
    case DType::Float64:
      return v_.d == o.v_.d;
    case DType::Complex128:
      return v_.c[0] == o.v_.c[0] && v_.c[1] == o.v_.c[1];
    default:
      return v_.i == o.v_.i;
  }
}

std::ostream& operator<<(std::ostream& os, const Scalar& s) {
  if (s.is_bool()) return os << (s.to<bool>() ? "True" : "False");
  if (s.is_integral()) return os << s.to<int64_t>();
  if (s.is_floating()) return os << s.to<double>();
  const auto c = s.to<complex128>();
  return os << "(" << c.real() << (c.imag() < 0 ? "" : "+") << c.imag() << "j)";
}

}  // namespace tessera
