#pragma once
// The CPU backend's threading: OpenMP work-sharing over an index range. A loop whose total work
// is small stays on one thread (the fork costs more than it saves).
#include <cstdint>

namespace pigment::cpu {

// Calls fn(i) for i in [0, n), on all threads when n · work_per_item is large enough.
template <class Fn>
void parallel_for(std::int64_t n, std::int64_t work_per_item, Fn&& fn) {
  constexpr std::int64_t kMinParallelWork = 1 << 15;
  if (n > 1 && n * work_per_item >= kMinParallelWork) {
#pragma omp parallel for schedule(static)
    for (std::int64_t i = 0; i < n; ++i) fn(i);
  } else {
    for (std::int64_t i = 0; i < n; ++i) fn(i);
  }
}

}  // namespace pigment::cpu
