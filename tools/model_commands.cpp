// `tessera run` and `tessera inspect` over a runtime::Session.
#include "model_commands.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include <onnx/checker.h>
#include "core/allocator.h"

#include "frontends/onnx/export.h"
#include "ir/text.h"
#include "npy.h"
#include "runtime/session.h"
#include "tessera.h"

namespace tessera::cli {
namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

// Random data for an input nobody gave: a symbolic or unknown first dim is `batch`, other
// such dims are 1.
Tensor random_input(const runtime::IoInfo& io, int64_t batch = 1) {
  TSR_CHECK(io.type.shape.has_value(), "run: input '", io.name,
            "' has an unknown rank; give it with --input ", io.name, "=FILE.npy");
  std::vector<int64_t> shape;
  for (const ir::Dim& d : *io.type.shape) {
    shape.push_back(d.is_static() ? d.size : shape.empty() ? batch : 1);
  }
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

  std::vector<runtime::NamedValue> inputs;
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
    if (given) continue;
    switch (io.kind) {
      case onnx_frontend::ValueKind::Tensor: {
        const Tensor t = random_input(io);
        inputs.emplace_back(io.name, t);
        fmt::print("input  {}: {}{} (random, seed {})\n", io.name, name(t.dtype()), shape_text(t),
                   args.seed);
        break;
      }
      case onnx_frontend::ValueKind::Optional:
        inputs.emplace_back(io.name, IValue());
        fmt::print("input  {}: none (an empty optional)\n", io.name);
        break;
      case onnx_frontend::ValueKind::Sequence:
        detail::throw_error<Error>("run: input '", io.name,
                                   "' is a sequence; tessera run fills tensor inputs only");
    }
  }
  const auto t1 = Clock::now();
  const std::vector<runtime::NamedValue> outputs = session.run_values(inputs);
  const double run_ms = ms_since(t1);
  // Each output tensor by name: a sequence's elements as name[k]; an empty optional none.
  std::vector<runtime::NamedTensor> tensors;
  for (const auto& [name_, v] : outputs) {
    if (v.is_none()) fmt::print("output {}: none (an empty optional)\n", name_);
    if (v.is_tensor_list()) {
      fmt::print("output {}: a sequence of {}\n", name_, v.to_tensor_list().size());
      for (size_t k = 0; k < v.to_tensor_list().size(); ++k) {
        tensors.emplace_back(onnx_frontend::element_name(name_, k), v.to_tensor_list()[k]);
      }
    }
    if (v.is_tensor()) tensors.emplace_back(name_, v.to_tensor());
  }
  for (const auto& [name_, t] : tensors) {
    fmt::print("output {}: {}{}  {}\n", name_, name(t.dtype()), shape_text(t), summary(t));
  }
  fmt::print("load {:.2f} ms, run {:.2f} ms\n", load_ms, run_ms);
  if (!args.output_dir.empty()) {
    std::filesystem::create_directories(args.output_dir);
    for (const auto& [name_, t] : tensors) {
      const auto path = std::filesystem::path(args.output_dir) / (file_name_of(name_) + ".npy");
      npy::save(path, t);
      fmt::print("wrote {}\n", path.string());
    }
  }
  return 0;
}

int bench_model(const BenchArgs& args) {
  TSR_CHECK(args.iterations >= 1, "bench: --iterations must be at least 1");
  TSR_CHECK(args.batch >= 1, "bench: --batch must be at least 1");
  if (args.threads) {
    TSR_CHECK(*args.threads >= 1, "bench: --threads must be at least 1, got ", *args.threads);
    set_num_threads(*args.threads);
  }
  cpu_allocator().reset_peak();
  const auto t0 = Clock::now();
  const runtime::Session session =
      runtime::Session::load(args.model, passes::parse_level(args.level));
  const double load_ms = ms_since(t0);
  manual_seed(0);
  std::vector<runtime::NamedTensor> inputs;
  for (const runtime::IoInfo& io : session.inputs()) {
    inputs.emplace_back(io.name, random_input(io, args.batch));
  }
  const auto t1 = Clock::now();
  session.run(inputs);
  const double first_ms = ms_since(t1);
  const int warmup = std::clamp(args.iterations / 10, 1, 10);
  for (int i = 0; i < warmup; ++i) session.run(inputs);
  std::vector<double> ms;
  for (int i = 0; i < args.iterations; ++i) {
    const auto t = Clock::now();
    session.run(inputs);
    ms.push_back(ms_since(t));
  }
  std::vector<double> sorted = ms;
  std::sort(sorted.begin(), sorted.end());
  // Nearest-rank percentiles.
  const auto pct = [&](double p) {
    const auto k = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
    return sorted[std::clamp<size_t>(k, 1, sorted.size()) - 1];
  };
  double total = 0;
  for (double m : ms) total += m;
  const double mean_ms = total / static_cast<double>(ms.size());
  const double throughput = static_cast<double>(args.batch) * 1000.0 / mean_ms;
  const size_t peak = cpu_allocator().peak_bytes();
  const int threads = get_num_threads();
  if (args.json) {
    nlohmann::json j = {{"model", args.model},
                        {"threads", threads},
                        {"batch", args.batch},
                        {"iterations", args.iterations},
                        {"load_ms", load_ms},
                        {"first_run_ms", first_ms},
                        {"latency_ms",
                         {{"p50", pct(50)},
                          {"p90", pct(90)},
                          {"p99", pct(99)},
                          {"mean", mean_ms},
                          {"min", sorted.front()}}},
                        {"throughput_per_s", throughput},
                        {"peak_memory_bytes", peak}};
    if (const passes::MemoryPlan* plan = session.memory_plan()) {
      j["planned_peak_bytes"] = plan->peak_bytes;
      j["planned_total_bytes"] = plan->total_bytes;
    }
    fmt::print("{}\n", j.dump());
    return 0;
  }
  fmt::print("model        {}\n", args.model);
  fmt::print("threads {}, batch {}, {} iterations after {} warm-up\n", threads, args.batch,
             args.iterations, warmup);
  fmt::print("load         {:.2f} ms\n", load_ms);
  fmt::print("first run    {:.2f} ms\n", first_ms);
  fmt::print(
      "latency      p50 {:.3f} ms  p90 {:.3f} ms  p99 {:.3f} ms  (mean {:.3f}, min {:.3f})\n",
      pct(50), pct(90), pct(99), mean_ms, sorted.front());
  fmt::print("throughput   {:.1f} samples/s\n", throughput);
  fmt::print("peak memory  {:.1f} MiB (tessera's allocator: weights and activations)\n",
             static_cast<double>(peak) / (1 << 20));
  if (const passes::MemoryPlan* plan = session.memory_plan()) {
    fmt::print(
        "planned      {:.1f} MiB of activations in one arena ({} buffers, {} views, {} in place; "
        "{:.1f} MiB without reuse{})\n",
        static_cast<double>(plan->peak_bytes) / (1 << 20), plan->buffers.size(), plan->views,
        plan->in_place, static_cast<double>(plan->total_bytes) / (1 << 20),
        plan->unsized.empty()
            ? ""
            : fmt::format("; {} values of symbolic size unplanned", plan->unsized.size()));
  }
  if (args.profile || !args.trace.empty()) {
    std::vector<runtime::NodeTiming> timings;
    session.run(inputs, &timings);
    if (!args.trace.empty()) {
      std::ofstream(args.trace) << runtime::chrome_trace(timings);
      fmt::print("wrote {}\n", args.trace);
    }
    if (args.profile) {
      std::map<std::string, std::pair<int, double>> by_op;
      for (const auto& t : timings) {
        by_op[t.op].first += 1;
        by_op[t.op].second += t.duration_us;
      }
      std::vector<std::pair<std::string, std::pair<int, double>>> rows(by_op.begin(), by_op.end());
      std::sort(rows.begin(), rows.end(),
                [](const auto& a, const auto& b) { return a.second.second > b.second.second; });
      fmt::print("\none more run, per op:\n{:<28} {:>6} {:>12}\n", "op", "nodes", "total us");
      for (const auto& [op, v] : rows)
        fmt::print("{:<28} {:>6} {:>12.1f}\n", op, v.first, v.second);
      std::sort(timings.begin(), timings.end(),
                [](const auto& a, const auto& b) { return a.duration_us > b.duration_us; });
      fmt::print("\nslowest nodes:\n");
      for (size_t i = 0; i < std::min<size_t>(12, timings.size()); ++i) {
        fmt::print("{:<40} {:<24} {:>10.1f} us\n", timings[i].node, timings[i].op,
                   timings[i].duration_us);
      }
    }
  }
  return 0;
}

int optimize_model(const OptimizeArgs& args) {
  const passes::Level level = passes::parse_level(args.level);
  onnx_frontend::Model m = onnx_frontend::load_model(args.model);
  const size_t before = m.graph->num_nodes();
  passes::optimize(*m.graph, level);
  if (args.print) fmt::print("{}", ir::print(*m.graph));
  const onnx::ModelProto out = onnx_frontend::export_model(*m.graph, m.input_names, m.output_names);
  try {
    onnx::checker::check_model(out);
  } catch (const std::exception& e) {
    detail::throw_error<InternalError>("optimize: the exported model fails the onnx checker: ",
                                       e.what());
  }
  std::string bytes;
  TSR_CHECK(out.SerializeToString(&bytes), "optimize: serialising the model failed");
  std::ofstream f(args.out, std::ios::binary);
  TSR_CHECK(f.good(), "optimize: cannot write '", args.out, "'");
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  TSR_CHECK(f.good(), "optimize: writing '", args.out, "' failed");
  fmt::print("{}: {} IR nodes -> {} at level {}; wrote {} ({} ONNX nodes)\n", args.model, before,
             m.graph->num_nodes(), args.level, args.out, out.graph().node_size());
  return 0;
}

namespace {

// An ONNX value's type as text: f32[N,3], sequence<f32[5]>, optional<...>.
std::string type_text(const onnx::TypeProto& t) {
  if (t.has_sequence_type()) return "sequence<" + type_text(t.sequence_type().elem_type()) + ">";
  if (t.has_optional_type()) return "optional<" + type_text(t.optional_type().elem_type()) + ">";
  if (!t.has_tensor_type()) return "(not a tensor)";
  return onnx_frontend::type_of(t).str();
}

}  // namespace

// What the file says, read without lowering it (so it works for models tessera cannot run,
// or plans per input value).
int inspect_model(const std::string& path) {
  const onnx::ModelProto proto = onnx_frontend::read_model(path);
  const onnx_frontend::Summary m = onnx_frontend::summarize(proto);
  fmt::print("model      {}\n", path);
  fmt::print("producer   {}\n", m.producer.empty() ? "(none)" : m.producer);
  fmt::print("ir_version {}, opset {}\n", m.ir_version, m.opset);
  const onnx::GraphProto& g = proto.graph();
  std::set<std::string> initializers;
  for (const auto& t : g.initializer()) initializers.insert(t.name());
  fmt::print("inputs\n");
  for (const auto& vi : g.input()) {
    if (!initializers.contains(vi.name()))
      fmt::print("  {}: {}\n", vi.name(), type_text(vi.type()));
  }
  fmt::print("outputs\n");
  for (const auto& vi : g.output()) fmt::print("  {}: {}\n", vi.name(), type_text(vi.type()));
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
