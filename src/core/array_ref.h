// ArrayRef: a non-owning view of a contiguous array that also binds to {1, 2, 3}.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <ostream>
#include <span>
#include <vector>

#include "core/small_vector.h"

namespace tessera {

/// Like std::span<const T>, plus construction from a braced list, which lives until the
/// end of the full expression (so `t.view({2, 3})` is fine; storing one is not).
template <typename T>
class ArrayRef {
 public:
  ArrayRef() = default;
  ArrayRef(const T* data, size_t n) : data_(data), size_(n) {}
  ArrayRef(std::initializer_list<T> il) : size_(il.size()) { data_ = il.begin(); }  // NOLINT
  ArrayRef(const std::vector<T>& v) : data_(v.data()), size_(v.size()) {}           // NOLINT
  template <size_t N>
  ArrayRef(const SmallVector<T, N>& v) : data_(v.data()), size_(v.size()) {}  // NOLINT
  ArrayRef(std::span<const T> s) : data_(s.data()), size_(s.size()) {}        // NOLINT
  ArrayRef(const T& one) : data_(&one), size_(1) {}                           // NOLINT

  const T* data() const { return data_; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const T* begin() const { return data_; }
  const T* end() const { return data_ + size_; }
  const T& operator[](size_t i) const { return data_[i]; }
  const T& back() const { return data_[size_ - 1]; }
  std::vector<T> vec() const { return {begin(), end()}; }
  bool equals(ArrayRef o) const {
    if (size_ != o.size_) return false;
    for (size_t i = 0; i < size_; ++i) {
      if (!(data_[i] == o.data_[i])) return false;
    }
    return true;
  }

 private:
  const T* data_ = nullptr;
  size_t size_ = 0;
};

using IntArrayRef = ArrayRef<int64_t>;

/// An optional list of ints that also binds to {1, 2}, to one int and to nullopt, as
/// c10::OptionalIntArrayRef does: t.sum({0, 2}), t.sum(1), t.sum(std::nullopt).
class OptionalIntArrayRef {
 public:
  OptionalIntArrayRef() = default;
  OptionalIntArrayRef(std::nullopt_t) {}         // NOLINT: implicit
  OptionalIntArrayRef(IntArrayRef r) : v_(r) {}  // NOLINT
  OptionalIntArrayRef(std::initializer_list<int64_t> il) : v_(IntArrayRef(il)) {}  // NOLINT
  OptionalIntArrayRef(const std::vector<int64_t>& v) : v_(IntArrayRef(v)) {}       // NOLINT
  OptionalIntArrayRef(const int64_t& one) : v_(IntArrayRef(one)) {}                // NOLINT

  bool has_value() const { return v_.has_value(); }
  explicit operator bool() const { return v_.has_value(); }
  IntArrayRef operator*() const { return *v_; }
  const IntArrayRef* operator->() const { return &*v_; }

 private:
  std::optional<IntArrayRef> v_;
};
/// Sizes and strides, stored inline up to 6 dimensions.
using Shape = SmallVector<int64_t, 6>;

/// Prints [2, 3] as PyTorch prints a size.
std::ostream& operator<<(std::ostream& os, IntArrayRef a);

}  // namespace tessera
