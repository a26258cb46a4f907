#include "kernels/cpu/gemm.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <new>
#include <vector>

#include <omp.h>

namespace pigment::cpu {

namespace {

// ---- Vector registers ------------------------------------------------------------------------------
#if defined(__AVX512F__)
constexpr int kVectorBytes = 64;
constexpr int kMR = 12;  // 24 accumulators + 2 B vectors + 1 broadcast of 32 registers
#elif defined(__AVX__)
constexpr int kVectorBytes = 32;
constexpr int kMR = 6;   // 12 accumulators + 3 of 16 registers
#else
constexpr int kVectorBytes = 16;
constexpr int kMR = 6;
#endif

typedef float VecF __attribute__((vector_size(kVectorBytes)));
typedef double VecD __attribute__((vector_size(kVectorBytes)));
template <class T> struct VecOf;
template <> struct VecOf<float> { using type = VecF; };
template <> struct VecOf<double> { using type = VecD; };

template <class T> struct Blocking {
  using Vec = typename VecOf<T>::type;
  static constexpr int kVL = kVectorBytes / static_cast<int>(sizeof(T));  // elements per vector
  static constexpr int kNR = 2 * kVL;                                      // C tile: kMR × kNR
  static constexpr std::int64_t kKC = 256;                                 // depth of a packed panel
  static constexpr std::int64_t kMC = 8 * kMR;                             // rows of a packed A block
  static constexpr std::int64_t kNC = 64 * kNR;                            // columns of a packed B panel
};

template <class T> inline T element(const T* m, std::int64_t ld, Transpose t, std::int64_t row, std::int64_t col) {
  return t == Transpose::no ? m[row * ld + col] : m[col * ld + row];
}

// Packs rows [i0, i0+mc) × depth [p0, p0+kc) of op(A) into slivers of kMR rows: sliver s holds
// element (i0 + s·kMR + i, p0 + p) at s·kMR·kc + p·kMR + i; rows past m are zero.
template <class T>
void pack_a_sliver(const T* a, std::int64_t lda, Transpose ta, std::int64_t m, std::int64_t i0, std::int64_t p0,
                   std::int64_t kc, T* dst) {
  for (std::int64_t p = 0; p < kc; ++p)
    for (int i = 0; i < kMR; ++i) {
      const std::int64_t row = i0 + i;
      dst[p * kMR + i] = row < m ? element(a, lda, ta, row, p0 + p) : T(0);
    }
}

// Packs depth [p0, p0+kc) × columns [j0, j0+kNR) of op(B): element (p, j) at p·kNR + j; zero past n.
template <class T>
void pack_b_sliver(const T* b, std::int64_t ldb, Transpose tb, std::int64_t n, std::int64_t p0, std::int64_t j0,
                   std::int64_t kc, T* dst) {
  constexpr int kNR = Blocking<T>::kNR;
  const std::int64_t width = std::min<std::int64_t>(kNR, n - j0);
  if (tb == Transpose::no && width == kNR) {
    for (std::int64_t p = 0; p < kc; ++p) std::memcpy(dst + p * kNR, b + (p0 + p) * ldb + j0, sizeof(T) * kNR);
    return;
  }
  for (std::int64_t p = 0; p < kc; ++p)
    for (int j = 0; j < kNR; ++j) dst[p * kNR + j] = j < width ? element(b, ldb, tb, p0 + p, j0 + j) : T(0);
}

// acc = Σ_p a[:, p] ⊗ b[p, :] over one packed A sliver and one packed B sliver; the kMR × kNR
// result goes to `tile`.
template <class T> void micro_kernel(std::int64_t kc, const T* __restrict a, const T* __restrict b, T* __restrict tile) {
  using Vec = typename Blocking<T>::Vec;
  constexpr int kVL = Blocking<T>::kVL, kNR = Blocking<T>::kNR;
  Vec acc0[kMR], acc1[kMR];
#pragma GCC unroll 16
  for (int i = 0; i < kMR; ++i) acc0[i] = acc1[i] = Vec{};
  for (std::int64_t p = 0; p < kc; ++p) {
    Vec b0, b1;
    std::memcpy(&b0, b + p * kNR, sizeof(Vec));
    std::memcpy(&b1, b + p * kNR + kVL, sizeof(Vec));
#pragma GCC unroll 16
    for (int i = 0; i < kMR; ++i) {
      const T ai = a[p * kMR + i];
      acc0[i] += ai * b0;
      acc1[i] += ai * b1;
    }
  }
#pragma GCC unroll 16
  for (int i = 0; i < kMR; ++i) {
    std::memcpy(tile + i * kNR, &acc0[i], sizeof(Vec));
    std::memcpy(tile + i * kNR + kVL, &acc1[i], sizeof(Vec));
  }
}

// C[tile] = alpha · tile + beta' · C[tile] for the valid part of an edge tile. beta' is beta on the
// first depth panel and 1 on later ones (they accumulate).
template <class T>
void store_tile(const T* tile, std::int64_t rows, std::int64_t cols, T alpha, T beta, T* c, std::int64_t ldc) {
  constexpr int kNR = Blocking<T>::kNR;
  for (std::int64_t i = 0; i < rows; ++i) {
    T* crow = c + i * ldc;
    const T* trow = tile + i * kNR;
    if (beta == T(0)) {
      for (std::int64_t j = 0; j < cols; ++j) crow[j] = alpha * trow[j];
    } else {
      for (std::int64_t j = 0; j < cols; ++j) crow[j] = alpha * trow[j] + beta * crow[j];
    }
  }
}

// The packing panels of the calling thread: grown on demand and kept for the thread's lifetime,
// as BLAS libraries keep theirs. A GEMM runs thousands of times per training step, mostly on
// OpenMP's worker threads; a fresh 1–2 MiB buffer per call churned glibc's per-thread arenas into
// ~150 MB of fragmented, resident heap on the CycleGAN step (issue 12). It holds no result: each
// call packs before it reads.
struct PackingScratch {
  void* ptr = nullptr;
  std::size_t bytes = 0;
  ~PackingScratch() { std::free(ptr); }
};

template <class T> T* packing_scratch(std::size_t elements) {
  thread_local PackingScratch scratch;
  const std::size_t bytes = (elements * sizeof(T) + 63) / 64 * 64;
  if (bytes > scratch.bytes) {
    std::free(scratch.ptr);
    scratch.ptr = std::aligned_alloc(64, bytes);
    scratch.bytes = scratch.ptr ? bytes : 0;
    if (!scratch.ptr) throw std::bad_alloc();
  }
  return static_cast<T*>(scratch.ptr);
}

// One thread's GEMM over the whole of its (sub)problem.
template <class T>
void gemm_serial(Transpose ta, Transpose tb, std::int64_t m, std::int64_t n, std::int64_t k, T alpha, const T* a,
                 std::int64_t lda, const T* b, std::int64_t ldb, T beta, T* c, std::int64_t ldc) {
  using B = Blocking<T>;
  const std::int64_t nc_max = std::min(B::kNC, (n + B::kNR - 1) / B::kNR * B::kNR);
  const std::int64_t mc_max = std::min(B::kMC, (m + kMR - 1) / kMR * kMR);
  const std::int64_t kc_max = std::min(B::kKC, k);
  T* const packed_b = packing_scratch<T>(static_cast<std::size_t>((nc_max + mc_max) * kc_max));
  T* const packed_a = packed_b + nc_max * kc_max;  // nc_max is whole kNR slivers (64 B): stays aligned
  alignas(64) T tile[kMR * B::kNR];
  for (std::int64_t jc = 0; jc < n; jc += B::kNC) {
    const std::int64_t nc = std::min(B::kNC, n - jc);
    const std::int64_t b_slivers = (nc + B::kNR - 1) / B::kNR;
    for (std::int64_t pc = 0; pc < k; pc += B::kKC) {
      const std::int64_t kc = std::min(B::kKC, k - pc);
      const T beta_here = pc == 0 ? beta : T(1);  // later depth panels accumulate
      for (std::int64_t s = 0; s < b_slivers; ++s)
        pack_b_sliver(b, ldb, tb, n, pc, jc + s * B::kNR, kc, packed_b + s * B::kNR * kc);
      for (std::int64_t ic = 0; ic < m; ic += B::kMC) {
        const std::int64_t mc = std::min(B::kMC, m - ic);
        const std::int64_t a_slivers = (mc + kMR - 1) / kMR;
        for (std::int64_t s = 0; s < a_slivers; ++s)
          pack_a_sliver(a, lda, ta, m, ic + s * kMR, pc, kc, packed_a + s * kMR * kc);
        for (std::int64_t sj = 0; sj < b_slivers; ++sj) {
          const std::int64_t j0 = jc + sj * B::kNR;
          const std::int64_t cols = std::min<std::int64_t>(B::kNR, n - j0);
          for (std::int64_t si = 0; si < a_slivers; ++si) {
            const std::int64_t i0 = ic + si * kMR;
            const std::int64_t rows = std::min<std::int64_t>(kMR, m - i0);
            micro_kernel(kc, packed_a + si * kMR * kc, packed_b + sj * B::kNR * kc, tile);
            store_tile(tile, rows, cols, alpha, beta_here, c + i0 * ldc + j0, ldc);
          }
        }
      }
    }
  }
}

}  // namespace

// Threads split C into independent column (or row) blocks, each a serial GEMM: no barrier inside
// the product, and every element is accumulated in the same order whatever the thread count.
// There are a few blocks per thread, taken as threads come free (dynamic schedule), so that a
// thread the OS gives less of a core to (another process on the machine) takes fewer blocks
// instead of holding the others at the end of the product (issue 12). A block packs A (or B) again,
// so blocks stay wide: at least kMinBlockUnits micro-tiles.
constexpr std::int64_t kBlocksPerThread = 4;
constexpr std::int64_t kMinBlockUnits = 8;

template <class T>
void gemm(Transpose ta, Transpose tb, std::int64_t m, std::int64_t n, std::int64_t k, T alpha, const T* a,
          std::int64_t lda, const T* b, std::int64_t ldb, T beta, T* c, std::int64_t ldc) {
  using B = Blocking<T>;
  if (m <= 0 || n <= 0) return;
  if (k <= 0 || alpha == T(0)) {
    for (std::int64_t i = 0; i < m; ++i)
      for (std::int64_t j = 0; j < n; ++j) c[i * ldc + j] = beta == T(0) ? T(0) : beta * c[i * ldc + j];
    return;
  }
  const int threads = omp_get_max_threads();
  const bool parallel = threads > 1 && static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k) > 4e5;
  if (!parallel) return gemm_serial(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  // Split the longer side of C into blocks of whole micro-tiles.
  const bool by_columns = n / B::kNR >= m / kMR;
  const std::int64_t unit = by_columns ? B::kNR : kMR, extent = by_columns ? n : m;
  const std::int64_t units = (extent + unit - 1) / unit;
  const std::int64_t parts =
      std::clamp<std::int64_t>(units / kMinBlockUnits, std::min<std::int64_t>(threads, units), threads * kBlocksPerThread);
  const int team = static_cast<int>(std::min<std::int64_t>(threads, parts));
#pragma omp parallel for schedule(dynamic, 1) num_threads(team)
  for (std::int64_t part = 0; part < parts; ++part) {
    const std::int64_t begin = units * part / parts * unit, end = std::min(extent, units * (part + 1) / parts * unit);
    if (begin >= end) continue;
    if (by_columns) {
      const T* b_block = tb == Transpose::no ? b + begin : b + begin * ldb;
      gemm_serial(ta, tb, m, end - begin, k, alpha, a, lda, b_block, ldb, beta, c + begin, ldc);
    } else {
      const T* a_block = ta == Transpose::no ? a + begin * lda : a + begin;
      gemm_serial(ta, tb, end - begin, n, k, alpha, a_block, lda, b, ldb, beta, c + begin * ldc, ldc);
    }
  }
}

template <class T>
void gemm_reference(Transpose ta, Transpose tb, std::int64_t m, std::int64_t n, std::int64_t k, T alpha, const T* a,
                    std::int64_t lda, const T* b, std::int64_t ldb, T beta, T* c, std::int64_t ldc) {
  for (std::int64_t i = 0; i < m; ++i)
    for (std::int64_t j = 0; j < n; ++j) {
      T sum = 0;
      for (std::int64_t p = 0; p < k; ++p) sum += element(a, lda, ta, i, p) * element(b, ldb, tb, p, j);
      c[i * ldc + j] = alpha * sum + (beta == T(0) ? T(0) : beta * c[i * ldc + j]);
    }
}

#define PIGMENT_INSTANTIATE_GEMM(T)                                                                             \
  template void gemm<T>(Transpose, Transpose, std::int64_t, std::int64_t, std::int64_t, T, const T*, std::int64_t, \
                        const T*, std::int64_t, T, T*, std::int64_t);                                            \
  template void gemm_reference<T>(Transpose, Transpose, std::int64_t, std::int64_t, std::int64_t, T, const T*,     \
                                  std::int64_t, const T*, std::int64_t, T, T*, std::int64_t);
PIGMENT_INSTANTIATE_GEMM(float)
PIGMENT_INSTANTIATE_GEMM(double)
#undef PIGMENT_INSTANTIATE_GEMM

}  // namespace pigment::cpu
