// ONNX conformance: runs every case of Debian's libonnx-testdata (node/, simple/,
// pytorch-converted/, pytorch-operator/) through a Session and compares each output with
// the expected one (rtol 1e-3, atol 1e-5, NaNs where expected). Prints pass / fail /
// unsupported counts and the cases not passing grouped by op; exits non-zero when a case
// listed in the expected-failures file passes or an unlisted one does not.
//
//   tessera_onnx_conformance DATA_DIR EXPECTED_FAILURES [--write] [--round-trip
//   [--min-round-trip N]] [--filter S]
//
// --write rewrites EXPECTED_FAILURES with the cases not passing now and their reasons
// (keeping any note after " -- " on a case's line);
// --round-trip also imports, optimises and exports each passing case and runs the export.
#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <onnx/checker.h>
#include <onnx/onnx-data.pb.h>

#include <array>

#include "frontends/onnx/export.h"
#include "frontends/onnx/tensor_proto.h"
#include "runtime/session.h"
#include "tessera.h"

namespace fs = std::filesystem;
using namespace tessera;

namespace {

constexpr double kRtol = 1e-3, kAtol = 1e-5;
const char* const kSuites[] = {"node", "simple", "pytorch-converted", "pytorch-operator"};

enum class Outcome { Pass, Fail, Unsupported };

struct Result {
  Outcome outcome = Outcome::Pass;
  std::string reason;  // one line
  std::string op;      // for grouping
};

std::string one_line(std::string s) {
  for (char& c : s) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  return s.size() > 200 ? s.substr(0, 197) + "..." : s;
}

// The ops a case exercises, for grouping: its node types without Constant and Identity.
std::string ops_of(const onnx::ModelProto& m) {
  std::vector<std::string> ops;
  for (const auto& n : m.graph().node()) {
    if (n.op_type() == "Constant" || n.op_type() == "Identity") continue;
    if (std::find(ops.begin(), ops.end(), n.op_type()) == ops.end()) ops.push_back(n.op_type());
  }
  if (ops.empty()) return "Constant/Identity";
  if (ops.size() > 3) return ops[0] + "+" + ops[1] + "+" + ops[2] + "+...";
  std::string s;
  for (const auto& o : ops) s += (s.empty() ? "" : "+") + o;
  return s;
}

// Why got differs from want, or "".
std::string compare(const Tensor& got, const Tensor& want) {
  if (got.dtype() != want.dtype()) {
    return fmt::format("dtype {} where {} is expected", name(got.dtype()), name(want.dtype()));
  }
  if (!std::equal(got.sizes().begin(), got.sizes().end(), want.sizes().begin(),
                  want.sizes().end())) {
    std::ostringstream os;
    os << "shape " << got.sizes() << " where " << want.sizes() << " is expected";
    return os.str();
  }
  if (got.numel() == 0) return "";
  // Complex values compare as their real and imaginary parts.
  const auto as_doubles = [](const Tensor& t) {
    return is_complex(t.dtype()) ? t.to(DType::Complex128).real_view().contiguous()
                                 : t.to(DType::Float64).contiguous();
  };
  const Tensor gd = as_doubles(got), wd = as_doubles(want);
  const auto* a = static_cast<const double*>(gd.data_ptr());
  const auto* b = static_cast<const double*>(wd.data_ptr());
  const bool exact = want.dtype() == DType::Bool || is_integral(want.dtype(), false);
  int64_t bad = 0, first = -1;
  for (int64_t i = 0; i < gd.numel(); ++i) {
    bool ok;
    if (std::isnan(b[i])) {
      ok = std::isnan(a[i]);
    } else if (std::isinf(b[i])) {
      ok = a[i] == b[i];
    } else if (exact) {
      ok = a[i] == b[i];
    } else {
      ok = std::abs(a[i] - b[i]) <= kAtol + kRtol * std::abs(b[i]);
    }
    if (!ok) {
      if (first < 0) first = i;
      ++bad;
    }
  }
  if (bad == 0) return "";
  return fmt::format("{} of {} values differ; first at {}: {} where {} is expected", bad,
                     gd.numel(), first, a[first], b[first]);
}

// A data file as the value an input or output of this kind holds: a tensor, a sequence
// (SequenceProto, a Tensor[]) or an optional (OptionalProto: what it holds, or None).
// A bfloat16 tensor arrives as UINT16 (numpy has no bfloat16, so ONNX's test generator
// stores the bits as uint16); `io` says it is bfloat16.
IValue read_value(const fs::path& p, const runtime::IoInfo& io, const fs::path& dir) {
  const onnx_frontend::ValueKind kind = io.kind;
  std::ifstream in(p, std::ios::binary);
  const std::string what = p.filename().string();
  auto sequence = [&](const onnx::SequenceProto& sp) {
    TSR_CHECK(sp.elem_type() == onnx::SequenceProto::TENSOR || sp.tensor_values_size() == 0, what,
              ": sequences of non-tensors are not supported");
    std::vector<Tensor> list;
    for (const auto& t : sp.tensor_values()) list.push_back(onnx_frontend::to_tensor(t, dir, what));
    return IValue(std::move(list));
  };
  switch (kind) {
    case onnx_frontend::ValueKind::Tensor: {
      onnx::TensorProto t;
      TSR_CHECK(t.ParseFromIstream(&in), "cannot parse ", p.string());
      if (t.data_type() == onnx::TensorProto::UINT16 && io.type.dtype == DType::BFloat16) {
        t.set_data_type(onnx::TensorProto::BFLOAT16);
      }
      return IValue(onnx_frontend::to_tensor(t, dir, what));
    }
    case onnx_frontend::ValueKind::Sequence: {
      onnx::SequenceProto sp;
      TSR_CHECK(sp.ParseFromIstream(&in), "cannot parse ", p.string());
      return sequence(sp);
    }
    case onnx_frontend::ValueKind::Optional: {
      onnx::OptionalProto op;
      TSR_CHECK(op.ParseFromIstream(&in), "cannot parse ", p.string());
      if (op.has_tensor_value())
        return IValue(onnx_frontend::to_tensor(op.tensor_value(), dir, what));
      if (op.has_sequence_value()) return sequence(op.sequence_value());
      return IValue();
    }
  }
  return IValue();
}

// What differs between got and want (tensors compared by compare; sequences element by
// element), or "".
std::string compare_values(const IValue& got, const IValue& want) {
  if (want.is_none() || got.is_none()) {
    return want.is_none() && got.is_none() ? ""
           : want.is_none()                ? "a value where none is expected"
                                           : "none where a value is expected";
  }
  if (want.is_tensor_list()) {
    if (!got.is_tensor_list()) return "a tensor where a sequence is expected";
    const auto& g = got.to_tensor_list();
    const auto& w = want.to_tensor_list();
    if (g.size() != w.size()) {
      return fmt::format("a sequence of {} where {} are expected", g.size(), w.size());
    }
    for (size_t k = 0; k < g.size(); ++k) {
      const std::string why = compare(g[k], w[k]);
      if (!why.empty()) return fmt::format("element {}: {}", k, why);
    }
    return "";
  }
  if (!got.is_tensor()) return "a sequence where a tensor is expected";
  return compare(got.to_tensor(), want.to_tensor());
}

// Runs proto (the case's model, or what tessera exported from it) on the case's data sets.
Result run_model(const fs::path& dir, const onnx::ModelProto& proto) {
  Result r;
  r.op = ops_of(proto);
  std::optional<runtime::Session> session;
  try {
    session.emplace(proto, dir);
  } catch (const NotImplementedError& e) {
    return {Outcome::Unsupported, one_line(e.what()), r.op};
  } catch (const Error& e) {
    return {Outcome::Fail, one_line(e.what()), r.op};
  }
  int sets = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (!entry.is_directory() || entry.path().filename().string().rfind("test_data_set", 0) != 0) {
      continue;
    }
    ++sets;
    try {
      std::vector<runtime::NamedValue> inputs;
      for (size_t i = 0; fs::exists(entry.path() / fmt::format("input_{}.pb", i)); ++i) {
        TSR_CHECK(i < session->inputs().size(), "more input files than model inputs");
        const auto p = entry.path() / fmt::format("input_{}.pb", i);
        const runtime::IoInfo& io = session->inputs()[i];
        inputs.emplace_back(io.name, read_value(p, io, dir));
      }
      const auto outputs = session->run_values(inputs);
      for (size_t i = 0; i < outputs.size(); ++i) {
        const auto p = entry.path() / fmt::format("output_{}.pb", i);
        if (!fs::exists(p)) continue;
        const IValue want = read_value(p, session->outputs()[i], dir);
        const std::string why = compare_values(outputs[i].second, want);
        if (!why.empty()) {
          return {Outcome::Fail, "output '" + outputs[i].first + "': " + why, r.op};
        }
      }
    } catch (const NotImplementedError& e) {
      return {Outcome::Unsupported, one_line(e.what()), r.op};
    } catch (const Error& e) {
      return {Outcome::Fail, one_line(e.what()), r.op};
    }
  }
  if (sets == 0) return {Outcome::Fail, "no test_data_set folders", r.op};
  return r;
}

Result run_case(const fs::path& dir) {
  try {
    return run_model(dir, onnx_frontend::read_model(dir / "model.onnx"));
  } catch (const Error& e) {
    return {Outcome::Fail, one_line(e.what()), "?"};
  }
}

// import -> optimise -> export -> import: the exported model, checked by the onnx checker,
// run on the case's data. Unsupported: the model has no export (an op without an exporter,
// or inputs a session specialises on).
Result round_trip(const fs::path& dir) {
  onnx::ModelProto exported;
  try {
    const onnx::ModelProto proto = onnx_frontend::read_model(dir / "model.onnx");
    onnx_frontend::Model m = onnx_frontend::import_model(proto, dir);
    passes::optimize(*m.graph, passes::Level::All);
    exported = onnx_frontend::export_model(*m.graph, m.input_names, m.output_names);
  } catch (const NotImplementedError& e) {
    return {Outcome::Unsupported, one_line(e.what()), "?"};
  } catch (const Error& e) {
    return {Outcome::Fail, one_line(e.what()), "?"};
  }
  try {
    onnx::checker::check_model(exported);
  } catch (const std::exception& e) {
    return {Outcome::Fail, "onnx checker: " + one_line(e.what()), "?"};
  }
  return run_model(dir, exported);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    fmt::print(stderr,
               "usage: {} DATA_DIR EXPECTED_FAILURES [--write] [--filter SUBSTRING] "
               "[--round-trip [--min-round-trip N]]\n",
               argv[0]);
    return 2;
  }
  const fs::path data = argv[1];
  const fs::path expected_path = argv[2];
  bool write = false, trip = false;
  int min_trip = 0;
  std::string filter;
  for (int i = 3; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--write") {
      write = true;
    } else if (a == "--round-trip") {
      trip = true;
    } else if (a == "--filter" && i + 1 < argc) {
      filter = argv[++i];
    } else if (a == "--min-round-trip" && i + 1 < argc) {
      min_trip = std::atoi(argv[++i]);
    } else {
      fmt::print(stderr, "unknown argument '{}'\n", a);
      return 2;
    }
  }
  if (!fs::exists(data / "node")) {
    fmt::print(stderr, "no ONNX test data under {} (install libonnx-testdata)\n", data.string());
    return 2;
  }
  // Expected failures: "suite/case  reason", '#' comments.
  std::map<std::string, std::string> expected;
  {
    std::ifstream in(expected_path);
    for (std::string line; std::getline(in, line);) {
      if (line.empty() || line[0] == '#') continue;
      const size_t sp = line.find(' ');
      expected[line.substr(0, sp)] = sp == std::string::npos ? "" : line.substr(sp + 1);
    }
  }

  std::map<std::string, Result> results;
  std::map<std::string, std::array<int, 3>> counts;  // suite -> pass, fail, unsupported
  for (const char* suite : kSuites) {
    if (!fs::exists(data / suite)) continue;
    std::vector<fs::path> cases;
    for (const auto& e : fs::directory_iterator(data / suite)) {
      if (fs::exists(e.path() / "model.onnx")) cases.push_back(e.path());
    }
    std::sort(cases.begin(), cases.end());
    for (const fs::path& c : cases) {
      const std::string key = std::string(suite) + "/" + c.filename().string();
      if (!filter.empty() && key.find(filter) == std::string::npos) continue;
      const Result r = run_case(c);
      ++counts[suite][static_cast<size_t>(r.outcome)];
      results[key] = r;
    }
  }

  int pass = 0, fail = 0, unsupported = 0;
  fmt::print("{:<20} {:>6} {:>6} {:>12}\n", "suite", "pass", "fail", "unsupported");
  for (const auto& [suite, c] : counts) {
    fmt::print("{:<20} {:>6} {:>6} {:>12}\n", suite, c[0], c[1], c[2]);
    pass += c[0];
    fail += c[1];
    unsupported += c[2];
  }
  fmt::print("{:<20} {:>6} {:>6} {:>12}\n\n", "total", pass, fail, unsupported);

  std::map<std::string, std::vector<std::string>> by_op;
  for (const auto& [key, r] : results) {
    if (r.outcome != Outcome::Pass) by_op[r.op].push_back(key);
  }
  fmt::print("not passing, by op:\n");
  for (const auto& [op, keys] : by_op) {
    fmt::print("  {} ({}):", op, keys.size());
    for (const auto& k : keys) fmt::print(" {}", k.substr(k.find('/') + 1));
    fmt::print("\n");
  }

  if (write) {
    std::ofstream out(expected_path);
    out << "# ONNX conformance cases tessera does not pass yet, with the reason for each.\n"
           "# Written by `tessera_onnx_conformance DATA EXPECTED --write`; the conformance test\n"
           "# fails when a case listed here passes or a case not listed fails.\n";
    for (const auto& [key, r] : results) {
      if (r.outcome == Outcome::Pass) continue;
      // A note a person added after " -- " (why a case cannot pass) is kept.
      std::string note;
      if (const auto it = expected.find(key); it != expected.end()) {
        if (const size_t at = it->second.find(" -- "); at != std::string::npos) {
          note = it->second.substr(at);
        }
      }
      out << key << " " << (r.outcome == Outcome::Unsupported ? "unsupported: " : "fails: ")
          << r.reason << note << "\n";
    }
    fmt::print("\nwrote {}\n", expected_path.string());
    return 0;
  }

  if (trip) {  // import -> export -> import over the cases that pass
    std::map<std::string, int> reasons;
    std::array<int, 3> n{};
    for (const auto& [key, r] : results) {
      if (r.outcome != Outcome::Pass) continue;
      const Result t = round_trip(data / key);
      ++n[static_cast<size_t>(t.outcome)];
      if (t.outcome != Outcome::Pass) ++reasons[t.reason.substr(0, 90)];
    }
    fmt::print("\nround trip of the passing cases: {} pass, {} fail, {} not exportable\n", n[0],
               n[1], n[2]);
    for (const auto& [why, count] : reasons) fmt::print("  {:>4}  {}\n", count, why);
    if (n[0] < min_trip) {
      fmt::print("FAILED: {} round trips pass, fewer than the {} required\n", n[0], min_trip);
      return 1;
    }
    return 0;
  }

  int unexpected = 0;
  for (const auto& [key, r] : results) {
    const bool listed = expected.contains(key);
    if (r.outcome == Outcome::Pass && listed) {
      fmt::print("NOW PASSES (remove it from {}): {}\n", expected_path.filename().string(), key);
      ++unexpected;
    } else if (r.outcome != Outcome::Pass && !listed) {
      fmt::print("UNEXPECTED {}: {}: {}\n", r.outcome == Outcome::Fail ? "FAILURE" : "UNSUPPORTED",
                 key, r.reason);
      ++unexpected;
    }
  }
  fmt::print("\n{} cases differ from {}\n", unexpected, expected_path.filename().string());
  return unexpected == 0 ? 0 : 1;
}
