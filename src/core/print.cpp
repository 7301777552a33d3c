// Printing tensors exactly as PyTorch's repr does (torch/_tensor_str.py, default options).
#include <fmt/format.h>

#include <cmath>
#include <sstream>

#include "core/tensor.h"

namespace tessera {
namespace {

constexpr int kPrecision = 4;
constexpr int64_t kThreshold = 1000;
constexpr int64_t kEdgeItems = 3;
constexpr int kLineWidth = 80;

// The indices of one dimension that are printed: all, or the first and last kEdgeItems.
std::vector<int64_t> shown(int64_t n, bool summarize) {
  std::vector<int64_t> idx;
  if (summarize && n > 2 * kEdgeItems) {
    for (int64_t i = 0; i < kEdgeItems; ++i) idx.push_back(i);
    for (int64_t i = n - kEdgeItems; i < n; ++i) idx.push_back(i);
  } else {
    for (int64_t i = 0; i < n; ++i) idx.push_back(i);
  }
  return idx;
}

// Every value that will be printed, in order (PyTorch's get_summarized_data).
void collect(const Tensor& t, bool summarize, std::vector<Scalar>& out) {
  if (t.dim() == 0) {
    out.push_back(t.item());
    return;
  }
  for (int64_t i : shown(t.size(0), summarize)) collect(t.select(0, i), summarize, out);
}

// One formatter per real component, as PyTorch's _Formatter.
class Formatter {
 public:
  Formatter(const std::vector<Scalar>& values, bool floating, int part) : floating_(floating) {
    if (!floating_) {
      for (const Scalar& v : values) width_ = std::max(width_, static_cast<int>(plain(v).size()));
      return;
    }
    std::vector<double> nz;
    for (const Scalar& v : values) {
      const double d = component(v, part);
      if (std::isfinite(d) && d != 0) nz.push_back(d);
    }
    if (nz.empty()) return;
    double lo = INFINITY, hi = 0;
    for (double d : nz) {
      lo = std::min(lo, std::fabs(d));
      hi = std::max(hi, std::fabs(d));
      if (d != std::ceil(d)) int_mode_ = false;
    }
    if (int_mode_) {
      sci_mode_ = hi / lo > 1000.0 || hi > 1.0e8;
    } else {
      sci_mode_ = hi / lo > 1000.0 || hi > 1.0e8 || lo < 1.0e-4;
    }
    for (double d : nz) {
      int w;
      if (sci_mode_) {
        w = static_cast<int>(fmt::format("{:.{}e}", d, kPrecision).size());
      } else if (int_mode_) {
        w = static_cast<int>(fmt::format("{:.0f}", d).size()) + 1;
      } else {
        w = static_cast<int>(fmt::format("{:.{}f}", d, kPrecision).size());
      }
      width_ = std::max(width_, w);
    }
  }

  int width() const { return width_; }

  std::string format(const Scalar& v, int part) const {
    std::string s;
    if (!floating_) {
      s = plain(v);
    } else {
      const double d = component(v, part);
      if (sci_mode_) {
        s = fmt::format("{:{}.{}e}", d, width_, kPrecision);
      } else if (int_mode_) {
        s = fmt::format("{:.0f}", d);
        if (std::isfinite(d)) s += '.';
      } else {
        s = fmt::format("{:.{}f}", d, kPrecision);
      }
    }
    if (static_cast<int>(s.size()) < width_) s.insert(0, width_ - s.size(), ' ');
    return s;
  }

 private:
  static double component(const Scalar& v, int part) {
    const auto c = v.to<complex128>();
    return part == 0 ? c.real() : c.imag();
  }
  static std::string plain(const Scalar& v) {
    if (v.is_bool()) return v.to<bool>() ? "True" : "False";
    return std::to_string(v.to<int64_t>());
  }

  bool floating_;
  bool int_mode_ = true;
  bool sci_mode_ = false;
  int width_ = 1;
};

struct Formatters {
  Formatter re;
  std::optional<Formatter> im;

  std::string format(const Scalar& v) const {
    std::string r = re.format(v, 0);
    if (!im) return r;
    std::string i = im->format(v, 1) + "j";
    i.erase(0, i.find_first_not_of(' '));
    if (i[0] == '+' || i[0] == '-') return r + i;
    return r + "+" + i;
  }
  int element_length() const { return re.width() + 2 + (im ? im->width() + 1 : 0); }
};

std::string tensor_str(const Tensor& t, int indent, bool summarize, const Formatters& f) {
  if (t.dim() == 0) return f.format(t.item());
  if (t.dim() == 1) {
    std::vector<std::string> data;
    const auto idx = shown(t.size(0), summarize);
    for (size_t k = 0; k < idx.size(); ++k) {
      if (summarize && idx.size() < static_cast<size_t>(t.size(0)) &&
          k == static_cast<size_t>(kEdgeItems)) {
        data.push_back(" ...");
      }
      data.push_back(f.format(element_at(t, idx[k])));
    }
    const size_t per_line = std::max(1, (kLineWidth - indent) / f.element_length());
    std::string out = "[";
    for (size_t i = 0; i < data.size(); ++i) {
      if (i > 0) out += i % per_line == 0 ? ",\n" + std::string(indent + 1, ' ') : ", ";
      out += data[i];
    }
    return out + "]";
  }
  std::vector<std::string> slices;
  const auto idx = shown(t.size(0), summarize);
  for (size_t k = 0; k < idx.size(); ++k) {
    if (summarize && idx.size() < static_cast<size_t>(t.size(0)) &&
        k == static_cast<size_t>(kEdgeItems)) {
      slices.push_back("...");
    }
    slices.push_back(tensor_str(t.select(0, idx[k]), indent + 1, summarize, f));
  }
  const std::string sep = "," + std::string(t.dim() - 1, '\n') + std::string(indent + 1, ' ');
  std::string out = "[";
  for (size_t i = 0; i < slices.size(); ++i) out += (i ? sep : "") + slices[i];
  return out + "]";
}

}  // namespace

std::string Tensor::to_string() const {
  if (!defined()) return "tensor(undefined)";
  const std::string prefix = "tensor(";
  const int indent = static_cast<int>(prefix.size());
  std::vector<std::string> suffixes;
  if (device().type != kCPU) suffixes.push_back("device='" + device().str() + "'");
  const DType dt = dtype();
  const bool default_dtype =
      dt == kDefaultFloat || dt == DType::Complex64 || dt == DType::Int64 || dt == DType::Bool;
  std::string body;
  if (numel() == 0) {
    if (dim() != 1) {
      std::string size = "(";
      for (int64_t i = 0; i < dim(); ++i) size += (i ? ", " : "") + std::to_string(sizes()[i]);
      suffixes.push_back("size=" + size + ")");
    }
    if (dt != kDefaultFloat) suffixes.push_back("dtype=torch." + std::string(name(dt)));
    body = "[]";
  } else {
    if (!default_dtype) suffixes.push_back("dtype=torch." + std::string(name(dt)));
    const bool summarize = numel() > kThreshold;
    std::vector<Scalar> values;
    collect(*this, summarize, values);
    const bool floating = is_floating(dt) || tessera::is_complex(dt);
    Formatters f{Formatter(values, floating, 0), std::nullopt};
    if (tessera::is_complex(dt)) f.im.emplace(values, true, 1);
    body = tensor_str(*this, indent, summarize, f);
  }
  // PyTorch's _add_suffixes.
  std::string out = prefix + body;
  int last_line = static_cast<int>(out.size() - out.rfind('\n') + 1);
  if (out.find('\n') == std::string::npos) last_line = static_cast<int>(out.size()) + 1 + 1;
  for (const std::string& s : suffixes) {
    if (last_line + static_cast<int>(s.size()) + 2 > kLineWidth) {
      out += ",\n" + std::string(indent, ' ') + s;
      last_line = indent + static_cast<int>(s.size());
    } else {
      out += ", " + s;
      last_line += static_cast<int>(s.size()) + 2;
    }
  }
  return out + ")";
}

std::ostream& operator<<(std::ostream& os, const Tensor& t) {
  return os << t.to_string();
}

}  // namespace tessera
