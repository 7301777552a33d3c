// Registering ops and kernels from static initialisers: TSR_REGISTER and impl_for.
#pragma once

#include "dispatch/dispatcher.h"

// Note [Registration by static objects]
// Each op file declares its schema and registers its kernels from a static initialiser
// written with TSR_REGISTER, so adding an op touches no central list. All of src/ is
// linked into one shared library, libtessera, whose static initialisers all run when it
// loads; a static library would let the linker drop an op file nobody references.
// Registration order between files does not matter: an op's handle function (TSR_OP,
// declared for other files in ops/handles.h) defines the op on first use, whichever file
// asks first.

#define TSR_CONCAT_INNER(a, b) a##b
#define TSR_CONCAT(a, b) TSR_CONCAT_INNER(a, b)
/// Runs the following block once when the library loads: TSR_REGISTER { ... }
#define TSR_REGISTER                                                         \
  static void TSR_CONCAT(tsr_register_, __LINE__)();                         \
  [[maybe_unused]] static const bool TSR_CONCAT(tsr_registered_, __LINE__) = \
      (TSR_CONCAT(tsr_register_, __LINE__)(), true);                         \
  static void TSR_CONCAT(tsr_register_, __LINE__)()

/// Declares an op once and defines `OperatorHandle name##_op()` returning it:
///   TSR_OP(add, "add.Tensor(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor")
/// Further arguments (OpOptions) go to Dispatcher::def.
#define TSR_OP(name, ...)                                                           \
  OperatorHandle name##_op() {                                                      \
    static const OperatorHandle op = ::tessera::Dispatcher::get().def(__VA_ARGS__); \
    return op;                                                                      \
  }

/// Defines the eager function `Tensor name(const Tensor& self)` over the op that
/// `name##_op()` returns, for the many ops of that one signature.
#define TSR_UNARY_API(name)                                            \
  Tensor name(const Tensor& self) {                                    \
    static const auto op = name##_op().typed<Tensor(const Tensor&)>(); \
    return op.call(self);                                              \
  }

/// The same for `Tensor name(const Tensor& self, const Tensor& other)`.
#define TSR_BINARY_API(name)                                                          \
  Tensor name(const Tensor& self, const Tensor& other) {                              \
    static const auto op = name##_op().typed<Tensor(const Tensor&, const Tensor&)>(); \
    return op.call(self, other);                                                      \
  }

namespace tessera {

/// Registers make.template operator()<T>() (a kernel function pointer) for every dtype in
/// the list: impl_for(op, kBackendReference, FloatingDTypes{}, []<typename T>() { return &k<T>; }).
template <DType... Ds, typename Make>
void impl_for(OperatorHandle op, BackendId backend, DTypeList<Ds...>, Make&& make) {
  (Dispatcher::get().impl(op, backend, Ds,
                          KernelFunction::from_unboxed(make.template operator()<cpp_type<Ds>>())),
   ...);
}

/// Registers one dtype-generic kernel.
template <typename Ret, typename... Args>
void impl_generic(OperatorHandle op, BackendId backend, Ret (*fn)(Args...)) {
  Dispatcher::get().impl(op, backend, std::nullopt, KernelFunction::from_unboxed(fn));
}

}  // namespace tessera
