#pragma once
// What the GEMM engine (gemm_tc.cuh) asks of a loader beyond a(batch, m, k) and b(batch, k, n),
// in host-safe C++ so that host tests can drive loaders the way the engine does.
//
// Columns: b(batch, k, n) usually splits n into coordinates (image, pixel) — integer divisions
// that do not depend on k. A loader may offer
//     Column column(int batch, std::int64_t n) const;    // once per thread and block
//     float b_at(const Column& col, std::int64_t k) const;  // for each k
// and the engine then decomposes n once per block instead of once per element and K step.
//
// Rows: when k walks memory for A and not for B (a_k_fastest && !b_n_fastest, the weight
// gradient), a thread's A and B elements of one K tile all share their k. A loader may offer
//     Row row(int batch, std::int64_t k) const;            // once per thread and K tile
//     float a_row(const Row& row, std::int64_t m) const;
//     float b_row(const Row& row, std::int64_t n) const;
// and the engine decomposes k once per K tile instead of once per element.
#include <cstdint>

namespace pigment::cuda::gemm {

template <class Loader>
concept HasColumns = requires(const Loader& l, int batch, std::int64_t n, std::int64_t k) {
  l.b_at(l.column(batch, n), k);
};

template <class Loader>
concept HasRows = requires(const Loader& l, int batch, std::int64_t m, std::int64_t n, std::int64_t k) {
  l.a_row(l.row(batch, k), m);
  l.b_row(l.row(batch, k), n);
};

// A(m, k) and B(k, n) through the row or column interfaces when the loader has them.
template <class Loader>
#if defined(__CUDACC__)
__host__ __device__
#endif
inline float load_a(const Loader& l, int batch, std::int64_t m, std::int64_t k) {
  if constexpr (HasRows<Loader>)
    return l.a_row(l.row(batch, k), m);
  else
    return l.a(batch, m, k);
}

template <class Loader>
#if defined(__CUDACC__)
__host__ __device__
#endif
inline float load_b(const Loader& l, int batch, std::int64_t k, std::int64_t n) {
  if constexpr (HasColumns<Loader>)
    return l.b_at(l.column(batch, n), k);
  else if constexpr (HasRows<Loader>)
    return l.b_row(l.row(batch, k), n);
  else
    return l.b(batch, k, n);
}

}  // namespace pigment::cuda::gemm
