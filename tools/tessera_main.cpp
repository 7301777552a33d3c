// The tessera command line: run and inspect models, list the op library, benchmark ops.
#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <unistd.h>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>

#include "harness.h"
#include "model_commands.h"
#include "report.h"
#include "tessera.h"

namespace {

using namespace tessera;

// Every op with its schema and, per backend, the dtypes it has kernels for.
int list_ops(bool as_json) {
  Dispatcher& d = Dispatcher::get();
  nlohmann::json out = nlohmann::json::array();
  for (const OperatorHandle& op : d.ops()) {
    std::map<std::string, std::vector<std::string>> kernels;
    for (const auto& [b, dt] : d.registered(op)) {
      kernels[d.backend_name(b)].push_back(dt ? std::string(name(*dt)) : "any");
    }
    if (as_json) {
      out.push_back({{"name", op.name()}, {"schema", op.schema().str()}, {"kernels", kernels}});
      continue;
    }
    fmt::print("{}\n", op.schema().str());
    for (const auto& [backend, dtypes] : kernels)
      fmt::print("    {:<10} {}\n", backend, fmt::join(dtypes, " "));
  }
  if (as_json) std::cout << out.dump(2) << "\n";
  return 0;
}

// A few eager calls, printed as PyTorch prints them; with profile, the time per op.
int demo(bool profile) {
  Profiler prof;
  std::optional<LayerScope> scope;
  if (profile) scope.emplace(prof);
  manual_seed(0);
  const Tensor a = arange(6, DType::Float32).view({2, 3});
  const Tensor b = tensor<float>({10, 20, 30});
  fmt::print("a = {}\n", a.to_string());
  fmt::print("b = {}\n", b.to_string());
  fmt::print("a + b = {}\n", (a + b).to_string());
  fmt::print("a.t() @ a = {}\n", matmul(a.t(), a).to_string());
  fmt::print("sum(a, dim=1) = {}\n", a.sum(1).to_string());
  fmt::print("exp(a) > 10 = {}\n", (exp(a) > full({}, 10.0)).to_string());
  const Tensor z = full({2}, complex64(1, 2));
  fmt::print("z * conj(z) = {}\n", (z * conj(z)).to_string());
  fmt::print("float8_e4m3fn(b / 7) = {}\n", (b / 7).to(DType::Float8E4M3FN).to_string());
  if (profile) fmt::print("\n{}", prof.table());
  return 0;
}

// A one-line progress bar on stderr, redrawn in place (only on a terminal).
void draw_progress(size_t done, size_t total, const std::string& what) {
  if (!isatty(2)) return;
  const int width = 30;
  const int filled = total ? static_cast<int>(width * done / total) : width;
  std::string label = what.size() > 48 ? what.substr(0, 47) + "…" : what;
  fmt::print(stderr, "\r[{}{}] {:>4}/{:<4} {:<50}", std::string(filled, '#'),
             std::string(width - filled, '.'), done, total, label);
  if (done == total) fmt::print(stderr, "\n");
  std::fflush(stderr);
}

struct BenchOpsArgs {
  std::string spec;
  bool quick = false;
  std::string out = "bench-out";
  std::string frameworks = "tessera,libtorch,pytorch,onnxruntime";
  std::vector<std::string> compare;
  bool no_roofline = false;
};

int bench_ops(const BenchOpsArgs& a) {
  namespace fs = std::filesystem;
  if (!a.compare.empty()) {
    auto load = [](const std::string& p) {
      std::ifstream f(p);
      TSR_CHECK(f.good(), "bench-ops: cannot open '", p, "'");
      return nlohmann::json::parse(f);
    };
    const auto c = bench::compare_runs(load(a.compare[0]), load(a.compare[1]));
    fmt::print("{}", c.text);
    return c.regressions > 0 ? 3 : 0;
  }
  const fs::path bench_dir = TESSERA_BENCH_DIR;
  std::string spec_path = a.spec;
  if (spec_path.empty())
    spec_path = (bench_dir / "specs" / (a.quick ? "quick.json" : "default.json")).string();
  bench::Options opts;
  opts.spec = bench::load_spec(spec_path);
  opts.frameworks.clear();
  std::string fw;
  for (std::istringstream is(a.frameworks); std::getline(is, fw, ',');) {
    if (!fw.empty()) opts.frameworks.push_back(fw);
  }
  if (std::find(opts.frameworks.begin(), opts.frameworks.end(), "tessera") ==
      opts.frameworks.end()) {
    opts.frameworks.insert(opts.frameworks.begin(),
                           "tessera");  // the reference of every ratio and guard
  }
  opts.out_dir = a.out;
  opts.runners_dir = (bench_dir / "runners").string();
  opts.bin_dir = fs::canonical("/proc/self/exe").parent_path().string();
  opts.measure_roofline = !a.no_roofline;
  opts.progress = draw_progress;
  fmt::print(stderr, "bench-ops: spec '{}' ({} configurations) -> {}\n", opts.spec.name,
             opts.spec.configs.size(), a.out);
  const bench::RunResult r = bench::run_benchmark(opts);
  bench::write_outputs(r, a.out);
  for (const auto& [k, why] : r.skipped) fmt::print(stderr, "bench-ops: skipped {}: {}\n", k, why);
  fmt::print("wrote {0}/results.json, {0}/results.csv and {0}/report.html\n", a.out);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"tessera: one operator library for eager calls and graphs"};
  app.require_subcommand(1);
  auto* ops =
      app.add_subcommand("ops", "list every registered op with its schema and kernels per backend");
  bool as_json = false;
  ops->add_flag("--json", as_json, "print JSON");
  auto* demo_cmd = app.add_subcommand("demo", "run a few eager ops and print the results");
  bool profile = false;
  demo_cmd->add_flag("--profile", profile, "print calls and time per op (the profiling layer)");
  auto* bench_cmd =
      app.add_subcommand("bench-ops", "time ops on tessera, libtorch, PyTorch and ONNX Runtime");
  BenchOpsArgs bargs;
  bench_cmd->add_option("spec", bargs.spec, "spec file (JSON); default: bench/specs/default.json");
  bench_cmd->add_flag("--quick", bargs.quick, "the quick preset (bench/specs/quick.json)");
  bench_cmd
      ->add_option("--out", bargs.out, "output folder for results.json, results.csv, report.html")
      ->capture_default_str();
  bench_cmd->add_option("--frameworks", bargs.frameworks, "comma-separated frameworks")
      ->capture_default_str();
  bench_cmd
      ->add_option("--compare", bargs.compare,
                   "compare two results.json (OLD NEW) instead of running")
      ->expected(2);
  bench_cmd->add_flag("--no-roofline", bargs.no_roofline, "skip measuring the roofline");
  auto* run_cmd = app.add_subcommand("run", "run a model once and print its outputs");
  cli::RunArgs rargs;
  run_cmd->add_option("model", rargs.model, "ONNX model file")->required();
  run_cmd->add_option("--input", rargs.inputs,
                      "NAME=FILE.npy for an input (others get seeded random data)");
  run_cmd->add_option("--output-dir", rargs.output_dir, "write each output to DIR/<name>.npy");
  run_cmd->add_option("--threads", rargs.threads, "intra-op threads (default: all cores)");
  run_cmd->add_option("--seed", rargs.seed, "seed of the random inputs")->capture_default_str();
  auto* inspect_cmd = app.add_subcommand(
      "inspect", "print a model's opset, inputs, outputs, ops, parameters, unsupported ops");
  std::string inspect_path;
  inspect_cmd->add_option("model", inspect_path, "ONNX model file")->required();
  auto* bench_model_cmd = app.add_subcommand(
      "bench", "time a model: load, first run, latency percentiles, throughput, peak memory");
  cli::BenchArgs margs;
  bench_model_cmd->add_option("model", margs.model, "ONNX model file")->required();
  bench_model_cmd->add_option("--threads", margs.threads, "intra-op threads (default: all cores)");
  bench_model_cmd->add_option("--batch", margs.batch, "size of a symbolic first dim")
      ->capture_default_str();
  bench_model_cmd->add_option("--iterations", margs.iterations, "timed runs")
      ->capture_default_str();
  bench_model_cmd->add_flag("--json", margs.json, "print one JSON object");
  bench_model_cmd->add_option("--level", margs.level, "optimisation level: none, basic or all")
      ->capture_default_str();
  bench_model_cmd->add_flag("--profile", margs.profile,
                            "time each node in one more run: totals per op, slowest nodes");
  bench_model_cmd->add_option("--trace", margs.trace,
                              "write one run's node timings as Chrome trace JSON");
  auto* optimize_cmd = app.add_subcommand("optimize", "optimise a model and write it back as ONNX");
  cli::OptimizeArgs oargs;
  optimize_cmd->add_option("model", oargs.model, "ONNX model file")->required();
  optimize_cmd->add_option("-o,--output", oargs.out, "the optimised ONNX model")->required();
  optimize_cmd->add_option("--level", oargs.level, "none, basic or all")->capture_default_str();
  optimize_cmd->add_flag("--print", oargs.print, "print the optimised graph as IR text");
  CLI11_PARSE(app, argc, argv);
  try {
    if (run_cmd->parsed()) return cli::run_model(rargs);
    if (inspect_cmd->parsed()) return cli::inspect_model(inspect_path);
    if (bench_model_cmd->parsed()) return cli::bench_model(margs);
    if (optimize_cmd->parsed()) return cli::optimize_model(oargs);
    if (ops->parsed()) return list_ops(as_json);
    if (demo_cmd->parsed()) return demo(profile);
    if (bench_cmd->parsed()) return bench_ops(bargs);
  } catch (const std::exception& e) {
    fmt::print(stderr, "tessera: error: {}\n", e.what());
    return 1;
  }
  return 0;
}
