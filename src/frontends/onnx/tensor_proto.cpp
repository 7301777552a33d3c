// ONNX tensors to tessera tensors and back, with every size checked before allocation.
#include "frontends/onnx/tensor_proto.h"

#include <cstring>
#include <fstream>

#include "core/factories.h"

namespace tessera::onnx_frontend {
namespace {

using TP = onnx::TensorProto;

struct TypeRow {
  int32_t onnx;
  const char* name;
  std::optional<DType> dtype;
};
const TypeRow kTypes[] = {
    {TP::FLOAT, "FLOAT", DType::Float32},
    {TP::UINT8, "UINT8", DType::UInt8},
    {TP::INT8, "INT8", DType::Int8},
    {TP::UINT16, "UINT16", std::nullopt},
    {TP::INT16, "INT16", DType::Int16},
    {TP::INT32, "INT32", DType::Int32},
    {TP::INT64, "INT64", DType::Int64},
    {TP::STRING, "STRING", std::nullopt},
    {TP::BOOL, "BOOL", DType::Bool},
    {TP::FLOAT16, "FLOAT16", DType::Float16},
    {TP::DOUBLE, "DOUBLE", DType::Float64},
    {TP::UINT32, "UINT32", std::nullopt},
    {TP::UINT64, "UINT64", std::nullopt},
    {TP::COMPLEX64, "COMPLEX64", DType::Complex64},
    {TP::COMPLEX128, "COMPLEX128", DType::Complex128},
    {TP::BFLOAT16, "BFLOAT16", DType::BFloat16},
};

// Reads [offset, offset + length) of a file confined to base_dir.
std::string read_external(const TP& t, const std::filesystem::path& base_dir,
                          const std::string& what, size_t want) {
  std::string location;
  int64_t offset = 0, length = -1;
  for (const auto& kv : t.external_data()) {
    if (kv.key() == "location") location = kv.value();
    try {
      if (kv.key() == "offset") offset = std::stoll(kv.value());
      if (kv.key() == "length") length = std::stoll(kv.value());
    } catch (const std::exception&) {
      detail::throw_error<Error>("onnx: tensor '", what, "': external data ", kv.key(), " '",
                                 kv.value(), "' is not a number");
    }
  }
  TSR_CHECK(!location.empty(), "onnx: tensor '", what, "': external data without a location");
  const std::filesystem::path rel(location);
  TSR_CHECK(rel.is_relative(), "onnx: tensor '", what, "': external data path '", location,
            "' is absolute; it must be relative to the model's folder");
  const auto base = std::filesystem::weakly_canonical(base_dir);
  const auto path = std::filesystem::weakly_canonical(base / rel);
  const auto [b, p] = std::mismatch(base.begin(), base.end(), path.begin(), path.end());
  TSR_CHECK(b == base.end(), "onnx: tensor '", what, "': external data path '", location,
            "' leaves the model's folder");
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  TSR_CHECK(!ec, "onnx: tensor '", what, "': cannot read external data file '", location, "'");
  TSR_CHECK(offset >= 0 && static_cast<uint64_t>(offset) <= size, "onnx: tensor '", what,
            "': external data offset ", offset, " is past the end of '", location, "' (", size,
            " bytes)");
  const uint64_t len =
      length < 0 ? size - static_cast<uint64_t>(offset) : static_cast<uint64_t>(length);
  TSR_CHECK(len == want, "onnx: tensor '", what, "': external data holds ", len,
            " bytes but the tensor needs ", want);
  TSR_CHECK(static_cast<uint64_t>(offset) + len <= size, "onnx: tensor '", what,
            "': external data runs past the end of '", location, "'");
  std::ifstream in(path, std::ios::binary);
  in.seekg(offset);
  std::string data(len, '\0');
  in.read(data.data(), static_cast<std::streamsize>(len));
  TSR_CHECK(in.good() || len == 0, "onnx: tensor '", what, "': reading '", location, "' failed");
  return data;
}

template <typename Field>
void check_count(const Field& f, int64_t want, const std::string& what, const char* field) {
  TSR_CHECK(f.size() == want, "onnx: tensor '", what, "' has ", f.size(), " values in ", field,
            " but its shape holds ", want);
}

}  // namespace

std::optional<DType> dtype_of(int32_t onnx_type) {
  for (const TypeRow& r : kTypes) {
    if (r.onnx == onnx_type) return r.dtype;
  }
  return std::nullopt;
}

int32_t onnx_type_of(DType d) {
  for (const TypeRow& r : kTypes) {
    if (r.dtype == d) return r.onnx;
  }
  detail::throw_error<TypeError>("onnx: dtype ", name(d), " has no ONNX element type");
}

std::string onnx_type_name(int32_t onnx_type) {
  for (const TypeRow& r : kTypes) {
    if (r.onnx == onnx_type) return r.name;
  }
  return "type " + std::to_string(onnx_type);
}

Tensor to_tensor(const TP& t, const std::filesystem::path& base_dir, const std::string& what) {
  const std::optional<DType> dtype = dtype_of(t.data_type());
  TSR_CHECK_AS(TypeError, dtype.has_value(), "onnx: tensor '", what, "' has element type ",
               onnx_type_name(t.data_type()), ", which tessera does not support");
  std::vector<int64_t> sizes;
  int64_t numel = 1;
  for (const int64_t d : t.dims()) {
    TSR_CHECK(d >= 0, "onnx: tensor '", what, "' has a negative dim ", d);
    TSR_CHECK(d == 0 || numel <= kMaxElements / d, "onnx: tensor '", what,
              "' holds more than 2^34 elements");
    numel *= d;
    sizes.push_back(d);
  }
  TSR_CHECK(sizes.size() <= 64, "onnx: tensor '", what, "' has ", sizes.size(), " dims");
  const size_t nbytes = static_cast<size_t>(numel) * itemsize(*dtype);
  const bool external = t.data_location() == TP::EXTERNAL;
  std::string external_bytes;
  if (external) external_bytes = read_external(t, base_dir, what, nbytes);
  const std::string& raw = external ? external_bytes : t.raw_data();
  Tensor out = empty(sizes, *dtype);
  if (external || !t.raw_data().empty()) {
    TSR_CHECK(raw.size() == nbytes, "onnx: tensor '", what, "' has ", raw.size(),
              " bytes of data but its shape and type need ", nbytes);
    if (nbytes) std::memcpy(out.data_ptr(), raw.data(), nbytes);
    return out;
  }
  void* dst = out.data_ptr();
  switch (t.data_type()) {
    case TP::FLOAT:
    case TP::COMPLEX64:  // a complex number is two floats
      check_count(t.float_data(), numel * (is_complex(*dtype) ? 2 : 1), what, "float_data");
      std::copy(t.float_data().begin(), t.float_data().end(), static_cast<float*>(dst));
      break;
    case TP::DOUBLE:
    case TP::COMPLEX128:
      check_count(t.double_data(), numel * (is_complex(*dtype) ? 2 : 1), what, "double_data");
      std::copy(t.double_data().begin(), t.double_data().end(), static_cast<double*>(dst));
      break;
    case TP::INT64:
      check_count(t.int64_data(), numel, what, "int64_data");
      std::copy(t.int64_data().begin(), t.int64_data().end(), static_cast<int64_t*>(dst));
      break;
    default: {
      // INT32, INT16, INT8, UINT8, BOOL, and the bits of FLOAT16 and BFLOAT16, in int32_data.
      check_count(t.int32_data(), numel, what, "int32_data");
      auto* bytes = static_cast<uint8_t*>(dst);
      const size_t width = itemsize(*dtype);
      for (int64_t i = 0; i < numel; ++i) {
        const int32_t v = t.int32_data(static_cast<int>(i));
        if (*dtype == DType::Bool) {
          bytes[i] = v != 0;
        } else {
          std::memcpy(bytes + static_cast<size_t>(i) * width, &v, width);  // little-endian
        }
      }
    }
  }
  return out;
}

onnx::TensorProto to_proto(const Tensor& t, const std::string& name) {
  TP p;
  p.set_name(name);
  p.set_data_type(onnx_type_of(t.dtype()));
  for (const int64_t s : t.sizes()) p.add_dims(s);
  const Tensor c = t.contiguous();
  p.set_raw_data(std::string(static_cast<const char*>(c.data_ptr()), c.nbytes()));
  return p;
}

}  // namespace tessera::onnx_frontend
