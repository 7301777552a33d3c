// Device: where a tensor's memory lives (cpu, cuda:N, or a registered backend's device).
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>

namespace tessera {

class Allocator;

/// Index of a device type in the device registry: cpu is 0, cuda is 1; backends defined
/// later register their own.
using DeviceType = uint8_t;
inline constexpr DeviceType kCPU = 0;
inline constexpr DeviceType kCUDA = 1;
inline constexpr int kMaxDeviceTypes = 16;

/// A device type and index, e.g. cpu or cuda:1.
struct Device {
  DeviceType type = kCPU;
  int16_t index = 0;

  Device() = default;
  Device(DeviceType t, int idx = 0) : type(t), index(static_cast<int16_t>(idx)) {}  // NOLINT
  /// Parses "cpu", "cuda", "cuda:1" or a registered device type's name.
  explicit Device(std::string_view spec);

  bool operator==(const Device&) const = default;
  std::string str() const;
};

/// Registers a device type by name; returns its id (the existing one if already registered).
/// host_accessible says the CPU can read and write its memory directly (core copies,
/// printing and item() then work on it).
DeviceType register_device_type(std::string_view name, bool host_accessible = false);
/// Whether the CPU can address memory of this device type.
bool is_host_accessible(DeviceType t);
/// The name a device type was registered with.
std::string_view device_type_name(DeviceType t);
/// Number of device types registered so far.
int num_device_types();

/// Sets the allocator for a device type (not owned; it must outlive every tensor on it).
void set_allocator(DeviceType t, Allocator* a);
/// The allocator for a device type; throws NotImplementedError naming the device if none.
Allocator& allocator_for(DeviceType t);

std::ostream& operator<<(std::ostream& os, const Device& d);

}  // namespace tessera
