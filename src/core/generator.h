// Generator: the seedable source of random numbers behind rand and randn.
#pragma once

#include <cstdint>
#include <mutex>
#include <random>

namespace tessera {

/// A random engine (mt19937_64) behind a mutex, so one generator can serve many threads.
class Generator {
 public:
  explicit Generator(uint64_t seed = 67280421310721ull) : engine_(seed), seed_(seed) {}
  void manual_seed(uint64_t seed) {
    std::lock_guard lock(mu_);
    engine_.seed(seed);
    seed_ = seed;
  }
  uint64_t initial_seed() const { return seed_; }
  /// Runs f(engine) under the lock.
  template <typename F>
  auto with_engine(F&& f) {
    std::lock_guard lock(mu_);
    return f(engine_);
  }

 private:
  std::mutex mu_;
  std::mt19937_64 engine_;
  uint64_t seed_;
};

/// The process-wide default generator, as torch.default_generator.
Generator& default_generator();
/// Seeds the default generator, as torch.manual_seed.
inline void manual_seed(uint64_t seed) {
  default_generator().manual_seed(seed);
}

}  // namespace tessera
