#pragma once
// What the GEMM engine (gemm_tc.cuh) asks of a loader beyond a(batch, m, k) and b(batch, k, n),
// in host-safe C++ so that host tests can drive loaders the way the engine does.
//
// Columns: b(batch, k, n) usually splits n into coordinates (image, pixel) — integer divisions
// that do not depend on k. A loader may offer
//     Column column(int batch, std::int64_t n) const;    // once per thread and block
//     float b_at(const Column& col, std::int64_t k) const;  // for each k
// and the engine then decomposes n once per block instead of once per element and K step.
#include <cstdint>

namespace pigment::cuda::gemm {

template <class Loader>
concept HasColumns = requires(const Loader& l, int batch, std::int64_t n, std::int64_t k) {
  l.b_at(l.column(batch, n), k);
};

// B(k, n) through the column interface when the loader has one.
template <class Loader>
#if defined(__CUDACC__)
__host__ __device__
#endif
inline float load_b(const Loader& l, int batch, std::int64_t k, std::int64_t n) {
  if constexpr (HasColumns<Loader>)
    return l.b_at(l.column(batch, n), k);
  else
    return l.b(batch, k, n);
}

}  // namespace pigment::cuda::gemm
