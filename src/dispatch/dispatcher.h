// The dispatcher: op schemas, the (op, backend, dtype) kernel table, layers, and the typed
// and boxed ways of calling an op.
#pragma once

#include <array>
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <typeinfo>
#include <vector>

#include "dispatch/arg_traits.h"
#include "dispatch/ivalue.h"
#include "dispatch/result_type.h"
#include "dispatch/schema.h"

namespace tessera {

// Note [Dispatch]
// An op is declared once by its schema. Kernels are registered for (op, backend, dtype),
// where dtype may be left out to register a dtype-generic kernel. A call finds its key
// from its tensor arguments: the backend from their device, the dtype as torch.result_type
// of the tensors the op dispatches on (all tensor arguments unless the op says otherwise).
// Lookup tries, for the backend and then each backend in its fallback chain: the
// dtype-specific kernel, the dtype-generic kernel, the backend's boxed fallback. The
// resolved kernel for every (backend, dtype) is precomputed whenever something is
// registered, so a call is one atomic load. The typed path calls the kernel's function
// pointer with the caller's arguments; the boxed path (a Stack of IValues) reaches the
// same kernel through a wrapper generated from its signature. When any Layer is active on
// the calling thread, typed calls are boxed and pass through the layers first.

using BackendId = uint8_t;
inline constexpr int kMaxBackends = 16;
/// Built-in backends. reference holds the plain kernels of src/ops; cpu falls back to it.
inline constexpr BackendId kBackendCPU = 0;
inline constexpr BackendId kBackendCUDA = 1;
inline constexpr BackendId kBackendReference = 2;

class OperatorEntry;
class OperatorHandle;
struct KernelFunction;

using BoxedFunction = std::function<void(const OperatorHandle& op, Stack& stack)>;
using AnyFunctionPtr = void (*)();

/// A kernel: a typed function pointer with its boxed wrapper, or a boxed function alone.
struct KernelFunction {
  AnyFunctionPtr unboxed = nullptr;
  const std::type_info* signature = &typeid(void);  // typeid of unboxed's function type
  void (*boxed)(const KernelFunction& self, const OperatorHandle& op, Stack& stack) = nullptr;
  BoxedFunction boxed_function;                     // for kernels made with from_boxed
  std::vector<SchemaType> arg_types, return_types;  // of unboxed, to check against the schema

  /// From a typed kernel; its parameter types must match the op's schema.
  template <typename Ret, typename... Args>
  static KernelFunction from_unboxed(Ret (*fn)(Args...));
  /// From a boxed function: it pops the op's arguments from the stack and pushes its returns.
  static KernelFunction from_boxed(BoxedFunction fn);
};

/// Wraps every op call made on this thread while installed (see LayerScope).
class Layer {
 public:
  virtual ~Layer() = default;
  /// Called with the op's arguments on the stack; must call next() (once) to run the op,
  /// after which the stack holds the returns. May inspect or change both.
  virtual void call(const OperatorHandle& op, Stack& stack, const std::function<void()>& next) = 0;
};

/// Installs a layer on the calling thread for its lifetime. Layers installed earlier wrap
/// those installed later.
class LayerScope {
 public:
  explicit LayerScope(Layer& layer);
  ~LayerScope();
  LayerScope(const LayerScope&) = delete;
  LayerScope& operator=(const LayerScope&) = delete;
};

namespace detail {
/// Layers active on this thread.
std::vector<Layer*>& thread_layers();
}  // namespace detail

/// Per-op settings given at definition.
struct OpOptions {
  /// Indices of the tensor arguments whose result type is the dispatch dtype; empty means
  /// every tensor argument (e.g. where() dispatches on its two values, not on condition).
  std::vector<int> dispatch_dtype_args;
};

/// The dispatch key of a call.
struct DispatchKey {
  BackendId backend;
  DType dtype;
};

template <typename Sig>
class TypedOperatorHandle;

/// A registered op. Cheap to copy; valid for the life of the process.
class OperatorHandle {
 public:
  explicit OperatorHandle(OperatorEntry* e) : entry_(e) {}
  const Schema& schema() const;
  const std::string& name() const;  // "add.Tensor"
  OperatorEntry* entry() const { return entry_; }
  bool operator==(const OperatorHandle& o) const { return entry_ == o.entry_; }

  /// A handle for typed calls; throws if Sig does not match the schema.
  template <typename Sig>
  TypedOperatorHandle<Sig> typed() const;

  /// Calls the op on a stack holding every argument in schema order; leaves the returns.
  void call_boxed(Stack& stack) const;
  /// As call_boxed, but runs the kernel the given backend resolves to, skipping layers:
  /// how a backend fallback hands a call on.
  void redispatch_boxed(BackendId backend, Stack& stack) const;

 private:
  OperatorEntry* entry_;
};

/// The process-wide registry of ops, backends and kernels.
class Dispatcher {
 public:
  static Dispatcher& get();

  /// Declares an op; its name is the schema's full name ("add.Tensor"). Defining the same
  /// schema twice returns the first; a different schema under the same name throws.
  OperatorHandle def(std::string_view schema, OpOptions options = {});
  std::optional<OperatorHandle> find(std::string_view full_name) const;
  /// Throws NotImplementedError naming the op if it is not defined.
  OperatorHandle find_or_throw(std::string_view full_name) const;
  /// Every op, sorted by name.
  std::vector<OperatorHandle> ops() const;

  /// Registers a kernel; dtype nullopt registers the dtype-generic kernel. Throws if the
  /// slot is taken or the kernel's signature does not match the schema.
  void impl(OperatorHandle op, BackendId backend, std::optional<DType> dtype,
            KernelFunction kernel);

  /// Registers a backend. device: the device type whose tensors dispatch to it (none for
  /// backends like reference that are reached only by fallback or by name). fallback: where
  /// lookups go when this backend has no kernel.
  BackendId register_backend(std::string_view name, std::optional<DeviceType> device,
                             std::optional<BackendId> fallback);
  /// Id of a registered backend by name; throws if unknown.
  BackendId backend_id(std::string_view name) const;
  std::string backend_name(BackendId b) const;
  int num_backends() const;
  /// A boxed kernel used for every op on this backend that has no kernel of its own.
  void set_backend_fallback(BackendId backend, BoxedFunction fn);

  /// (backend, dtype-or-generic) pairs with a kernel registered for op, for listings.
  std::vector<std::pair<BackendId, std::optional<DType>>> registered(OperatorHandle op) const;

  /// The boxed entry for bindings: positional args, then keyword args by name; fills in
  /// defaults and checks every value against the schema. Returns the stack of returns.
  Stack call(std::string_view op, std::vector<IValue> args,
             std::vector<std::pair<std::string, IValue>> kwargs = {});
  /// Builds the full argument stack for op from positional and keyword arguments.
  Stack bind(OperatorHandle op, std::vector<IValue> args,
             std::vector<std::pair<std::string, IValue>> kwargs) const;

  /// The kernel for a key; throws NotImplementedError naming op, backend and dtype and
  /// listing what is registered when there is none.
  const KernelFunction& lookup(OperatorHandle op, DispatchKey key) const;
  /// Backend serving a device type.
  BackendId backend_for(Device d, std::string_view op_name) const;

 private:
  Dispatcher();
  void resolve_all();  // recompute every op's resolved table; holds mu_
  void resolve(OperatorEntry& e);

  mutable std::mutex mu_;
  std::vector<std::unique_ptr<OperatorEntry>> ops_;
  struct Backend {
    std::string name;
    std::optional<DeviceType> device;
    std::optional<BackendId> fallback;
    std::unique_ptr<KernelFunction> boxed_fallback;
  };
  std::vector<Backend> backends_;
  std::array<std::atomic<int>, kMaxDeviceTypes> device_backend_;
};

/// The storage behind an OperatorHandle.
class OperatorEntry {
 public:
  OperatorEntry(Schema schema, OpOptions options);
  const Schema& schema() const { return schema_; }
  const std::string& name() const { return name_; }
  /// Bit i set: argument i is a tensor argument the dispatch dtype is computed from.
  uint64_t dispatch_dtype_mask() const { return dtype_mask_; }
  const KernelFunction* resolved(DispatchKey k) const {
    return resolved_[k.backend][static_cast<int>(k.dtype)].load(std::memory_order_acquire);
  }

 private:
  friend class Dispatcher;
  Schema schema_;
  std::string name_;
  uint64_t dtype_mask_ = 0;
  // [backend][dtype], the last column being the dtype-generic kernel.
  std::array<std::array<std::unique_ptr<KernelFunction>, kNumDTypes + 1>, kMaxBackends> registered_;
  std::array<std::array<std::atomic<const KernelFunction*>, kNumDTypes>, kMaxBackends> resolved_{};
};

// ---------------------------------------------------------------------------------------
// Implementation of the templates.

namespace detail {

// Collects the dispatch key from typed arguments. See Note [Dispatch].
class KeyBuilder {
 public:
  explicit KeyBuilder(const OperatorEntry& op) : op_(op) {}
  void add(const Tensor& t, bool for_dtype) {
    if (!t.defined()) return;
    const Device d = t.device();
    const bool cpu_scalar = d.type == kCPU && t.dim() == 0;
    if (!has_device_) {
      has_device_ = true;
      device_ = d;
      device_is_cpu_scalar_ = cpu_scalar;
    } else if (d != device_ && !cpu_scalar) {
      // A 0-d cpu tensor may meet tensors of another device, as in PyTorch.
      if (!device_is_cpu_scalar_) mismatch(device_, d);
      device_ = d;
      device_is_cpu_scalar_ = false;
    }
    if (for_dtype) types_.update(t);
  }
  void add(const std::optional<Tensor>& t, bool for_dtype) {
    if (t) add(*t, for_dtype);
  }
  void add(TensorList l, bool for_dtype) {
    for (const Tensor& t : l) add(t, for_dtype);
  }
  template <typename T>
  void add(const T&, bool) {}
  DispatchKey key() const;

 private:
  [[noreturn]] void mismatch(Device a, Device b) const;
  const OperatorEntry& op_;
  Device device_;
  bool has_device_ = false;
  bool device_is_cpu_scalar_ = false;
  ResultTypeState types_;
};

DispatchKey key_from_stack(const OperatorEntry& op, const Stack& stack);
void call_with_layers(const OperatorHandle& op, Stack& stack);
[[noreturn]] void signature_mismatch(const OperatorEntry& op, const std::vector<SchemaType>& args,
                                     const std::vector<SchemaType>& rets, const char* what);
void check_signature(const OperatorEntry& op, const std::vector<SchemaType>& args,
                     const std::vector<SchemaType>& rets, const char* what);

template <typename Ret, typename... Args>
void boxed_wrapper(const KernelFunction& k, const OperatorHandle&, Stack& stack) {
  using Fn = Ret (*)(Args...);
  const Fn fn = reinterpret_cast<Fn>(k.unboxed);
  constexpr size_t n = sizeof...(Args);
  const size_t base = stack.size() - n;
  auto invoke = [&]<size_t... I>(std::index_sequence<I...>)->decltype(auto) {
    return fn(ArgTraits<std::decay_t<Args>>::read(stack[base + I])...);
  };
  if constexpr (std::is_void_v<Ret>) {
    invoke(std::index_sequence_for<Args...>{});
    stack.resize(base);
  } else {
    Ret r = invoke(std::index_sequence_for<Args...>{});
    stack.resize(base);
    ReturnTraits<Ret>::push(stack, std::move(r));
  }
}

}  // namespace detail

template <typename Ret, typename... Args>
KernelFunction KernelFunction::from_unboxed(Ret (*fn)(Args...)) {
  KernelFunction k;
  k.unboxed = reinterpret_cast<AnyFunctionPtr>(fn);
  k.signature = &typeid(Ret(Args...));
  k.boxed = &detail::boxed_wrapper<Ret, Args...>;
  k.arg_types = {ArgTraits<std::decay_t<Args>>::type...};
  k.return_types = ReturnTraits<Ret>::types();
  return k;
}

/// Calls an op with C++ arguments of the exact types of Sig.
template <typename Ret, typename... Args>
class TypedOperatorHandle<Ret(Args...)> {
 public:
  explicit TypedOperatorHandle(OperatorHandle op) : op_(op) {}
  OperatorHandle handle() const { return op_; }

  Ret call(Args... args) const {
    if (__builtin_expect(!detail::thread_layers().empty(), 0)) return call_boxed(args...);
    const DispatchKey key = key_of(args...);
    const KernelFunction* k = op_.entry()->resolved(key);
    if (__builtin_expect(k != nullptr && *k->signature == typeid(Ret(Args...)), 1)) {
      return reinterpret_cast<Ret (*)(Args...)>(k->unboxed)(args...);
    }
    if (k == nullptr) Dispatcher::get().lookup(op_, key);  // throws the full error
    return call_boxed(args...);
  }

  /// Calls the kernel that `backend` resolves to for these arguments, skipping layers:
  /// how an optimised kernel hands the cases it does not cover to the next one, e.g. a cpu
  /// kernel for contiguous inputs passing strided ones to the reference kernel.
  Ret redispatch(BackendId backend, Args... args) const {
    DispatchKey key = key_of(args...);
    key.backend = backend;
    const KernelFunction& k = Dispatcher::get().lookup(op_, key);
    if (*k.signature == typeid(Ret(Args...)))
      return reinterpret_cast<Ret (*)(Args...)>(k.unboxed)(args...);
    Stack stack;
    (stack.push_back(ArgTraits<std::decay_t<Args>>::box(args)), ...);
    k.boxed(k, op_, stack);
    if constexpr (!std::is_void_v<Ret>) return ReturnTraits<Ret>::pop(stack);
  }

 private:
  DispatchKey key_of(const Args&... args) const {
    const OperatorEntry& e = *op_.entry();
    detail::KeyBuilder kb(e);
    const uint64_t mask = e.dispatch_dtype_mask();
    [&]<size_t... I>(std::index_sequence<I...>) {
      (kb.add(args, (mask >> I) & 1), ...);
    }
    (std::index_sequence_for<Args...>{});
    return kb.key();
  }

  Ret call_boxed(Args... args) const {
    Stack stack;
    stack.reserve(sizeof...(Args));
    (stack.push_back(ArgTraits<std::decay_t<Args>>::box(args)), ...);
    op_.call_boxed(stack);
    if constexpr (!std::is_void_v<Ret>) return ReturnTraits<Ret>::pop(stack);
  }
  OperatorHandle op_;
};

template <typename Sig>
TypedOperatorHandle<Sig> OperatorHandle::typed() const {
  const KernelFunction probe = KernelFunction::from_unboxed(static_cast<Sig*>(nullptr));
  detail::check_signature(*entry_, probe.arg_types, probe.return_types, "typed call");
  return TypedOperatorHandle<Sig>(*this);
}

}  // namespace tessera
