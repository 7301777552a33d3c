// Element loops the core needs without a dispatcher: copy with casts, fill, item.
#include <algorithm>
#include <array>
#include <cstring>
#include <type_traits>

#include "core/convert.h"
#include "core/strided_loop.h"
#include "core/tensor.h"

namespace tessera {
namespace {

using CastLoop = void (*)(char* dst, const char* src, int64_t dst_stride, int64_t src_stride,
                          int64_t n);

// One run of a copy with casts. A contiguous destination has loops the compiler
// vectorises for the sources views make: contiguous, reversed (flip) and broadcast (expand).
template <typename To, typename From>
void cast_loop(char* dst, const char* src, int64_t ds, int64_t ss, int64_t n) {
  constexpr auto kFrom = static_cast<int64_t>(sizeof(From));
  if (ds == sizeof(To) && (ss == kFrom || ss == -kFrom || ss == 0)) {
    auto* d = reinterpret_cast<To*>(dst);
    auto* s = reinterpret_cast<const From*>(src);
    if (ss == kFrom) {
      if constexpr (std::is_same_v<To, From>) {
        std::memcpy(d, s, static_cast<size_t>(n) * sizeof(To));
      } else {
        for (int64_t i = 0; i < n; ++i) d[i] = convert<To>(s[i]);
      }
    } else if (ss == -kFrom) {
      for (int64_t i = 0; i < n; ++i) d[i] = convert<To>(s[-i]);
    } else {
      std::fill_n(d, n, convert<To>(*s));
    }
    return;
  }
  for (int64_t i = 0; i < n; ++i) {
    *reinterpret_cast<To*>(dst + i * ds) =
        convert<To>(*reinterpret_cast<const From*>(src + i * ss));
  }
}

using CastTable = std::array<std::array<CastLoop, kNumDTypes>, kNumDTypes>;

template <typename To, DType... Froms>
void fill_cast_row(CastTable& t, DTypeList<Froms...>) {
  ((t[static_cast<int>(dtype_of<To>)][static_cast<int>(Froms)] = &cast_loop<To, cpp_type<Froms>>),
   ...);
}

template <DType... Ds>
CastTable make_cast_table(DTypeList<Ds...> all) {
  CastTable t{};
  (fill_cast_row<cpp_type<Ds>>(t, all), ...);
  return t;
}

// [to][from]
const CastTable kCastLoops = make_cast_table(AllDTypes{});

void check_host(const Tensor& t, const char* op) {
  TSR_CHECK_AS(NotImplementedError, is_host_accessible(t.device().type), op, ": tensor on ",
               t.device(), " is not addressable from the host");
}

template <DType... Ds>
auto make_loaders(DTypeList<Ds...>) {
  using Load = Scalar (*)(const void*);
  return std::array<Load, kNumDTypes>{
      +[](const void* p) { return Scalar(*static_cast<const cpp_type<Ds>*>(p)); }...};
}
const auto kLoaders = make_loaders(AllDTypes{});

using FillLoop = void (*)(char* dst, int64_t stride, int64_t n, const Scalar& v);
template <DType... Ds>
auto make_fillers(DTypeList<Ds...>) {
  return std::array<FillLoop, kNumDTypes>{
      +[](char* dst, int64_t stride, int64_t n, const Scalar& v) {
        const auto x = v.to<cpp_type<Ds>>();
        for (int64_t i = 0; i < n; ++i) *reinterpret_cast<cpp_type<Ds>*>(dst + i * stride) = x;
      }...};
}
const auto kFillers = make_fillers(AllDTypes{});

}  // namespace

Tensor& Tensor::copy_(const Tensor& src) {
  check_host(*this, "copy_");
  check_host(src, "copy_");
  const Tensor s = src.dim() == dim() && src.sizes().equals(sizes()) ? src : src.expand(sizes());
  if (dtype() == s.dtype() && is_contiguous() && s.is_contiguous()) {
    if (data_ptr() != s.data_ptr()) std::memmove(data_ptr(), s.data_ptr(), nbytes());
    return *this;
  }
  const CastLoop loop = kCastLoops[static_cast<int>(dtype())][static_cast<int>(s.dtype())];
  const Shape ds = byte_strides(strides(), itemsize());
  const Shape ss = byte_strides(s.strides(), s.itemsize());
  strided_loop<2>(sizes(),
                  {StridedOperand{static_cast<char*>(data_ptr()), ds},
                   StridedOperand{static_cast<char*>(s.data_ptr()), ss}},
                  [&](const std::array<char*, 2>& p, const std::array<int64_t, 2>& st, int64_t n) {
                    loop(p[0], p[1], st[0], st[1], n);
                  });
  return *this;
}

Tensor& Tensor::fill_(const Scalar& value) {
  check_host(*this, "fill_");
  const FillLoop loop = kFillers[static_cast<int>(dtype())];
  const Shape ds = byte_strides(strides(), itemsize());
  strided_loop<1>(sizes(), {StridedOperand{static_cast<char*>(data_ptr()), ds}},
                  [&](const std::array<char*, 1>& p, const std::array<int64_t, 1>& st, int64_t n) {
                    loop(p[0], st[0], n, value);
                  });
  return *this;
}

Tensor Tensor::contiguous() const {
  return is_contiguous() ? *this : clone();
}

Tensor Tensor::clone() const {
  Tensor out = make_tensor(IntrusivePtr<StorageImpl>::make(nbytes(), device()), dtype(), sizes());
  out.copy_(*this);
  return out;
}

Scalar Tensor::item() const {
  TSR_CHECK(numel() == 1, "item: a Tensor with ", numel(),
            " elements cannot be converted to Scalar");
  check_host(*this, "item");
  return kLoaders[static_cast<int>(dtype())](data_ptr());
}

/// Reads the element at a flat index of the tensor's logical (row-major) order.
Scalar element_at(const Tensor& t, int64_t flat) {
  int64_t off = 0;
  for (int64_t d = t.dim() - 1; d >= 0; --d) {
    const int64_t s = t.sizes()[d];
    off += (flat % s) * t.strides()[d];
    flat /= s;
  }
  return kLoaders[static_cast<int>(t.dtype())](static_cast<const char*>(t.data_ptr()) +
                                               off * static_cast<int64_t>(t.itemsize()));
}

}  // namespace tessera
