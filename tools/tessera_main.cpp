// The tessera command line: `tessera ops` lists the op library, `tessera demo` runs eager ops.
#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <iostream>
#include <map>
#include <optional>

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
  CLI11_PARSE(app, argc, argv);
  try {
    if (ops->parsed()) return list_ops(as_json);
    if (demo_cmd->parsed()) return demo(profile);
  } catch (const std::exception& e) {
    fmt::print(stderr, "tessera: error: {}\n", e.what());
    return 1;
  }
  return 0;
}
