// The .npy format: a magic string, a version, a header length, a Python dict literal
// {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), } padded to 64 bytes, then the data.
#include "npy.h"

#include <cstring>
#include <fstream>
#include <regex>

#include "core/factories.h"

namespace tessera::npy {
namespace {

constexpr char kMagic[] = "\x93NUMPY";

struct Descr {
  const char* code;  // without the byte-order character
  DType dtype;
};
constexpr Descr kDescrs[] = {
    {"b1", DType::Bool},      {"i1", DType::Int8},        {"u1", DType::UInt8},
    {"i2", DType::Int16},     {"i4", DType::Int32},       {"i8", DType::Int64},
    {"f2", DType::Float16},   {"f4", DType::Float32},     {"f8", DType::Float64},
    {"c8", DType::Complex64}, {"c16", DType::Complex128},
};

}  // namespace

Tensor parse(const std::string& bytes, const std::string& what) {
  TSR_CHECK(bytes.size() >= 10 && bytes.compare(0, 6, kMagic, 6) == 0, "npy: ", what,
            " is not a .npy file (no \\x93NUMPY magic)");
  const auto major = static_cast<uint8_t>(bytes[6]);
  TSR_CHECK(major >= 1 && major <= 3, "npy: ", what, ": unknown format version ", int{major});
  size_t header_len = 0, start = 0;
  if (major == 1) {
    header_len =
        static_cast<uint8_t>(bytes[8]) | (static_cast<size_t>(static_cast<uint8_t>(bytes[9])) << 8);
    start = 10;
  } else {
    TSR_CHECK(bytes.size() >= 12, "npy: ", what, " is truncated in its header");
    for (int i = 3; i >= 0; --i)
      header_len = (header_len << 8) | static_cast<uint8_t>(bytes[8 + i]);
    start = 12;
  }
  TSR_CHECK(header_len <= bytes.size() - start, "npy: ", what, " is truncated in its header");
  const std::string header = bytes.substr(start, header_len);
  std::smatch m;
  static const std::regex descr_re(R"('descr'\s*:\s*'([<>|=])([A-Za-z]\d*)')");
  static const std::regex order_re(R"('fortran_order'\s*:\s*(True|False))");
  static const std::regex shape_re(R"('shape'\s*:\s*\(([\d\s,]*)\))");
  TSR_CHECK(std::regex_search(header, m, descr_re), "npy: ", what, ": the header has no 'descr'");
  const std::string order = m[1], code = m[2];
  TSR_CHECK(order != ">", "npy: ", what, ": big-endian data is not supported");
  std::optional<DType> dtype;
  for (const Descr& d : kDescrs) {
    if (code == d.code) dtype = d.dtype;
  }
  TSR_CHECK_AS(TypeError, dtype.has_value(), "npy: ", what, ": dtype '", code,
               "' is not supported");
  TSR_CHECK(std::regex_search(header, m, order_re), "npy: ", what,
            ": the header has no 'fortran_order'");
  const bool fortran = m[1] == "True";
  TSR_CHECK(std::regex_search(header, m, shape_re), "npy: ", what, ": the header has no 'shape'");
  std::vector<int64_t> shape;
  const std::string dims = m[1];
  static const std::regex int_re(R"(\d+)");
  int64_t numel = 1;
  for (auto it = std::sregex_iterator(dims.begin(), dims.end(), int_re);
       it != std::sregex_iterator(); ++it) {
    TSR_CHECK(it->str().size() <= 12, "npy: ", what, ": dim ", it->str(), " is too large");
    const int64_t d = std::stoll(it->str());
    TSR_CHECK(d == 0 || numel <= (int64_t{1} << 40) / d, "npy: ", what, ": the shape is too large");
    numel *= d;
    shape.push_back(d);
  }
  const size_t nbytes = static_cast<size_t>(numel) * itemsize(*dtype);
  const size_t data_at = start + header_len;
  TSR_CHECK(bytes.size() - data_at == nbytes, "npy: ", what, " holds ", bytes.size() - data_at,
            " bytes of data but its shape and dtype need ", nbytes);
  if (fortran) {
    std::vector<int64_t> reversed(shape.rbegin(), shape.rend());
    Tensor t = empty(reversed, *dtype);
    if (nbytes) std::memcpy(t.data_ptr(), bytes.data() + data_at, nbytes);
    std::vector<int64_t> perm;
    for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) perm.push_back(d);
    return t.permute(perm).contiguous();
  }
  Tensor t = empty(shape, *dtype);
  if (nbytes) std::memcpy(t.data_ptr(), bytes.data() + data_at, nbytes);
  return t;
}

Tensor load(const std::filesystem::path& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  TSR_CHECK(!ec, "npy: cannot read '", path.string(), "': ", ec.message());
  TSR_CHECK(size <= (uint64_t{1} << 40), "npy: '", path.string(), "' is too large");
  std::ifstream in(path, std::ios::binary);
  std::string bytes(size, '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(size));
  TSR_CHECK(static_cast<uint64_t>(in.gcount()) == size, "npy: reading '", path.string(),
            "' failed");
  return parse(bytes, "'" + path.string() + "'");
}

std::string serialize(const Tensor& tensor) {
  Tensor t = tensor;
  if (t.dtype() == DType::BFloat16 || t.dtype() == DType::Float8E4M3FN ||
      t.dtype() == DType::Float8E5M2) {
    t = t.to(DType::Float32);
  }
  t = t.contiguous();
  const char* code = nullptr;
  for (const Descr& d : kDescrs) {
    if (d.dtype == t.dtype()) code = d.code;
  }
  TSR_ASSERT(code != nullptr, "no npy code for ", name(t.dtype()));
  std::string shape = "(";
  for (int64_t i = 0; i < t.dim(); ++i)
    shape += std::to_string(t.size(i)) + (t.dim() == 1 ? "," : i + 1 < t.dim() ? ", " : "");
  shape += ")";
  const char order = itemsize(t.dtype()) == 1 ? '|' : '<';
  std::string header = "{'descr': '" + std::string(1, order) + code +
                       "', 'fortran_order': False, 'shape': " + shape + ", }";
  // Magic (6) + version (2) + length (2) + header + '\n', padded to a multiple of 64.
  const size_t total = (10 + header.size() + 1 + 63) / 64 * 64;
  header.append(total - 10 - header.size() - 1, ' ');
  header += '\n';
  std::string out(kMagic, 6);
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>(header.size() >> 8);
  out += header;
  out.append(static_cast<const char*>(t.data_ptr()), t.nbytes());
  return out;
}

void save(const std::filesystem::path& path, const Tensor& t) {
  const std::string bytes = serialize(t);
  std::ofstream out(path, std::ios::binary);
  TSR_CHECK(out.good(), "npy: cannot write '", path.string(), "'");
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  TSR_CHECK(out.good(), "npy: writing '", path.string(), "' failed");
}

}  // namespace tessera::npy
