// Tensor: a typed, strided view of a Storage, with the view operations that need no kernel.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "core/allocator.h"
#include "core/array_ref.h"
#include "core/device.h"
#include "core/dtype.h"
#include "core/error.h"
#include "core/intrusive_ptr.h"
#include "core/scalar.h"

namespace tessera {

/// A block of device memory shared by the tensors that view it.
class StorageImpl final : public RefCounted {
 public:
  /// Allocates nbytes from the device's allocator.
  StorageImpl(size_t nbytes, Device device);
  /// Wraps memory owned elsewhere; `deleter` (may be empty) runs when the last view dies.
  StorageImpl(void* data, size_t nbytes, Device device, std::function<void(void*)> deleter);
  ~StorageImpl() override;

  void* data() const { return data_; }
  size_t nbytes() const { return nbytes_; }
  Device device() const { return device_; }

  // Note [Frozen storage]
  // A graph's constants never change while a Session holds them, so the Session freezes
  // their storage. A backend may then keep data derived from the bytes (a weight reordered
  // into the layout a oneDNN primitive wants) with the storage, made once and freed with
  // it: derived() returns it, calling make() the first time a key is asked for. Nothing
  // may write to frozen storage (graph nodes never write to their inputs).

  /// Marks the bytes as never changing again.
  void freeze();
  bool frozen() const { return derived_ != nullptr; }
  /// The data derived from frozen bytes under key (made by make() on first use).
  std::shared_ptr<void> derived(const std::string& key,
                                const std::function<std::shared_ptr<void>()>& make);

 private:
  struct Derived;
  std::unique_ptr<Derived> derived_;  // set by freeze()
  void* data_;
  size_t nbytes_;
  Device device_;
  Allocator* allocator_;                // set when the memory came from an allocator
  std::function<void(void*)> deleter_;  // set for wrapped memory
};

class Tensor;

/// The state behind a Tensor handle. Sizes and strides are in elements.
struct TensorImpl final : public RefCounted {
  IntrusivePtr<StorageImpl> storage;
  Shape sizes;
  Shape strides;
  int64_t offset = 0;  // in elements
  int64_t numel = 0;
  DType dtype = DType::Float32;
  // A number the user wrote (x + 2): it takes part in promotion only by category.
  // See result_type in ops/elementwise.h.
  bool wrapped_number = false;
};

/// A handle to a tensor; copies share the tensor, as torch.Tensor does. A default
/// constructed Tensor is "undefined" (holds nothing).
class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(IntrusivePtr<TensorImpl> impl) : impl_(std::move(impl)) {}

  bool defined() const { return static_cast<bool>(impl_); }
  TensorImpl* impl() const { return impl_.get(); }

  // ---- metadata ----
  int64_t dim() const { return static_cast<int64_t>(impl_->sizes.size()); }
  IntArrayRef sizes() const { return impl_->sizes; }
  IntArrayRef strides() const { return impl_->strides; }
  /// Size of a dimension; negative dims count from the end.
  int64_t size(int64_t d) const;
  int64_t stride(int64_t d) const;
  int64_t numel() const { return impl_->numel; }
  DType dtype() const { return impl_->dtype; }
  size_t itemsize() const { return tessera::itemsize(impl_->dtype); }
  size_t nbytes() const { return static_cast<size_t>(numel()) * itemsize(); }
  Device device() const { return impl_->storage->device(); }
  int64_t storage_offset() const { return impl_->offset; }
  const IntrusivePtr<StorageImpl>& storage() const { return impl_->storage; }
  bool is_contiguous() const;
  bool is_wrapped_number() const { return impl_->wrapped_number; }
  bool is_complex() const { return tessera::is_complex(dtype()); }
  bool is_floating_point() const { return tessera::is_floating(dtype()); }
  /// Whether both handles share one TensorImpl.
  bool is_same(const Tensor& o) const { return impl_ == o.impl_; }

  /// Address of the first element.
  void* data_ptr() const {
    return static_cast<char*>(impl_->storage->data()) +
           impl_->offset * static_cast<int64_t>(itemsize());
  }
  /// Typed address of the first element; throws TypeError if T is not the dtype's type.
  template <typename T>
  T* data() const {
    TSR_CHECK_AS(TypeError, dtype_of<T> == dtype(), "data<T>: tensor is ", dtype(),
                 " but the element type asked for is ", dtype_of<T>);
    return static_cast<T*>(data_ptr());
  }

  // ---- views: share storage, copy nothing ----
  /// Same elements in a new shape; one size may be -1. Throws if the strides do not allow it.
  Tensor view(IntArrayRef shape) const;
  /// view() when possible, else a contiguous copy.
  Tensor reshape(IntArrayRef shape) const;
  Tensor flatten(int64_t start_dim = 0, int64_t end_dim = -1) const;
  Tensor transpose(int64_t d0, int64_t d1) const;
  Tensor permute(IntArrayRef dims) const;
  /// Transpose of a tensor with at most 2 dimensions.
  Tensor t() const;
  /// Elements start, start+step, ... before end along dim (Python slice rules; negative
  /// indices count from the end, bounds are clamped). A negative step walks backwards.
  Tensor slice(int64_t dim, std::optional<int64_t> start = std::nullopt,
               std::optional<int64_t> end = std::nullopt, int64_t step = 1) const;
  /// The sub-tensor at index along dim, with that dim removed.
  Tensor select(int64_t dim, int64_t index) const;
  /// Broadcast to a larger shape with stride 0; -1 keeps a size.
  Tensor expand(IntArrayRef shape) const;
  Tensor squeeze() const;
  Tensor squeeze(int64_t dim) const;
  Tensor unsqueeze(int64_t dim) const;
  Tensor diagonal(int64_t offset = 0, int64_t dim1 = 0, int64_t dim2 = 1) const;
  /// Any sizes and strides over this tensor's storage; checked against the storage's size.
  Tensor as_strided(IntArrayRef sizes, IntArrayRef strides,
                    std::optional<int64_t> storage_offset = std::nullopt) const;
  /// Real and imaginary parts of a complex tensor, as views of its storage.
  Tensor real_view() const;
  Tensor imag_view() const;

  // ---- copies ----
  /// This tensor if it is contiguous, else a contiguous copy.
  Tensor contiguous() const;
  Tensor clone() const;
  /// Copies src into this tensor, broadcasting src and converting its dtype.
  Tensor& copy_(const Tensor& src);
  /// Sets every element to value.
  Tensor& fill_(const Scalar& value);
  Tensor& zero_() { return fill_(0); }

  /// The one element of a one-element tensor.
  Scalar item() const;
  template <typename T>
  T item() const {
    return item().to<T>();
  }

  std::string to_string() const;

  // ---- operators, defined with the ops (api/tensor_methods.cpp) ----
  Tensor to(DType dtype) const;
  Tensor add(const Tensor& other, const Scalar& alpha = 1) const;
  Tensor sub(const Tensor& other, const Scalar& alpha = 1) const;
  Tensor mul(const Tensor& other) const;
  Tensor div(const Tensor& other) const;
  Tensor pow(const Tensor& exponent) const;
  Tensor neg() const;
  Tensor abs() const;
  Tensor exp() const;
  Tensor log() const;
  Tensor sqrt() const;
  Tensor eq(const Tensor& other) const;
  Tensor ne(const Tensor& other) const;
  Tensor lt(const Tensor& other) const;
  Tensor le(const Tensor& other) const;
  Tensor gt(const Tensor& other) const;
  Tensor ge(const Tensor& other) const;
  Tensor sum(OptionalIntArrayRef dim = std::nullopt, bool keepdim = false,
             std::optional<DType> dtype = std::nullopt) const;
  Tensor mean(OptionalIntArrayRef dim = std::nullopt, bool keepdim = false,
              std::optional<DType> dtype = std::nullopt) const;
  Tensor max() const;
  Tensor min() const;
  Tensor argmax(std::optional<int64_t> dim = std::nullopt, bool keepdim = false) const;
  Tensor matmul(const Tensor& other) const;
  Tensor conj() const;
  Tensor real() const;
  Tensor imag() const;
  Tensor angle() const;

 private:
  IntrusivePtr<TensorImpl> impl_;
};

/// Makes a tensor over a storage; strides default to contiguous.
Tensor make_tensor(IntrusivePtr<StorageImpl> storage, DType dtype, IntArrayRef sizes,
                   std::optional<IntArrayRef> strides = std::nullopt, int64_t offset = 0);

/// Contiguous (row-major) strides for sizes.
Shape contiguous_strides(IntArrayRef sizes);
/// Product of sizes; throws if it overflows int64.
int64_t checked_numel(IntArrayRef sizes, const char* op);
/// Wraps a possibly negative dim into [0, ndim); throws IndexError naming op otherwise.
int64_t wrap_dim(int64_t dim, int64_t ndim, const char* op);

/// The element at a flat index in row-major (logical) order, whatever the strides.
Scalar element_at(const Tensor& t, int64_t flat);

std::ostream& operator<<(std::ostream& os, const Tensor& t);

}  // namespace tessera
