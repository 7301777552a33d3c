// The dispatcher's registry, lookup with fallbacks, layers and the boxed entry points.
#include "dispatch/dispatcher.h"

#include <algorithm>
#include <sstream>

namespace tessera {

// ---- layers ----

std::vector<Layer*>& detail::thread_layers() {
  thread_local std::vector<Layer*> layers;
  return layers;
}

LayerScope::LayerScope(Layer& layer) {
  detail::thread_layers().push_back(&layer);
}
LayerScope::~LayerScope() {
  detail::thread_layers().pop_back();
}

// ---- KernelFunction ----

KernelFunction KernelFunction::from_boxed(BoxedFunction fn) {
  KernelFunction k;
  k.boxed_function = std::move(fn);
  k.boxed = [](const KernelFunction& self, const OperatorHandle& op, Stack& stack) {
    self.boxed_function(op, stack);
  };
  return k;
}

// ---- OperatorEntry / OperatorHandle ----

OperatorEntry::OperatorEntry(Schema schema, OpOptions options) : schema_(std::move(schema)) {
  name_ = schema_.full_name();
  const auto& args = schema_.arguments;
  TSR_CHECK(args.size() <= 64, "def: ", name_, " has more than 64 arguments");
  if (options.dispatch_dtype_args.empty()) {
    for (size_t i = 0; i < args.size(); ++i) {
      if (args[i].type.kind == TypeKind::Tensor) dtype_mask_ |= uint64_t{1} << i;
    }
  } else {
    for (int i : options.dispatch_dtype_args) {
      TSR_CHECK(
          i >= 0 && static_cast<size_t>(i) < args.size() && args[i].type.kind == TypeKind::Tensor,
          "def: ", name_, ": dispatch_dtype_args names argument ", i,
          ", which is not a tensor argument");
      dtype_mask_ |= uint64_t{1} << i;
    }
  }
}

const Schema& OperatorHandle::schema() const {
  return entry_->schema();
}
const std::string& OperatorHandle::name() const {
  return entry_->name();
}

void OperatorHandle::call_boxed(Stack& stack) const {
  const size_t nargs = entry_->schema().arguments.size();
  TSR_CHECK(stack.size() >= nargs, name(), ": expected ", nargs, " arguments on the stack, got ",
            stack.size());
  if (!detail::thread_layers().empty()) {
    detail::call_with_layers(*this, stack);
    return;
  }
  const KernelFunction& k = Dispatcher::get().lookup(*this, detail::key_from_stack(*entry_, stack));
  k.boxed(k, *this, stack);
}

void OperatorHandle::redispatch_boxed(BackendId backend, Stack& stack) const {
  DispatchKey key = detail::key_from_stack(*entry_, stack);
  key.backend = backend;
  const KernelFunction& k = Dispatcher::get().lookup(*this, key);
  k.boxed(k, *this, stack);
}

namespace detail {

DispatchKey KeyBuilder::key() const {
  const Dispatcher& d = Dispatcher::get();
  const BackendId b = has_device_ ? d.backend_for(device_, op_.name()) : kBackendCPU;
  return {b, types_.result().value_or(kDefaultFloat)};
}

void KeyBuilder::mismatch(Device a, Device b) const {
  throw_error<Error>(
      op_.name(),
      ": expected all tensors to be on the same device, but found at least two devices, ", a,
      " and ", b);
}

DispatchKey key_from_stack(const OperatorEntry& op, const Stack& stack) {
  KeyBuilder kb(op);
  const size_t n = op.schema().arguments.size();
  const size_t base = stack.size() - n;
  const uint64_t mask = op.dispatch_dtype_mask();
  for (size_t i = 0; i < n; ++i) {
    const IValue& v = stack[base + i];
    const bool for_dtype = (mask >> i) & 1;
    if (v.is_tensor()) {
      kb.add(v.to_tensor(), for_dtype);
    } else if (v.is_tensor_list()) {
      kb.add(TensorList(v.to_tensor_list()), for_dtype);
    }
  }
  return kb.key();
}

void call_with_layers(const OperatorHandle& op, Stack& stack) {
  // Run the layers outermost first with the list copied, so a layer may install others.
  const std::vector<Layer*> layers = thread_layers();
  std::vector<Layer*>& live = thread_layers();
  std::function<void(size_t)> run = [&](size_t i) {
    if (i == layers.size()) {
      // The kernel runs without layers on this thread: a layer sees each call once, at
      // the level the caller made it, not the ops a kernel calls in turn.
      std::vector<Layer*> saved;
      saved.swap(live);
      try {
        const KernelFunction& k = Dispatcher::get().lookup(op, key_from_stack(*op.entry(), stack));
        k.boxed(k, op, stack);
      } catch (...) {
        live.swap(saved);
        throw;
      }
      live.swap(saved);
      return;
    }
    bool called = false;
    layers[i]->call(op, stack, [&] {
      TSR_ASSERT(!called, "a layer called next() twice for ", op.name());
      called = true;
      run(i + 1);
    });
    TSR_ASSERT(called, "a layer returned without calling next() for ", op.name());
  };
  run(0);
}

namespace {
std::string types_str(const std::vector<SchemaType>& ts) {
  std::string s = "(";
  for (size_t i = 0; i < ts.size(); ++i) s += (i ? ", " : "") + ts[i].str();
  return s + ")";
}
bool same_type(const SchemaType& a, const SchemaType& b) {
  return a.kind == b.kind && a.is_list == b.is_list && a.is_optional == b.is_optional;
}
}  // namespace

void signature_mismatch(const OperatorEntry& op, const std::vector<SchemaType>& args,
                        const std::vector<SchemaType>& rets, const char* what) {
  throw_error<Error>(what, ": C++ signature ", types_str(args), " -> ", types_str(rets),
                     " does not match the schema ", op.schema().str());
}

void check_signature(const OperatorEntry& op, const std::vector<SchemaType>& args,
                     const std::vector<SchemaType>& rets, const char* what) {
  const Schema& s = op.schema();
  bool ok = args.size() == s.arguments.size() && rets.size() == s.returns.size();
  for (size_t i = 0; ok && i < args.size(); ++i) ok = same_type(args[i], s.arguments[i].type);
  for (size_t i = 0; ok && i < rets.size(); ++i) ok = same_type(rets[i], s.returns[i].type);
  if (!ok) signature_mismatch(op, args, rets, what);
}

}  // namespace detail

// ---- Dispatcher ----

Dispatcher& Dispatcher::get() {
  static Dispatcher* d = new Dispatcher();  // never destroyed: kernels may run during exit
  return *d;
}

Dispatcher::Dispatcher() {
  for (auto& b : device_backend_) b = -1;
  backends_.push_back({"cpu", kCPU, std::nullopt, nullptr});
  backends_.push_back({"cuda", kCUDA, std::nullopt, nullptr});
  backends_.push_back({"reference", std::nullopt, std::nullopt, nullptr});
  backends_[kBackendCPU].fallback = kBackendReference;
  device_backend_[kCPU] = kBackendCPU;
  device_backend_[kCUDA] = kBackendCUDA;
}

OperatorHandle Dispatcher::def(std::string_view schema_text, OpOptions options) {
  Schema schema = parse_schema(schema_text);
  std::lock_guard lock(mu_);
  const std::string name = schema.full_name();
  for (const auto& e : ops_) {
    if (e->name() == name) {
      TSR_CHECK(e->schema() == schema, "def: op ", name, " is already defined as ",
                e->schema().str(), ", cannot redefine it as ", schema.str());
      return OperatorHandle(e.get());
    }
  }
  ops_.push_back(std::make_unique<OperatorEntry>(std::move(schema), std::move(options)));
  resolve(*ops_.back());
  return OperatorHandle(ops_.back().get());
}

std::optional<OperatorHandle> Dispatcher::find(std::string_view full_name) const {
  std::lock_guard lock(mu_);
  for (const auto& e : ops_) {
    if (e->name() == full_name) return OperatorHandle(e.get());
  }
  return std::nullopt;
}

OperatorHandle Dispatcher::find_or_throw(std::string_view full_name) const {
  auto op = find(full_name);
  TSR_CHECK_AS(NotImplementedError, op.has_value(), "no op named '", full_name, "' is registered");
  return *op;
}

std::vector<OperatorHandle> Dispatcher::ops() const {
  std::lock_guard lock(mu_);
  std::vector<OperatorHandle> out;
  for (const auto& e : ops_) out.emplace_back(e.get());
  std::sort(out.begin(), out.end(),
            [](const OperatorHandle& a, const OperatorHandle& b) { return a.name() < b.name(); });
  return out;
}

void Dispatcher::impl(OperatorHandle op, BackendId backend, std::optional<DType> dtype,
                      KernelFunction kernel) {
  OperatorEntry& e = *op.entry();
  if (kernel.unboxed) detail::check_signature(e, kernel.arg_types, kernel.return_types, "impl");
  std::lock_guard lock(mu_);
  TSR_CHECK(backend < backends_.size(), "impl: unknown backend id ", int(backend));
  auto& slot = e.registered_[backend][dtype ? static_cast<int>(*dtype) : kNumDTypes];
  TSR_CHECK(slot == nullptr, "impl: ", e.name(), " already has a ",
            dtype ? std::string(name(*dtype)) : "dtype-generic", " kernel for backend ",
            backends_[backend].name);
  slot = std::make_unique<KernelFunction>(std::move(kernel));
  resolve(e);
}

BackendId Dispatcher::register_backend(std::string_view name, std::optional<DeviceType> device,
                                       std::optional<BackendId> fallback) {
  std::lock_guard lock(mu_);
  for (size_t i = 0; i < backends_.size(); ++i) {
    TSR_CHECK(backends_[i].name != name, "register_backend: backend '", name,
              "' is already registered");
  }
  TSR_CHECK(backends_.size() < kMaxBackends, "register_backend: at most ", kMaxBackends,
            " backends");
  TSR_CHECK(!fallback || *fallback < backends_.size(),
            "register_backend: unknown fallback backend");
  const auto id = static_cast<BackendId>(backends_.size());
  if (device) {
    TSR_CHECK(device_backend_[*device] < 0, "register_backend: device type '",
              device_type_name(*device), "' already has backend '",
              backends_[device_backend_[*device]].name, "'");
    device_backend_[*device] = id;
  }
  backends_.push_back({std::string(name), device, fallback, nullptr});
  resolve_all();
  return id;
}

BackendId Dispatcher::backend_id(std::string_view name) const {
  std::lock_guard lock(mu_);
  for (size_t i = 0; i < backends_.size(); ++i) {
    if (backends_[i].name == name) return static_cast<BackendId>(i);
  }
  detail::throw_error<NotImplementedError>("no backend named '", name, "' is registered");
}

std::string Dispatcher::backend_name(BackendId b) const {
  std::lock_guard lock(mu_);
  return b < backends_.size() ? backends_[b].name : "?";
}

int Dispatcher::num_backends() const {
  std::lock_guard lock(mu_);
  return static_cast<int>(backends_.size());
}

void Dispatcher::set_backend_fallback(BackendId backend, BoxedFunction fn) {
  std::lock_guard lock(mu_);
  TSR_CHECK(backend < backends_.size(), "set_backend_fallback: unknown backend id ", int(backend));
  backends_[backend].boxed_fallback =
      std::make_unique<KernelFunction>(KernelFunction::from_boxed(std::move(fn)));
  resolve_all();
}

BackendId Dispatcher::backend_for(Device d, std::string_view op_name) const {
  const int b = device_backend_[d.type];
  TSR_CHECK_AS(NotImplementedError, b >= 0, op_name, ": no backend is registered for device ", d);
  return static_cast<BackendId>(b);
}

void Dispatcher::resolve_all() {
  for (auto& e : ops_) resolve(*e);
}

void Dispatcher::resolve(OperatorEntry& e) {
  for (size_t b = 0; b < kMaxBackends; ++b) {
    for (int d = 0; d < kNumDTypes; ++d) {
      const KernelFunction* found = nullptr;
      // Walk the fallback chain (bounded, in case someone builds a cycle).
      std::optional<BackendId> cur =
          b < backends_.size() ? std::optional<BackendId>(b) : std::nullopt;
      for (int hops = 0; cur && !found && hops < kMaxBackends; ++hops) {
        const auto& row = e.registered_[*cur];
        if (row[d]) {
          found = row[d].get();
        } else if (row[kNumDTypes]) {
          found = row[kNumDTypes].get();
        } else if (backends_[*cur].boxed_fallback) {
          found = backends_[*cur].boxed_fallback.get();
        }
        cur = backends_[*cur].fallback;
      }
      e.resolved_[b][d].store(found, std::memory_order_release);
    }
  }
}

std::vector<std::pair<BackendId, std::optional<DType>>> Dispatcher::registered(
    OperatorHandle op) const {
  std::lock_guard lock(mu_);
  std::vector<std::pair<BackendId, std::optional<DType>>> out;
  for (size_t b = 0; b < backends_.size(); ++b) {
    for (int d = 0; d <= kNumDTypes; ++d) {
      if (op.entry()->registered_[b][d]) {
        out.emplace_back(
            static_cast<BackendId>(b),
            d == kNumDTypes ? std::nullopt : std::optional<DType>(static_cast<DType>(d)));
      }
    }
  }
  return out;
}

const KernelFunction& Dispatcher::lookup(OperatorHandle op, DispatchKey key) const {
  if (const KernelFunction* k = op.entry()->resolved(key)) return *k;
  std::ostringstream os;
  os << op.name() << ": no kernel for backend " << backend_name(key.backend) << " and dtype "
     << key.dtype << "; registered:";
  const auto regs = registered(op);
  if (regs.empty()) os << " nothing";
  for (size_t i = 0; i < regs.size(); ++i) {
    const auto& [b, d] = regs[i];
    const bool first_of_backend = i == 0 || regs[i - 1].first != b;
    if (first_of_backend) os << (i ? "]; " : " ") << backend_name(b) << " [";
    os << (first_of_backend ? "" : ", ") << (d ? std::string(name(*d)) : "any dtype");
  }
  if (!regs.empty()) os << "]";
  throw NotImplementedError(os.str());
}

Stack Dispatcher::bind(OperatorHandle op, std::vector<IValue> args,
                       std::vector<std::pair<std::string, IValue>> kwargs) const {
  const Schema& s = op.schema();
  const size_t n = s.arguments.size();
  std::vector<std::string_view> names;
  for (const auto& [k, v] : kwargs) names.push_back(k);
  const std::vector<int> at = keyword_slots(s, args.size(), names, op.name());
  std::vector<std::optional<IValue>> slots(n);
  for (size_t i = 0; i < args.size(); ++i) slots[i] = std::move(args[i]);
  for (size_t k = 0; k < kwargs.size(); ++k) {
    slots[static_cast<size_t>(at[k])] = std::move(kwargs[k].second);
  }
  Stack stack;
  stack.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    const Argument& a = s.arguments[i];
    if (!slots[i]) {
      TSR_CHECK(a.default_value.has_value(), op.name(), ": missing argument '", a.name, "'");
      slots[i] = *a.default_value;
    }
    IValue v = coerce_argument(a, std::move(*slots[i]));
    TSR_CHECK_AS(TypeError, a.type.accepts(v), op.name(), ": argument '", a.name, "' expected ",
                 a.type.str(), " but got ", v.kind());
    stack.push_back(std::move(v));
  }
  return stack;
}

Stack Dispatcher::call(std::string_view op_name, std::vector<IValue> args,
                       std::vector<std::pair<std::string, IValue>> kwargs) {
  const OperatorHandle op = find_or_throw(op_name);
  Stack stack = bind(op, std::move(args), std::move(kwargs));
  op.call_boxed(stack);
  return stack;
}

}  // namespace tessera
