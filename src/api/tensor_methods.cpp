// Tensor's op methods and the arithmetic and comparison operators, over the free functions.
#include "api/functions.h"

namespace tessera {

Tensor Tensor::to(DType d) const {
  return d == dtype() ? *this : cast(*this, d);
}
Tensor Tensor::add(const Tensor& o, const Scalar& alpha) const {
  return tessera::add(*this, o, alpha);
}
Tensor Tensor::sub(const Tensor& o, const Scalar& alpha) const {
  return tessera::sub(*this, o, alpha);
}
Tensor Tensor::mul(const Tensor& o) const {
  return tessera::mul(*this, o);
}
Tensor Tensor::div(const Tensor& o) const {
  return tessera::div(*this, o);
}
Tensor Tensor::pow(const Tensor& e) const {
  return tessera::pow(*this, e);
}
Tensor Tensor::neg() const {
  return tessera::neg(*this);
}
Tensor Tensor::abs() const {
  return tessera::abs(*this);
}
Tensor Tensor::exp() const {
  return tessera::exp(*this);
}
Tensor Tensor::log() const {
  return tessera::log(*this);
}
Tensor Tensor::sqrt() const {
  return tessera::sqrt(*this);
}
Tensor Tensor::eq(const Tensor& o) const {
  return tessera::eq(*this, o);
}
Tensor Tensor::ne(const Tensor& o) const {
  return tessera::ne(*this, o);
}
Tensor Tensor::lt(const Tensor& o) const {
  return tessera::lt(*this, o);
}
Tensor Tensor::le(const Tensor& o) const {
  return tessera::le(*this, o);
}
Tensor Tensor::gt(const Tensor& o) const {
  return tessera::gt(*this, o);
}
Tensor Tensor::ge(const Tensor& o) const {
  return tessera::ge(*this, o);
}
Tensor Tensor::sum(OptionalIntArrayRef dim, bool keepdim, std::optional<DType> dt) const {
  return tessera::sum(*this, dim, keepdim, dt);
}
Tensor Tensor::mean(OptionalIntArrayRef dim, bool keepdim, std::optional<DType> dt) const {
  return tessera::mean(*this, dim, keepdim, dt);
}
Tensor Tensor::max() const {
  return tessera::max(*this);
}
Tensor Tensor::min() const {
  return tessera::min(*this);
}
Tensor Tensor::argmax(std::optional<int64_t> dim, bool keepdim) const {
  return tessera::argmax(*this, dim, keepdim);
}
Tensor Tensor::matmul(const Tensor& o) const {
  return tessera::matmul(*this, o);
}
Tensor Tensor::conj() const {
  return tessera::conj(*this);
}
Tensor Tensor::real() const {
  return tessera::real(*this);
}
Tensor Tensor::imag() const {
  return tessera::imag(*this);
}
Tensor Tensor::angle() const {
  return tessera::angle(*this);
}

Tensor operator+(const Tensor& a, const Tensor& b) {
  return add(a, b);
}
Tensor operator-(const Tensor& a, const Tensor& b) {
  return sub(a, b);
}
Tensor operator*(const Tensor& a, const Tensor& b) {
  return mul(a, b);
}
Tensor operator/(const Tensor& a, const Tensor& b) {
  return div(a, b);
}
Tensor operator-(const Tensor& a) {
  return neg(a);
}
Tensor operator+(const Tensor& a, const Scalar& b) {
  return add(a, b);
}
Tensor operator-(const Tensor& a, const Scalar& b) {
  return sub(a, b);
}
Tensor operator*(const Tensor& a, const Scalar& b) {
  return mul(a, b);
}
Tensor operator/(const Tensor& a, const Scalar& b) {
  return div(a, b);
}
Tensor operator+(const Scalar& a, const Tensor& b) {
  return add(wrapped_scalar(a), b);
}
Tensor operator-(const Scalar& a, const Tensor& b) {
  return sub(wrapped_scalar(a), b);
}
Tensor operator*(const Scalar& a, const Tensor& b) {
  return mul(wrapped_scalar(a), b);
}
Tensor operator/(const Scalar& a, const Tensor& b) {
  return div(wrapped_scalar(a), b);
}
Tensor operator==(const Tensor& a, const Tensor& b) {
  return eq(a, b);
}
Tensor operator!=(const Tensor& a, const Tensor& b) {
  return ne(a, b);
}
Tensor operator<(const Tensor& a, const Tensor& b) {
  return lt(a, b);
}
Tensor operator<=(const Tensor& a, const Tensor& b) {
  return le(a, b);
}
Tensor operator>(const Tensor& a, const Tensor& b) {
  return gt(a, b);
}
Tensor operator>=(const Tensor& a, const Tensor& b) {
  return ge(a, b);
}

}  // namespace tessera
