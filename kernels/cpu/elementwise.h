#pragma once
// Element-wise loops of the CPU backend, split into cache-sized chunks across threads.
#include <algorithm>
#include <cstdint>

#include "kernels/cpu/parallel.h"

namespace pigment::cpu {

inline constexpr std::int64_t kElementwiseChunk = 1 << 14;

// y[i] = f(x[i])
template <class T, class F> void map(std::int64_t n, const T* x, T* y, F f) {
  const std::int64_t chunks = (n + kElementwiseChunk - 1) / kElementwiseChunk;
  parallel_for(chunks, kElementwiseChunk, [&](std::int64_t c) {
    const std::int64_t end = std::min(n, (c + 1) * kElementwiseChunk);
    for (std::int64_t i = c * kElementwiseChunk; i < end; ++i) y[i] = f(x[i]);
  });
}

// y[i] = f(a[i], b[i])
template <class T, class F> void map(std::int64_t n, const T* a, const T* b, T* y, F f) {
  const std::int64_t chunks = (n + kElementwiseChunk - 1) / kElementwiseChunk;
  parallel_for(chunks, kElementwiseChunk, [&](std::int64_t c) {
    const std::int64_t end = std::min(n, (c + 1) * kElementwiseChunk);
    for (std::int64_t i = c * kElementwiseChunk; i < end; ++i) y[i] = f(a[i], b[i]);
  });
}

}  // namespace pigment::cpu
