#pragma once
// The CPU backend's threading: OpenMP work-sharing over an index range. A loop whose total work
// is small stays on one thread (the fork costs more than it saves). The range is cut into a few
// chunks per thread, taken as threads come free: on a machine shared with another busy process, a
// thread that gets less of a core takes fewer chunks, where equal static shares would make every
// loop wait for it (issue 12). fn(i) writes results of index i only, so which thread runs it
// changes nothing. The raw family headers define their CPU reference with it, and nvcc's host
// pass reads those headers without OpenMP (a CUDA file never calls a CPU kernel): there the loop
// is a plain one.
#if defined(_OPENMP)
#include <omp.h>
#endif

#include <algorithm>
#include <cstdint>

namespace pigment::cpu {

// Calls fn(i) for i in [0, n), on all threads when n · work_per_item is large enough.
template <class Fn>
void parallel_for(std::int64_t n, std::int64_t work_per_item, Fn&& fn) {
#if defined(_OPENMP)
  constexpr std::int64_t kMinParallelWork = 1 << 15;
  if (n > 1 && n * work_per_item >= kMinParallelWork) {
    const std::int64_t chunk = std::max<std::int64_t>(1, n / (4 * omp_get_max_threads()));
#pragma omp parallel for schedule(dynamic, chunk)
    for (std::int64_t i = 0; i < n; ++i) fn(i);
    return;
  }
#else
  (void)work_per_item;
#endif
  for (std::int64_t i = 0; i < n; ++i) fn(i);
}

}  // namespace pigment::cpu
