// ONNX TensorProto <-> tessera Tensor, and ONNX element types <-> dtypes.
#pragma once

#include <filesystem>
#include <optional>

#include <onnx/onnx_pb.h>

#include "core/tensor.h"

namespace tessera::onnx_frontend {

/// The dtype of an ONNX TensorProto.DataType, or nullopt for types tessera lacks (string,
/// uint16, uint32, uint64).
std::optional<DType> dtype_of(int32_t onnx_type);
/// The ONNX TensorProto.DataType of a dtype; throws for float8 types ONNX 1.12 lacks.
int32_t onnx_type_of(DType d);
/// "FLOAT", "STRING", ... for messages.
std::string onnx_type_name(int32_t onnx_type);

/// The largest tensor a model may hold (elements), so a hostile file cannot ask for an
/// unbounded allocation: 2^34 elements (64 GiB of float32), far above any real weight.
inline constexpr int64_t kMaxElements = int64_t{1} << 34;

/// The data of a TensorProto: raw_data, the typed fields, or external data read from a
/// file under base_dir (paths leaving base_dir, missing files and short files are errors).
/// what names the tensor in errors. Throws Error on any inconsistency.
Tensor to_tensor(const onnx::TensorProto& t, const std::filesystem::path& base_dir,
                 const std::string& what);

/// A TensorProto holding t (raw_data, little-endian).
onnx::TensorProto to_proto(const Tensor& t, const std::string& name);

}  // namespace tessera::onnx_frontend
