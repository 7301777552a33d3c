// The op benchmark harness: spec parsing, statistics, reports, comparison, the guard, and
// short runs with the tessera runner and with each peer runner that is installed.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "harness.h"
#include "ops.h"
#include "report.h"
#include "runner.h"
#include "support/error_of.h"

namespace tessera::bench {
namespace {

using testing::error_of;
namespace fs = std::filesystem;

nlohmann::json spec_json(const std::string& text) {
  return nlohmann::json::parse(text);
}

TEST(Spec, ExpandsCrossProducts) {
  const Spec s = parse_spec(spec_json(R"({"name": "t", "rounds": 3, "benchmarks": [
      {"op": "add", "inputs": [[[4], [4]], [[2, 3], [3]]], "dtypes": ["float32", "int32"], "threads": [1, 2]},
      {"op": "sum", "inputs": [[[4, 5]]], "params": [{"dim": [-1]}, {"dim": [0], "keepdim": true}], "dtypes": ["float64"]}
  ]})"));
  EXPECT_EQ(s.name, "t");
  EXPECT_EQ(s.rounds, 3);
  ASSERT_EQ(s.configs.size(), 10u);
  EXPECT_EQ(s.configs[0].label(), "add [4]+[4] float32 t1");
  EXPECT_EQ(s.configs[9].label(), "sum [4,5] float64 t1 {\"dim\":[0],\"keepdim\":true}");
}

TEST(Spec, ErrorsNameTheEntryAndProblem) {
  const std::string unknown = error_of([] {
    parse_spec(spec_json(R"({"benchmarks": [{"op": "frobnicate", "inputs": [], "dtypes": []}]})"));
  });
  EXPECT_THAT(unknown, ::testing::StartsWith(
                           "bench: unknown op 'frobnicate'; known ops: add, sub, mul, div, pow, "));
  EXPECT_THAT(unknown, ::testing::HasSubstr(", gelu, "));
  EXPECT_EQ(error_of([] {
              parse_spec(spec_json(
                  R"({"benchmarks": [{"op": "add", "inputs": [[[4]]], "dtypes": ["float32"]}]})"));
            }),
            "spec: benchmarks[0] (add): add takes 2 inputs, got 1 shapes");
  EXPECT_EQ(error_of([] { parse_spec(spec_json(R"({"benchmarks": [], "speed": 1})")); }),
            "spec: unknown field 'speed'");
  EXPECT_EQ(error_of([] {
              parse_spec(spec_json(
                  R"({"benchmarks": [{"op": "exp", "inputs": [[[4]]], "dtypes": ["float32"],
                                       "threads": [0]}]})"));
            }),
            "spec: benchmarks[0] (exp): threads must be in [1, 256], got 0");
  EXPECT_EQ(error_of([] {
              parse_spec(spec_json(
                  R"({"benchmarks": [{"op": "exp", "inputs": [[[4]]], "dtypes": ["float33"]}]})"));
            }),
            "unknown dtype 'float33'");
  EXPECT_EQ(error_of([] {
              parse_spec(spec_json(
                  R"({"benchmarks": [{"op": "exp", "inputs": [[[4]]], "dtypes": ["float32"],
                                       "params": [{"dim": 1}]}]})"));
            }),
            "spec: benchmarks[0] (exp): exp has no parameter 'dim'");
  EXPECT_EQ(error_of([] { load_spec("/nonexistent/spec.json"); }),
            "spec: cannot open '/nonexistent/spec.json'");
}

TEST(Spec, BundledSpecsParse) {
  for (const char* name : {"default.json", "quick.json"}) {
    const Spec s = load_spec(std::string(TESSERA_BENCH_DIR) + "/specs/" + name);
    EXPECT_GT(s.configs.size(), 10u) << name;
  }
}

// The default spec covers every op tessera registers (through the catalogue).
TEST(Spec, DefaultSpecCoversEveryRegisteredOpButViews) {
  const Spec s = load_spec(std::string(TESSERA_BENCH_DIR) + "/specs/default.json");
  std::set<std::string> covered;
  for (const Config& c : s.configs) covered.insert(op_info(c.op).dispatch);
  for (const OperatorHandle& op : Dispatcher::get().ops()) {
    // Views (results aliasing an input: reshape, transpose, split, ...) copy nothing.
    const auto& returns = op.schema().returns;
    if (!returns.empty() && !returns[0].alias.empty()) continue;
    EXPECT_TRUE(covered.count(op.name())) << op.name() << " is not in bench/specs/default.json";
  }
}

TEST(Stats, QuantilesInterpolateLikeNumpy) {
  EXPECT_DOUBLE_EQ(quantile({4, 1, 3, 2}, 0.5), 2.5);
  EXPECT_DOUBLE_EQ(quantile({4, 1, 3, 2}, 0.25), 1.75);
  EXPECT_DOUBLE_EQ(quantile({4, 1, 3, 2}, 0.75), 3.25);
  const Summary s = summarize({5, 1, 9});
  EXPECT_EQ(s.median, 5);
  EXPECT_EQ(s.min, 1);
  EXPECT_EQ(s.max, 9);
  EXPECT_DOUBLE_EQ(s.rel_iqr(), (7.0 - 3.0) / 5.0);
  EXPECT_EQ(summarize({}).median, 0);
}

RunResult synthetic_run(double tessera_us) {
  RunResult r;
  r.spec_name = "synthetic";
  r.started = "2026-11-29T00:00:00Z";
  r.machine = {{"cpu", "test cpu"}, {"cpu_flags", {"avx2"}}, {"logical_cpus", 2}};
  r.roofline.isa = "avx2+fma";
  r.roofline.fma_gflops[1] = 100;
  r.roofline.triad_gbps[1] = 20;
  r.overheads.push_back({"tessera", "typed", summarize({150, 160, 170})});
  ConfigResult c;
  c.config = Config{"add", {{1000}, {1000}}, nlohmann::json::object(), DType::Float32, 1};
  c.bytes = 12000;
  c.flops = 1000;
  FrameworkResult t;
  t.framework = "tessera";
  t.ran = true;
  t.samples_us = {tessera_us * 0.98, tessera_us, tessera_us * 1.02};
  t.us = summarize(t.samples_us);
  t.ratio_to_tessera = 1;
  FrameworkResult p = t;
  p.framework = "pytorch";
  p.samples_us = {3.0, 3.1, 3.2};
  p.us = summarize(p.samples_us);
  p.ratio_to_tessera = p.us.median / t.us.median;
  c.frameworks = {t, p};
  r.configs.push_back(c);
  return r;
}

TEST(Report, JsonHasOneRecordPerConfigurationAndFramework) {
  const nlohmann::json j = to_json(synthetic_run(1.0));
  ASSERT_EQ(j.at("results").size(), 2u);
  for (const char* key : {"op", "params", "dtype", "threads", "framework", "median_us", "ok"}) {
    EXPECT_TRUE(j["results"][0].contains(key)) << key;
  }
  EXPECT_EQ(j["results"][1]["framework"], "pytorch");
  EXPECT_DOUBLE_EQ(j["results"][1]["ratio_to_tessera"].get<double>(), 3.1);
  EXPECT_DOUBLE_EQ(j["roofline"]["triad_gbps"]["1"].get<double>(), 20);
  EXPECT_EQ(j["overheads"][0]["path"], "typed");
}

TEST(Report, CsvAndHtml) {
  const nlohmann::json j = to_json(synthetic_run(1.0));
  const std::string csv = to_csv(j);
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 3);
  EXPECT_EQ(csv.substr(0, csv.find(',')), "label");
  const std::string html = to_html(j);
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_NE(html.find("add [1000]+[1000] float32 t1"), std::string::npos);
  EXPECT_NE(html.find("triad bandwidth"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);  // self-contained, no scripts
}

TEST(Report, CompareFlagsChangesBeyondTheNoise) {
  const nlohmann::json base = to_json(synthetic_run(1.0));
  const Comparison same = compare_runs(base, to_json(synthetic_run(1.05)));
  EXPECT_EQ(same.common, 1);
  EXPECT_EQ(same.regressions, 0);
  const Comparison worse = compare_runs(base, to_json(synthetic_run(1.5)));
  EXPECT_EQ(worse.regressions, 1);
  EXPECT_NE(worse.text.find("REGRESSION"), std::string::npos);
  EXPECT_EQ(compare_runs(base, to_json(synthetic_run(0.5))).improvements, 1);
}

TEST(Guard, ComparesRawOutputs) {
  const fs::path dir = fs::temp_directory_path() / "tessera_guard_test";
  fs::create_directories(dir);
  const Tensor expected = tensor<float>({1.0f, 2.0f, 3.0f});
  auto write = [&](const std::vector<float>& v) {
    std::ofstream f(dir / "out.bin", std::ios::binary);
    f.write(reinterpret_cast<const char*>(v.data()), static_cast<std::streamsize>(v.size() * 4));
    return (dir / "out.bin").string();
  };
  EXPECT_EQ(check_output(expected, write({1.0f, 2.0f, 3.0001f})), "");
  EXPECT_EQ(check_output(expected, write({1.0f, 2.5f, 3.0f})), "element 1 is 2.5, tessera's is 2");
  EXPECT_EQ(check_output(expected, write({1.0f, 2.0f})), "output has 8 bytes, tessera's 12");
  EXPECT_EQ(check_output(expected, (dir / "missing.bin").string()), "no output written");
}

Options tiny_run(const std::vector<std::string>& frameworks, const std::string& out) {
  Options o;
  o.spec = parse_spec(spec_json(R"({"name": "tiny", "rounds": 3, "round_ms": 2, "benchmarks": [
      {"op": "add", "inputs": [[[256], [256]]], "dtypes": ["float32"], "threads": [1]},
      {"op": "sum", "inputs": [[[16, 32]]], "params": [{"dim": [-1]}], "dtypes": ["float32"], "threads": [1]},
      {"op": "matmul", "inputs": [[[8, 16], [16, 4]]], "dtypes": ["float32"], "threads": [1]}
  ]})"));
  o.frameworks = frameworks;
  o.out_dir = (fs::temp_directory_path() / out).string();
  o.runners_dir = std::string(TESSERA_BENCH_DIR) + "/runners";
  o.bin_dir = TESSERA_BIN_DIR;
  o.measure_roofline = false;
  return o;
}

void expect_ran(const RunResult& r, const std::string& fw) {
  ASSERT_EQ(r.configs.size(), 3u);
  for (const ConfigResult& c : r.configs) {
    bool found = false;
    for (const FrameworkResult& f : c.frameworks) {
      if (f.framework != fw) continue;
      found = true;
      EXPECT_TRUE(f.ran) << c.config.label() << ": " << f.note;
      EXPECT_TRUE(f.ok) << c.config.label() << ": " << f.note;
      EXPECT_GT(f.us.median, 0) << c.config.label();
      EXPECT_EQ(f.samples_us.size(), 3u);
    }
    EXPECT_TRUE(found) << fw << " missing for " << c.config.label();
  }
}

TEST(Run, TesseraRunnerAloneWritesAllOutputs) {
  const Options o = tiny_run({"tessera"}, "tessera_bench_run_tessera");
  const RunResult r = run_benchmark(o);
  expect_ran(r, "tessera");
  ASSERT_FALSE(r.overheads.empty());
  EXPECT_EQ(r.overheads[0].path, "typed");
  write_outputs(r, o.out_dir);
  for (const char* f : {"results.json", "results.csv", "report.html"})
    EXPECT_TRUE(fs::exists(fs::path(o.out_dir) / f)) << f;
}

TEST(Run, UnknownFrameworkIsAnError) {
  EXPECT_EQ(
      error_of([] {
        run_benchmark(tiny_run({"tessera", "tensorflow"}, "tessera_bench_run_bad"));
      }),
      "bench: unknown framework 'tensorflow'; known: tessera, libtorch, pytorch, onnxruntime");
}

// A runner's reply that comes after its request timed out is not taken for the next
// request's, and a reply without a time is an error, not a crash.
TEST(Run, ProcessRunnerSkipsLateRepliesAndChecksThem) {
  const std::string script = R"(
import json, sys, time
runs = 0
for line in sys.stdin:
    req = json.loads(line)
    reply = {"ok": True, "id": req.get("id")}
    if req["cmd"] == "run":
        runs += 1
        if runs == 1:
            time.sleep(0.6)  # past the harness's timeout
        if runs != 3:
            reply["seconds"] = float(runs)
    sys.stdout.write(json.dumps(reply) + "\n")
    sys.stdout.flush()
)";
  const std::string log = (fs::temp_directory_path() / "tessera_fake_runner.log").string();
  ProcessRunner runner("fake", {"/usr/bin/python3", "-c", script}, {}, log, 0.3);
  EXPECT_THAT(error_of([&] { runner.run(1); }), ::testing::HasSubstr("did not answer 'run'"));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the late reply arrives
  EXPECT_EQ(runner.run(1), 2.0);                                // and is skipped
  EXPECT_THAT(error_of([&] { runner.run(1); }), ::testing::HasSubstr("fake: reply without a time"));
}

// Each peer runs when it is installed; the harness records why one could not start.
void run_peer(const std::string& fw) {
  const RunResult r = run_benchmark(tiny_run({"tessera", fw}, "tessera_bench_run_" + fw));
  if (r.skipped.count(fw)) GTEST_SKIP() << fw << " is not available here: " << r.skipped.at(fw);
  expect_ran(r, fw);
  bool overhead = false;
  for (const auto& o : r.overheads) overhead = overhead || o.framework == fw;
  EXPECT_TRUE(overhead) << "no per-call overhead measured for " << fw;
}

TEST(Run, LibtorchRunner) {
  run_peer("libtorch");
}
TEST(Run, PyTorchRunner) {
  run_peer("pytorch");
}
TEST(Run, OnnxRuntimeRunner) {
  run_peer("onnxruntime");
}

TEST(Roofline, MeasuresPositiveFigures) {
  const Roofline r = measure_roofline({1});
  EXPECT_GT(r.fma_gflops.at(1), 0.5);
  EXPECT_GT(r.triad_gbps.at(1), 0.1);
  EXPECT_FALSE(r.isa.empty());
}

}  // namespace
}  // namespace tessera::bench
