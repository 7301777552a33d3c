// `tessera run` and `tessera inspect` over a runtime::Session.
#include "model_commands.h"

#include <fmt/format.h>

#include <chrono>
#include <filesystem>

#include "npy.h"
#include "runtime/session.h"
#include "tessera.h"

namespace tessera::cli {
namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

// Random data for an input nobody gave: symbolic and unknown dims are 1.
Tensor random_input(const runtime::IoInfo& io) {
  TSR_CHECK(io.type.shape.has_value(), "run: input '", io.name,
            "' has an unknown rank; give it with --input ", io.name, "=FILE.npy");
  std::vector<int64_t> shape;
  for (const ir::Dim& d : *io.type.shape) shape.push_back(d.is_static() ? d.size : 1);
  const DType dtype = io.type.dtype.value_or(DType::Float32);
  if (dtype == DType::Bool) return rand(shape) > full({}, 0.5);
  if (is_integral(dtype, false)) return (rand(shape) * full({}, 10.0)).to(dtype);
  return randn(shape, is_complex(dtype) ? dtype : DType::Float32).to(dtype);
}

std::string summary(const Tensor& t) {
  if (t.numel() == 0) return "empty";
  if (is_complex(t.dtype())) return fmt::format("{} elements", t.numel());
  const Tensor d = t.to(DType::Float64);
  return fmt::format("min {:.6g}  max {:.6g}  mean {:.6g}", d.min().item<double>(),
                     d.max().item<double>(), mean(d).item<double>());
}

std::string shape_text(const Tensor& t) {
  std::string s = "[";
  for (int64_t i = 0; i < t.dim(); ++i) s += (i ? "," : "") + std::to_string(t.size(i));
  return s + "]";
}

}  // namespace

std::string file_name_of(const std::string& value_name) {
  std::string s = value_name;
  for (char& c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') c = '_';
  }
  return s;
}

int run_model(const RunArgs& args) {
  if (args.threads) {
    TSR_CHECK(*args.threads >= 1, "run: --threads must be at least 1, got ", *args.threads);
    set_num_threads(*args.threads);
  }
  const auto t0 = Clock::now();
  const runtime::Session session = runtime::Session::load(args.model);
  const double load_ms = ms_since(t0);

  std::vector<runtime::NamedTensor> inputs;
  for (const std::string& spec : args.inputs) {
    const size_t eq = spec.find('=');
    TSR_CHECK(eq != std::string::npos && eq > 0, "run: --input takes NAME=FILE.npy, got '", spec,
              "'");
    inputs.emplace_back(spec.substr(0, eq), npy::load(spec.substr(eq + 1)));
  }
  manual_seed(args.seed);
  for (const runtime::IoInfo& io : session.inputs()) {
    const bool given = std::any_of(inputs.begin(), inputs.end(),
                                   [&](const auto& in) { return in.first == io.name; });
    if (!given) {
      inputs.emplace_back(io.name, random_input(io));
      fmt::print("input  {}: {}{} (random, seed {})\n", io.name, name(inputs.back().second.dtype()),
                 shape_text(inputs.back().second), args.seed);
    }
  }
  const auto t1 = Clock::now();
  const std::vector<runtime::NamedTensor> outputs = session.run(inputs);
  const double run_ms = ms_since(t1);
  for (const auto& [name_, t] : outputs) {
    fmt::print("output {}: {}{}  {}\n", name_, name(t.dtype()), shape_text(t), summary(t));
  }
  fmt::print("load {:.2f} ms, run {:.2f} ms\n", load_ms, run_ms);
  if (!args.output_dir.empty()) {
    std::filesystem::create_directories(args.output_dir);
    for (const auto& [name_, t] : outputs) {
      const auto path = std::filesystem::path(args.output_dir) / (file_name_of(name_) + ".npy");
      npy::save(path, t);
      fmt::print("wrote {}\n", path.string());
    }
  }
  return 0;
}

int inspect_model(const std::string& path) {
  const onnx_frontend::Model m = onnx_frontend::load_model(path, /*allow_unsupported=*/true);
  fmt::print("model      {}\n", path);
  fmt::print("producer   {}\n", m.producer.empty() ? "(none)" : m.producer);
  fmt::print("ir_version {}, opset {}\n", m.ir_version, m.opset);
  const ir::Graph& g = *m.graph;
  fmt::print("inputs\n");
  for (size_t i = 0; i < g.inputs().size(); ++i) {
    fmt::print("  {}: {}\n", m.input_names[i], g.inputs()[i]->type().str());
  }
  fmt::print("outputs\n");
  for (size_t i = 0; i < g.outputs().size(); ++i) {
    fmt::print("  {}: {}\n", m.output_names[i], g.outputs()[i]->type().str());
  }
  int64_t nodes = 0;
  for (const auto& [op, n] : m.op_histogram) nodes += n;
  fmt::print("ops ({} nodes)\n", nodes);
  for (const auto& [op, n] : m.op_histogram) fmt::print("  {:<24} {}\n", op, n);
  fmt::print("parameters {}\n", m.parameters);
  if (m.unsupported.empty()) {
    fmt::print("unsupported: none (tessera can run every op)\n");
  } else {
    fmt::print("unsupported ({} op types tessera cannot run)\n", m.unsupported.size());
    for (const auto& [op, n] : m.unsupported) fmt::print("  {:<24} {}\n", op, n);
  }
  return 0;
}

}  // namespace tessera::cli
