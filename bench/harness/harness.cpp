// The benchmark driver.
#include "harness.h"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <fmt/ostream.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>

#include "core/convert.h"
#include "ops.h"
#include "runner.h"

namespace tessera::bench {
namespace fs = std::filesystem;

const std::vector<std::string>& known_frameworks() {
  static const std::vector<std::string> f{"tessera", "libtorch", "pytorch", "onnxruntime"};
  return f;
}

namespace {

// Inputs for a configuration: uniform in [0.5, 1.5) for floats (no zeros for div, log,
// sqrt), small positive integers, random bools; seeded by the configuration's label.
Tensor make_input(const std::vector<int64_t>& shape, DType dtype, Generator& g) {
  if (dtype == DType::Bool) return lt(rand(shape, DType::Float32, &g), full({}, 0.5));
  if (is_integral(dtype, false)) {
    return add(mul(rand(shape, DType::Float32, &g), full({}, 8.0)), full({}, 1.0)).to(dtype);
  }
  const DType real = is_complex(dtype) ? to_real_value(dtype) : dtype;
  Tensor t =
      add(rand(shape, real == DType::Float64 ? DType::Float64 : DType::Float32, &g), full({}, 0.5));
  return t.to(dtype);
}

void write_raw(const Tensor& t, const std::string& path) {
  const Tensor c = t.contiguous();
  std::ofstream f(path, std::ios::binary);
  f.write(static_cast<const char*>(c.data_ptr()), static_cast<std::streamsize>(c.nbytes()));
  TSR_CHECK(f.good(), "bench: cannot write ", path);
}

}  // namespace

std::string check_output(const Tensor& expected, const std::string& path) {
  std::ifstream f(path, std::ios::binary | std::ios::ate);
  if (!f) return "no output written";
  const auto size = static_cast<size_t>(f.tellg());
  if (size != expected.nbytes()) {
    return fmt::format("output has {} bytes, tessera's {}", size, expected.nbytes());
  }
  std::vector<char> buf(size);
  f.seekg(0);
  f.read(buf.data(), static_cast<std::streamsize>(size));
  const Tensor got = from_blob(buf.data(), expected.sizes(), expected.dtype());
  const Tensor exp = expected.contiguous();
  const bool exact = is_integral(exp.dtype(), true);
  double scale = 1;
  for (int64_t i = 0; i < exp.numel() && !exact; ++i) {
    const double m = std::abs(element_at(exp, i).to<complex128>());
    if (std::isfinite(m)) scale = std::max(scale, m);
  }
  for (int64_t i = 0; i < exp.numel(); ++i) {
    const complex128 a = element_at(got, i).to<complex128>(),
                     e = element_at(exp, i).to<complex128>();
    const bool nan_a = std::isnan(a.real()) || std::isnan(a.imag()),
               nan_e = std::isnan(e.real()) || std::isnan(e.imag());
    const bool same =
        exact ? a == e : (nan_a == nan_e && (nan_a || std::abs(a - e) <= 1e-3 * scale));
    if (!same)
      return fmt::format("element {} is {}, tessera's is {}", i, fmt::streamed(element_at(got, i)),
                         fmt::streamed(element_at(exp, i)));
  }
  return "";
}

namespace {

// Seconds per call of fn(iters), as the median of interleaved rounds is taken by the
// caller; this finds how many iterations fill one round.
int64_t calibrate(const std::function<double(int64_t)>& fn, double round_s) {
  fn(1);  // warm-up
  int64_t iters = 1;
  for (;;) {
    const double t = fn(iters);
    if (t >= round_s || iters >= (int64_t{1} << 30)) return iters;
    if (t > round_s / 16)
      return std::max<int64_t>(iters + 1, static_cast<int64_t>(iters * round_s / t));
    iters *= 2;
  }
}

struct Slot {
  Slot(std::string n, Runner* r) : name(std::move(n)), runner(r) {}
  std::string name;
  Runner* runner;
  bool ran = false;
  std::string note;
  int64_t iters = 1;
  bool ok = true;
  std::vector<double> samples_us;
};

std::string now_iso() {
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(std::time(nullptr)));
}

nlohmann::json machine_info() {
  nlohmann::json m;
  std::ifstream cpu("/proc/cpuinfo");
  std::string line;
  std::set<std::string> flags;
  while (std::getline(cpu, line)) {
    if (line.starts_with("model name") && !m.contains("cpu"))
      m["cpu"] = line.substr(line.find(':') + 2);
    if (line.starts_with("flags") && flags.empty()) {
      std::istringstream is(line.substr(line.find(':') + 1));
      std::string f;
      while (is >> f) {
        if (f.starts_with("avx") || f.starts_with("amx") || f == "fma" || f == "f16c" ||
            f.starts_with("sse4")) {
          flags.insert(f);
        }
      }
    }
  }
  m["cpu_flags"] = flags;
  m["logical_cpus"] = sysconf(_SC_NPROCESSORS_ONLN);
  m["memory_bytes"] =
      static_cast<double>(sysconf(_SC_PHYS_PAGES)) * static_cast<double>(sysconf(_SC_PAGE_SIZE));
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  m["hostname"] = host;
  return m;
}

// Environment of the child runners: threads pinned explicitly, OpenBLAS told what it runs on.
std::vector<std::string> runner_env(int max_threads, std::map<std::string, std::string>& record) {
  std::vector<std::string> env;
  auto set = [&](const std::string& k, const std::string& v) {
    env.push_back(k + "=" + v);
    record[k] = v;
  };
  set("OMP_NUM_THREADS", std::to_string(max_threads));
  set("OPENBLAS_NUM_THREADS", std::to_string(max_threads));
  set("MKL_NUM_THREADS", std::to_string(max_threads));
  // Waiting threads must not spin against a busy core (see ../shared/anchors.md).
  set("OMP_WAIT_POLICY", "PASSIVE");
  if (const char* ct = std::getenv("OPENBLAS_CORETYPE")) {
    record["OPENBLAS_CORETYPE"] = ct;
  } else {
    // OpenBLAS 0.3.21 does not recognise recent CPUs and falls back to a slow kernel.
    set("OPENBLAS_CORETYPE", __builtin_cpu_supports("avx512f") ? "SkylakeX" : "Haswell");
  }
  return env;
}

}  // namespace

RunResult run_benchmark(const Options& opts) {
  RunResult res;
  res.spec_name = opts.spec.name;
  res.started = now_iso();
  res.machine = machine_info();
  const fs::path work = fs::path(opts.out_dir) / "work";
  fs::create_directories(work);

  std::set<int> thread_set;
  for (const Config& c : opts.spec.configs) thread_set.insert(c.threads);
  const int max_threads = thread_set.empty() ? 1 : *thread_set.rbegin();
  const std::vector<std::string> env = runner_env(max_threads, res.environment);

  const size_t total = opts.spec.configs.size() + 2;
  size_t done = 0;
  auto progress = [&](const std::string& what) {
    if (opts.progress) opts.progress(done, total, what);
  };

  // The roofline first, before the runners start: a runner still loading its libraries
  // would hold a core and halve the 2-thread peak.
  if (opts.measure_roofline) {
    progress("measuring the roofline");
    res.roofline = measure_roofline(std::vector<int>(thread_set.begin(), thread_set.end()));
  }
  ++done;

  // Start the runners; a framework that cannot start is skipped with its reason.
  TesseraRunner tessera;
  res.versions["tessera"] = tessera.version();
  std::vector<std::unique_ptr<ProcessRunner>> external;
  for (const std::string& fw : opts.frameworks) {
    if (fw == "tessera") continue;
    std::vector<std::string> argv;
    if (fw == "libtorch") {
      argv = {(fs::path(opts.bin_dir) / "tessera_libtorch_runner").string()};
      if (!fs::exists(argv[0])) {
        res.skipped[fw] =
            "runner not built (libtorch-dev was not found when tessera was configured)";
        continue;
      }
    } else if (fw == "pytorch") {
      argv = {"/usr/bin/python3", (fs::path(opts.runners_dir) / "torch_runner.py").string()};
    } else if (fw == "onnxruntime") {
      argv = {"node", (fs::path(opts.runners_dir) / "ort_runner.mjs").string()};
    } else {
      detail::throw_error<Error>("bench: unknown framework '", fw,
                                 "'; known: tessera, libtorch, pytorch, onnxruntime");
    }
    try {
      external.push_back(
          std::make_unique<ProcessRunner>(fw, argv, env, (work / (fw + ".log")).string()));
      res.versions[fw] = external.back()->version();
    } catch (const Error& e) {
      res.skipped[fw] = e.what();
    }
  }
  std::vector<Slot> slots{{"tessera", &tessera}};
  for (auto& r : external) slots.push_back({r->name(), r.get()});

  // Per-call overhead of each framework: 1-element float32 add.
  progress("per-call overheads");
  {
    const double round_s = opts.spec.round_ms / 1e3;
    struct Probe {
      Probe(std::string f, std::string p, std::function<double(int64_t)> g)
          : fw(std::move(f)), path(std::move(p)), fn(std::move(g)) {}
      std::string fw, path;
      std::function<double(int64_t)> fn;
      int64_t iters = 1;
      std::vector<double> ns;
    };
    std::vector<Probe> probes{
        {"tessera", "typed", [&](int64_t n) { return tessera.overhead_typed(n); }},
        {"tessera", "boxed", [&](int64_t n) { return tessera.overhead(n); }}};
    for (auto& r : external) {
      Runner* rp = r.get();
      probes.push_back({r->name(),
                        r->name() == "onnxruntime" ? "session run"
                                                   : (r->name() == "pytorch" ? "eager" : "at::add"),
                        [rp](int64_t n) { return rp->overhead(n); }});
    }
    for (Probe& p : probes) {
      try {
        p.iters = calibrate(p.fn, round_s);
      } catch (const Error& e) {
        p.iters = 0;
        res.skipped[p.fw + " overhead"] = e.what();
      }
    }
    for (int r = 0; r < opts.spec.rounds; ++r) {
      for (Probe& p : probes) {
        if (p.iters > 0) p.ns.push_back(p.fn(p.iters) / static_cast<double>(p.iters) * 1e9);
      }
    }
    for (Probe& p : probes) {
      if (p.iters > 0) res.overheads.push_back({p.fw, p.path, summarize(p.ns)});
    }
  }
  ++done;

  for (const Config& c : opts.spec.configs) {
    progress(c.label());
    const OpInfo& op = op_info(c.op);
    ConfigResult cr{c, 0, 0, {}};
    Generator gen(std::hash<std::string>{}(c.label()));
    LoadRequest req{&c, &op, {}, ""};
    for (size_t i = 0; i < c.shapes.size(); ++i) {
      const DType dt = i < op.inputs.size() && op.inputs[i] ? *op.inputs[i] : c.dtype;
      Input in{(work / fmt::format("in{}.bin", i)).string(), make_input(c.shapes[i], dt, gen)};
      write_raw(in.tensor, in.path);
      req.inputs.push_back(std::move(in));
    }
    // Load everywhere; tessera first, as the reference of the correctness guard.
    for (Slot& s : slots) {
      s = Slot{s.name, s.runner};
      try {
        req.output_path = (work / ("out-" + s.name + ".bin")).string();
        s.runner->load(req);
        if (s.name == "tessera") {
          // Chains need the output to be a valid first input: same shape and dtype (div
          // of integers, say, gives floats).
          const Tensor& out = tessera.output();
          req.chainable = op.chainable && out.dtype() == req.inputs[0].tensor.dtype() &&
                          out.sizes().equals(req.inputs[0].tensor.sizes());
        }
        s.ran = true;
        s.note = s.runner->note();
        if (s.name != "tessera") {
          const std::string diff = check_output(tessera.output(), req.output_path);
          if (!diff.empty()) {
            s.ok = false;
            s.note = "result differs from tessera's: " + diff;
          }
        }
        s.iters = calibrate([&](int64_t n) { return s.runner->run(n); }, opts.spec.round_ms / 1e3);
      } catch (const Error& e) {
        s.ran = false;
        s.note = e.what();
        if (s.name == "tessera") break;
      }
    }
    if (slots[0].ran) {
      std::vector<Tensor> ins;
      for (const Input& in : req.inputs) ins.push_back(in.tensor);
      cr.flops = flops(op, ins, tessera.output());
      cr.bytes = bytes(ins, tessera.output());
      for (int r = 0; r < opts.spec.rounds; ++r) {  // interleaved: each framework once per round
        for (Slot& s : slots) {
          if (!s.ran) continue;
          try {
            // Another process ran last: warm caches and TLB again, untimed, before the round.
            s.runner->run(std::max<int64_t>(1, s.iters / 8));
            s.samples_us.push_back(s.runner->run(s.iters) / static_cast<double>(s.iters) * 1e6);
          } catch (const Error& e) {  // a peer failing mid-run loses this configuration only
            if (s.name == "tessera") throw;
            s.ran = false;
            s.samples_us.clear();
            s.note = e.what();
          }
        }
      }
    }
    const double peak =
        res.roofline.fma_gflops.count(c.threads) ? res.roofline.fma_gflops.at(c.threads) : 0;
    const double bw =
        res.roofline.triad_gbps.count(c.threads) ? res.roofline.triad_gbps.at(c.threads) : 0;
    double tessera_median = 0;
    for (Slot& s : slots) {
      FrameworkResult fr;
      fr.framework = s.name;
      fr.ran = s.ran && !s.samples_us.empty();
      fr.ok = s.ok;
      fr.note = s.note;
      fr.samples_us = s.samples_us;
      fr.us = summarize(s.samples_us);
      if (fr.ran && fr.us.median > 0) {
        const double secs = fr.us.median / 1e6;
        fr.gbps = cr.bytes / secs / 1e9;
        fr.gflops = cr.flops / secs / 1e9;
        if (op.cost != Cost::Elementwise && op.cost != Cost::Reduction) {  // compute-bound
          fr.roofline_pct = peak > 0 ? 100 * fr.gflops / peak : 0;
        } else {
          fr.roofline_pct = bw > 0 ? 100 * fr.gbps / bw : 0;
        }
      }
      if (s.name == "tessera") tessera_median = fr.us.median;
      fr.ratio_to_tessera = fr.ran && tessera_median > 0 ? fr.us.median / tessera_median : 0;
      cr.frameworks.push_back(std::move(fr));
    }
    res.configs.push_back(std::move(cr));
    ++done;
  }
  progress("done");
  for (const std::string& fw : opts.frameworks) {
    if (!res.versions.count(fw) && !res.skipped.count(fw)) res.skipped[fw] = "not started";
  }
  return res;
}

}  // namespace tessera::bench
