// The intra-op thread pool: OpenMP's, shared with oneDNN.
#pragma once

#include <cstdint>
#include <type_traits>

namespace tessera {

/// Threads an op may use (OpenMP's, which oneDNN uses too). At start it is
/// $TESSERA_NUM_THREADS when set, else OpenMP's default (OMP_NUM_THREADS or the CPUs).
void set_num_threads(int n);
int get_num_threads();

/// A non-owning reference to a callable f(begin, end), cheap to pass by value.
class RangeFn {
 public:
  template <typename F, typename = std::enable_if_t<!std::is_same_v<std::decay_t<F>, RangeFn>>>
  RangeFn(F&& f)  // NOLINT: implicit, as std::function
      : obj_(const_cast<void*>(static_cast<const void*>(&f))),
        call_([](void* o, int64_t b, int64_t e) {
          (*static_cast<std::remove_reference_t<F>*>(o))(b, e);
        }) {}
  void operator()(int64_t b, int64_t e) const { call_(obj_, b, e); }

 private:
  void* obj_;
  void (*call_)(void*, int64_t, int64_t);
};

/// Elements a thread should have at least before a range is split: below it, one thread
/// does the whole range (starting threads costs more than it saves).
inline constexpr int64_t kGrainSize = 32768;

/// Runs f over [begin, end) split into contiguous chunks of at least grain elements (a few
/// per thread of the pool, taken by threads as they come free) and returns when all are
/// done. Each thread used has at least two grains of work: a range of fewer than
/// 2 * grain, one thread set, or a call from inside a parallel region (no nested
/// parallelism) runs f(begin, end) on the calling thread. (A region also ends by waiting
/// for every thread it woke; on a machine whose other cores are busy that wait can cost
/// more than a small range's work.)
void parallel_for(int64_t begin, int64_t end, int64_t grain, RangeFn f);

}  // namespace tessera
