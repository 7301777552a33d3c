// SmallVector: a vector with inline room for N elements, for shapes and strides.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <initializer_list>
#include <span>
#include <type_traits>

namespace tessera {

/// A vector of trivially copyable T that stores up to N elements without allocating.
template <typename T, size_t N>
class SmallVector {
  static_assert(std::is_trivially_copyable_v<T>);

 public:
  SmallVector() = default;
  explicit SmallVector(size_t n, T value = T()) { resize(n, value); }
  SmallVector(std::initializer_list<T> il) { assign(il.begin(), il.size()); }
  SmallVector(std::span<const T> s) { assign(s.data(), s.size()); }  // NOLINT: implicit
  SmallVector(const SmallVector& o) { assign(o.data(), o.size()); }
  SmallVector(SmallVector&& o) noexcept { move_from(o); }
  SmallVector& operator=(const SmallVector& o) {
    if (this != &o) assign(o.data(), o.size());
    return *this;
  }
  SmallVector& operator=(SmallVector&& o) noexcept {
    if (this != &o) {
      release();
      move_from(o);
    }
    return *this;
  }
  ~SmallVector() { release(); }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T* data() { return ptr_; }
  const T* data() const { return ptr_; }
  T& operator[](size_t i) { return ptr_[i]; }
  const T& operator[](size_t i) const { return ptr_[i]; }
  T* begin() { return ptr_; }
  T* end() { return ptr_ + size_; }
  const T* begin() const { return ptr_; }
  const T* end() const { return ptr_ + size_; }
  T& back() { return ptr_[size_ - 1]; }
  const T& back() const { return ptr_[size_ - 1]; }
  operator std::span<const T>() const { return {ptr_, size_}; }  // NOLINT: implicit

  void push_back(T v) {
    if (size_ == cap_) grow(cap_ * 2);
    ptr_[size_++] = v;
  }
  void resize(size_t n, T value = T()) {
    if (n > cap_) grow(n);
    for (size_t i = size_; i < n; ++i) ptr_[i] = value;
    size_ = n;
  }
  void insert(size_t pos, T v) {
    push_back(v);
    std::rotate(ptr_ + pos, ptr_ + size_ - 1, ptr_ + size_);
  }
  void erase(size_t pos) {
    std::copy(ptr_ + pos + 1, ptr_ + size_, ptr_ + pos);
    --size_;
  }
  void clear() { size_ = 0; }

  bool operator==(const SmallVector& o) const {
    return size_ == o.size_ && std::equal(begin(), end(), o.begin());
  }

 private:
  void assign(const T* src, size_t n) {
    if (n > cap_) grow(n);
    if (n) std::memcpy(ptr_, src, n * sizeof(T));
    size_ = n;
  }
  void grow(size_t n) {
    n = std::max(n, N);
    T* p = new T[n];
    if (size_) std::memcpy(p, ptr_, size_ * sizeof(T));
    release();
    ptr_ = p;
    cap_ = n;
  }
  void release() {
    if (ptr_ != inline_) delete[] ptr_;
    ptr_ = inline_;
    cap_ = N;
  }
  void move_from(SmallVector& o) {
    if (o.ptr_ == o.inline_) {
      ptr_ = inline_;
      cap_ = N;
      if (o.size_) std::memcpy(inline_, o.inline_, o.size_ * sizeof(T));
    } else {
      ptr_ = o.ptr_;
      cap_ = o.cap_;
      o.ptr_ = o.inline_;
      o.cap_ = N;
    }
    size_ = o.size_;
    o.size_ = 0;
  }

  T inline_[N];
  T* ptr_ = inline_;
  size_t size_ = 0;
  size_t cap_ = N;
};

}  // namespace tessera
