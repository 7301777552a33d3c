// An independent measurement for bench/independent_check.py: plain std::chrono timing
// loops over tessera's eager API, with nothing of the bench-ops harness. Prints one JSON
// object: {"label": median microseconds per call, ...}; with a label argument, that case only.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <functional>
#include <vector>

#include "tessera.h"

namespace {

using namespace tessera;

// Median over 9 rounds of the per-call time of a loop lasting about 50 ms.
double median_us(const std::function<Tensor()>& f) {
  using Clock = std::chrono::steady_clock;
  f();
  int64_t iters = 1;
  for (;;) {
    const auto t0 = Clock::now();
    for (int64_t i = 0; i < iters; ++i) f();
    if (std::chrono::duration<double>(Clock::now() - t0).count() > 0.05) break;
    iters *= 2;
  }
  std::vector<double> us;
  for (int r = 0; r < 9; ++r) {
    const auto t0 = Clock::now();
    for (int64_t i = 0; i < iters; ++i) f();
    us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count() /
                 static_cast<double>(iters));
  }
  std::sort(us.begin(), us.end());
  return us[us.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  // With an argument, only the case of that label.
  const std::string only = argc > 1 ? argv[1] : "";
  set_num_threads(1);  // the configurations are the t1 ones of bench/independent_check.py
  manual_seed(1);
  // Values as bench-ops makes them: uniform in [0.5, 1.5).
  auto input = [](IntArrayRef shape) { return rand(shape) + 0.5; };
  const Tensor a5 = input({100000}), b5 = input({100000});
  const Tensor a6 = input({1000000}), b6 = input({1000000});
  const Tensor m = input({1024, 4096});
  const Tensor v = input({1, 768}), w = input({768, 768});
  const Tensor x3 = input({64, 128, 768}), r1 = input({768}), sq = input({1024, 1024});
  const std::vector<std::pair<std::string, std::function<Tensor()>>> cases = {
      {"add [100000]+[100000] float32 t1", [&] { return add(a5, b5); }},
      {"mul [1000000]+[1000000] float32 t1", [&] { return mul(a6, b6); }},
      {"exp [100000] float32 t1", [&] { return exp(a5); }},
      {"sum [1024,4096] float32 t1 {\"dim\":[-1]}", [&] { return sum(m, {-1}); }},
      {"matmul [1,768]+[768,768] float32 t1", [&] { return matmul(v, w); }},
      {"div [1000000]+[1000000] float32 t1", [&] { return div(a6, b6); }},
      {"sub [64,128,768]+[768] float32 t1", [&] { return sub(x3, r1); }},
      {"argmax [1024,1024] float32 t1 {\"dim\":-1}", [&] { return argmax(sq, -1); }},
  };
  nlohmann::json out;
  for (const auto& [label, f] : cases) {
    if (only.empty() || label == only) out[label] = median_us(f);
  }
  fmt::print("{}\n", out.dump());
  return 0;
}
