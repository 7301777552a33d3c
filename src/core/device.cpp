// The device-type registry and the per-device allocators.
#include "core/device.h"

#include <array>
#include <charconv>
#include <mutex>
#include <string>

#include <fmt/format.h>

#include "core/allocator.h"
#include "core/error.h"

namespace tessera {
namespace {

struct Registry {
  std::mutex mu;
  std::array<std::string, kMaxDeviceTypes> names{"cpu", "cuda"};
  std::array<bool, kMaxDeviceTypes> host_accessible{true, false};
  int count = 2;
  std::array<std::atomic<Allocator*>, kMaxDeviceTypes> allocators{};
};

Registry& registry() {
  static Registry* r = [] {
    auto* reg = new Registry;
    reg->allocators[kCPU] = &cpu_allocator();
    return reg;
  }();
  return *r;
}

}  // namespace

DeviceType register_device_type(std::string_view name, bool host_accessible) {
  Registry& r = registry();
  std::lock_guard lock(r.mu);
  for (int i = 0; i < r.count; ++i) {
    if (r.names[i] == name) return static_cast<DeviceType>(i);
  }
  TSR_CHECK(r.count < kMaxDeviceTypes, "register_device_type: at most ", kMaxDeviceTypes,
            " device types, cannot add '", name, "'");
  r.names[r.count] = std::string(name);
  r.host_accessible[r.count] = host_accessible;
  return static_cast<DeviceType>(r.count++);
}

std::string_view device_type_name(DeviceType t) {
  Registry& r = registry();
  TSR_ASSERT(t < r.count, "device type ", int(t), " is not registered");
  return r.names[t];
}

bool is_host_accessible(DeviceType t) {
  return registry().host_accessible[t];
}

int num_device_types() {
  return registry().count;
}

void set_allocator(DeviceType t, Allocator* a) {
  TSR_ASSERT(t < num_device_types());
  registry().allocators[t].store(a, std::memory_order_release);
}

Allocator& allocator_for(DeviceType t) {
  Allocator* a = registry().allocators[t].load(std::memory_order_acquire);
  TSR_CHECK_AS(NotImplementedError, a != nullptr, "no allocator for device type '",
               device_type_name(t),
               "' (tessera was built without it, or its backend is not loaded)");
  return *a;
}

Device::Device(std::string_view spec) {
  const size_t colon = spec.find(':');
  const std::string_view type_name = spec.substr(0, colon);
  Registry& r = registry();
  int found = -1;
  for (int i = 0; i < r.count; ++i) {
    if (r.names[i] == type_name) found = i;
  }
  TSR_CHECK(found >= 0, "device: unknown device type '", type_name, "' in '", spec, "'");
  type = static_cast<DeviceType>(found);
  if (colon != std::string_view::npos) {
    const std::string_view idx = spec.substr(colon + 1);
    int v = -1;
    auto [ptr, ec] = std::from_chars(idx.data(), idx.data() + idx.size(), v);
    TSR_CHECK(ec == std::errc() && ptr == idx.data() + idx.size() && v >= 0 && v < 32768,
              "device: expected a device index after ':' in '", spec, "'");
    index = static_cast<int16_t>(v);
  }
}

std::string Device::str() const {
  if (type == kCPU) return "cpu";
  return fmt::format("{}:{}", device_type_name(type), index);
}

std::ostream& operator<<(std::ostream& os, const Device& d) {
  return os << d.str();
}

}  // namespace tessera
