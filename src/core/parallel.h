// The intra-op thread count: one OpenMP pool, shared with oneDNN.
#pragma once

namespace tessera {

/// Threads an op may use (OpenMP's, which oneDNN uses too). At start it is
/// $TESSERA_NUM_THREADS when set, else OpenMP's default (OMP_NUM_THREADS or the CPUs).
void set_num_threads(int n);
int get_num_threads();

}  // namespace tessera
