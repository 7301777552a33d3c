// Broadcasting and input preparation for the elementwise reference kernels.
#include "ops/elementwise.h"

namespace tessera {

Shape broadcast_shapes(IntArrayRef a, IntArrayRef b, const char* op) {
  if (a.equals(b)) return Shape(std::span<const int64_t>(a.data(), a.size()));
  const size_t n = std::max(a.size(), b.size());
  Shape out(n);
  for (size_t i = 0; i < n; ++i) {
    const int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    const int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    TSR_CHECK(da == db || da == 1 || db == 1, op, ": the size of tensor a (", da,
              ") must match the size of tensor b (", db, ") at non-singleton dimension ", i,
              " (shapes ", a, " and ", b, ")");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

Shape broadcast_byte_strides(const Tensor& t, IntArrayRef shape) {
  const size_t n = shape.size();
  const size_t lead = n - static_cast<size_t>(t.dim());
  const auto item = static_cast<int64_t>(t.itemsize());
  Shape out(n, 0);
  for (size_t i = lead; i < n; ++i) {
    const int64_t s = t.sizes()[i - lead];
    out[i] = s == 1 && shape[i] != 1 ? 0 : t.strides()[i - lead] * item;
  }
  return out;
}

Tensor cast_if_needed(const Tensor& t, DType d) {
  if (t.dtype() == d) return t;
  Tensor out = empty(t.sizes(), TensorOptions(d, t.device()));
  out.copy_(t);
  return out;
}

Device output_device(std::initializer_list<const Tensor*> inputs) {
  const Tensor* first = nullptr;
  for (const Tensor* t : inputs) {
    if (!t->defined()) continue;
    if (!first) first = t;
    if (!(t->device().type == kCPU && t->dim() == 0)) return t->device();
  }
  return first ? first->device() : Device();
}

}  // namespace tessera
