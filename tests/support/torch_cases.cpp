// Reading the PyTorch reference cases and comparing tessera's results with them.
#include "support/torch_cases.h"

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace tessera::testing {

const nlohmann::json& torch_cases() {
  static const nlohmann::json doc = [] {
    const char* path = std::getenv("TESSERA_TORCH_CASES");
    if (!path)
      throw std::runtime_error(
          "TESSERA_TORCH_CASES is not set (ctest sets it; see tests/CMakeLists.txt)");
    std::ifstream f(path);
    if (!f) throw std::runtime_error(std::string("cannot open ") + path);
    return nlohmann::json::parse(f);
  }();
  return doc;
}

namespace {

std::vector<uint8_t> from_hex(const std::string& hex) {
  std::vector<uint8_t> out(hex.size() / 2);
  for (size_t i = 0; i < out.size(); ++i)
    out[i] = static_cast<uint8_t>(std::stoi(hex.substr(2 * i, 2), nullptr, 16));
  return out;
}

Tensor contiguous_from(const nlohmann::json& j, const std::vector<int64_t>& shape) {
  const DType dt = dtype_from_name(j.at("dtype").get<std::string>());
  Tensor t = empty(shape, dt);
  const auto bytes = from_hex(j.at("data").get<std::string>());
  if (bytes.size() != t.nbytes())
    throw std::runtime_error("case data size does not match its shape");
  if (!bytes.empty()) std::memcpy(t.data_ptr(), bytes.data(), bytes.size());
  return t;
}

}  // namespace

Tensor decode_tensor(const nlohmann::json& j) {
  const auto shape = j.at("shape").get<std::vector<int64_t>>();
  const std::string layout = j.value("layout", "contiguous");
  if (layout == "expanded") {
    return contiguous_from(j, j.at("source_shape").get<std::vector<int64_t>>()).expand(shape);
  }
  Tensor t = contiguous_from(j, shape);
  if (layout == "transposed") return t.transpose(-1, -2).contiguous().transpose(-1, -2);
  if (layout == "strided") {
    std::vector<int64_t> wide = shape;
    wide.back() *= 2;
    Tensor base = zeros(wide, t.dtype());
    Tensor view = base.slice(-1, std::nullopt, std::nullopt, 2);
    view.copy_(t);
    return view;
  }
  return t;
}

IValue decode_arg(const nlohmann::json& j) {
  if (j.contains("tensor")) return decode_tensor(j.at("tensor"));
  if (j.contains("tensors")) {
    std::vector<Tensor> list;
    for (const auto& t : j.at("tensors")) list.push_back(decode_tensor(t.at("tensor")));
    return list;
  }
  if (j.contains("scalar")) {
    const auto& s = j.at("scalar");
    if (s.is_boolean()) return wrapped_scalar(s.get<bool>());
    if (s.is_number_integer()) return wrapped_scalar(s.get<int64_t>());
    if (s.is_array()) return wrapped_scalar(complex128(s[0].get<double>(), s[1].get<double>()));
    return wrapped_scalar(s.get<double>());
  }
  if (j.contains("int")) return j.at("int").get<int64_t>();
  if (j.contains("float")) {
    const auto& f = j.at("float");
    return f.is_string() ? std::stod(f.get<std::string>()) : f.get<double>();
  }
  if (j.contains("bool")) return j.at("bool").get<bool>();
  if (j.contains("ints")) return j.at("ints").get<std::vector<int64_t>>();
  if (j.contains("floats")) return j.at("floats").get<std::vector<double>>();
  if (j.contains("str")) return j.at("str").get<std::string>();
  if (j.contains("dtype")) return dtype_from_name(j.at("dtype").get<std::string>());
  if (j.contains("none")) return IValue();
  throw std::runtime_error("unknown argument encoding: " + j.dump());
}

namespace {

struct Tolerance {
  double rtol, atol;
};

// DESIGN.md: float32 rtol 1.3e-6 / atol 1e-5, float16 1e-3, bfloat16 1.6e-2, float64 1e-7.
Tolerance tolerance(DType d) {
  switch (to_real_value(d)) {
    case DType::Float16:
      return {1e-3, 1e-3};
    case DType::BFloat16:
      return {1.6e-2, 1.6e-2};
    case DType::Float32:
      return {1.3e-6, 1e-5};
    case DType::Float64:
      return {1e-7, 1e-7};
    default:
      return {0, 0};
  }
}

bool close(double a, double e, Tolerance t) {
  if (std::isnan(a) || std::isnan(e)) return std::isnan(a) && std::isnan(e);
  if (std::isinf(a) || std::isinf(e)) return a == e;
  return std::fabs(a - e) <= t.atol + t.rtol * std::fabs(e);
}

}  // namespace

std::string compare_tensors(const Tensor& actual, const Tensor& expected) {
  std::ostringstream os;
  if (actual.dtype() != expected.dtype()) {
    os << "dtype " << actual.dtype() << ", expected " << expected.dtype();
    return os.str();
  }
  if (!actual.sizes().equals(expected.sizes())) {
    os << "shape " << actual.sizes() << ", expected " << expected.sizes();
    return os.str();
  }
  const Tolerance tol = tolerance(expected.dtype());
  for (int64_t i = 0; i < expected.numel(); ++i) {
    const complex128 a = element_at(actual, i).to<complex128>();
    const complex128 e = element_at(expected, i).to<complex128>();
    bool ok;
    if (is_integral(expected.dtype(), true)) {
      ok = element_at(actual, i).to<int64_t>() == element_at(expected, i).to<int64_t>();
    } else {
      ok = close(a.real(), e.real(), tol) && close(a.imag(), e.imag(), tol);
    }
    if (!ok) {
      os << "element " << i << " is " << element_at(actual, i) << ", expected "
         << element_at(expected, i) << "\n  actual:   " << actual << "\n  expected: " << expected;
      return os.str();
    }
  }
  return "";
}

}  // namespace tessera::testing
