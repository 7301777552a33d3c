// Per-call time of a 1-element float32 add through tessera's typed and boxed paths, and
// through libtorch's at::add in the same run. See bench/RESULTS.md.
#include <benchmark/benchmark.h>

#include "tessera.h"

#ifdef TESSERA_BENCH_LIBTORCH
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>
#endif

namespace {

void BM_tessera_add_typed(benchmark::State& state) {
  const tessera::Tensor a = tessera::ones({1}), b = tessera::ones({1});
  for (auto _ : state) {
    tessera::Tensor c = tessera::add(a, b);
    benchmark::DoNotOptimize(c.data_ptr());
  }
}
BENCHMARK(BM_tessera_add_typed);

void BM_tessera_add_boxed(benchmark::State& state) {
  const tessera::Tensor a = tessera::ones({1}), b = tessera::ones({1});
  const tessera::OperatorHandle op = tessera::Dispatcher::get().find_or_throw("add.Tensor");
  tessera::Stack stack;
  stack.reserve(3);
  for (auto _ : state) {
    stack.emplace_back(a);
    stack.emplace_back(b);
    stack.emplace_back(int64_t{1});
    op.call_boxed(stack);
    benchmark::DoNotOptimize(stack.back().to_tensor().data_ptr());
    stack.clear();
  }
}
BENCHMARK(BM_tessera_add_boxed);

#ifdef TESSERA_BENCH_LIBTORCH
void BM_libtorch_add(benchmark::State& state) {
  c10::InferenceMode guard;  // as an inference runtime would call it: no autograd recording
  at::set_num_threads(1);
  const at::Tensor a = at::ones({1}), b = at::ones({1});
  for (auto _ : state) {
    at::Tensor c = at::add(a, b);
    benchmark::DoNotOptimize(c.data_ptr());
  }
}
BENCHMARK(BM_libtorch_add);
#endif

}  // namespace

BENCHMARK_MAIN();
