#pragma once
// The tensor-core GEMM engine of the custom CUDA kernels: C[M×N] = A[M×K]·B[K×N] on TF32 tensor
// cores (mma.sync m16n8k8, FP32 accumulation), where A, B and C are not arrays but functors. That
// one kernel is conv fprop, dgrad and wgrad as implicit GEMMs (the im2col matrix is gathered as
// tiles are loaded, padding read as zeros), the transposed conv, and plain or batched matmul.
//
// Block tile 64×64×16, 4 warps in 2×2, each warp 32×32 = 2×4 MMA tiles. The next K tile is
// fetched into registers while the current one is multiplied from shared memory. Small grids
// split K across blockIdx.z: each split writes its partial tile to a workspace and a second
// kernel adds the splits in a fixed order (deterministic), then applies the epilogue.
//
// Loader:    float a(int batch, std::int64_t m, std::int64_t k) const;
//            float b(int batch, std::int64_t k, std::int64_t n) const;
//            called only inside the matrix, returning 0 for padding; static constexpr bool
//            a_k_fastest / b_n_fastest say which index walks contiguous memory, so that
//            consecutive threads load consecutive addresses.
// Epilogue:  void store(int batch, std::int64_t m, std::int64_t n, float value) const;
// Batched problems (bmm) run `batches` GEMMs in one launch: blockIdx.z = batch·splits + split.
// A loader with columns (gemm_contract.h) has its n decomposed once per thread and block; one with
// rows, its k once per thread and K tile.
#include <cstdint>

#include "kernels/cuda/common.cuh"
#include "kernels/cuda/gemm_contract.h"

namespace pigment::cuda::gemm {

// How the products are formed on the TF32 tensor cores.
enum class Precision : std::uint8_t {
  tf32,    // each operand rounded to TF32 (10-bit mantissa): ≈5e-4 relative per product
  tf32x3,  // error-compensated: each operand split as v = hi + lo, both TF32, and
           // a·b ≈ a_hi·b_hi + a_hi·b_lo + a_lo·b_hi on three MMAs — float32-class accuracy (≈1e-6)
};

inline constexpr int kBM = 64, kBN = 64, kBK = 16, kThreads = 128;
inline constexpr int kPad = 8;  // shared-memory row padding: fragment reads hit 32 distinct banks

struct Shape {
  std::int64_t m, n, k;
};

__device__ __forceinline__ std::uint32_t to_tf32(float x) {
#if PIGMENT_SIMT
  return ::pigment::simt::cvt_rna_tf32(x);  // its host twin (engine/simt/tensor_core.cpp)
#else
  std::uint32_t r;
  asm("cvt.rna.tf32.f32 %0, %1;\n" : "=r"(r) : "f"(x));
  return r;
#endif
}

// D = A·B + D for one 16×8×8 tile; fragment layout of the PTX ISA (m16n8k8, .tf32):
//   a0 (g, t), a1 (g+8, t), a2 (g, t+4), a3 (g+8, t+4); b0 (t, g), b1 (t+4, g);
//   c0 (g, 2t), c1 (g, 2t+1), c2 (g+8, 2t), c3 (g+8, 2t+1), with g = lane/4, t = lane%4.
__device__ __forceinline__ void mma_tf32(float (&c)[4], const std::uint32_t (&a)[4], const std::uint32_t (&b)[2]) {
#if PIGMENT_SIMT
  ::pigment::simt::mma_m16n8k8_tf32(c, a, b);  // a warp collective with the same layouts (engine/simt/tensor_core.cpp)
#else
  asm volatile(
      "mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
      : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
#endif
}

// A float kept in shared memory as its bits (tf32x3), split into TF32 hi and lo parts.
__device__ __forceinline__ void split_tf32(std::uint32_t& hi, std::uint32_t& lo) {
  const float v = __uint_as_float(hi);
  hi = to_tf32(v);
  lo = to_tf32(v - __uint_as_float(hi));  // v − hi is exact in float32
}

// The main kernel. grid: (ceil(N/64), ceil(M/64), splits·batches); K split s of `splits` covers
// [s·k_per_split, (s+1)·k_per_split). With splits > 1 the partial tile goes to
// partials[(z·M + m)·N + n] instead of the epilogue.
template <class Loader, class Epilogue, Precision kPrecision>
__global__ void __launch_bounds__(kThreads) gemm_kernel(Shape shape, Loader loader, Epilogue epilogue, int splits,
                                                        std::int64_t k_per_split, float* partials) {
  __shared__ std::uint32_t As[kBK][kBM + kPad];  // As[k][m]: TF32, or the float's bits (tf32x3)
  __shared__ std::uint32_t Bs[kBK][kBN + kPad];  // Bs[k][n]
  constexpr bool kSplit = kPrecision == Precision::tf32x3;
  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  const int warp_m = (warp >> 1) * 32, warp_n = (warp & 1) * 32;
  const int g = lane >> 2, t = lane & 3;
  const std::int64_t m0 = static_cast<std::int64_t>(blockIdx.y) * kBM, n0 = static_cast<std::int64_t>(blockIdx.x) * kBN;
  const int z = blockIdx.z;
  const int split = z % splits, batch = z / splits;
  const std::int64_t k_begin = split * k_per_split;
  const std::int64_t k_end = k_begin + k_per_split < shape.k ? k_begin + k_per_split : shape.k;

  // Each thread fetches 8 elements of A and 8 of B per K tile. Element e = tid + 128·r of the
  // tile: for A (64×16) at (e / 16, e % 16) when k walks memory, else (e % 64, e / 64); for B
  // (16×64) at (e / 64, e % 64) when n walks memory, else (e % 16, e / 16).
  float a_regs[8], b_regs[8];
  // With columns, n walks memory: e % kBN = tid % kBN for every r (kThreads is a multiple of kBN),
  // so all eight B elements of a thread share one column, found here once.
  constexpr bool kColumns = HasColumns<Loader>;
  static_assert(!kColumns || Loader::b_n_fastest, "columns are for loaders whose n walks memory");
  static_assert(kThreads % kBN == 0, "a thread's B elements must share their column");
  [[maybe_unused]] const auto column = [&] {
    if constexpr (kColumns) return loader.column(batch, n0 + tid % kBN);
    else return 0;
  }();
  // With rows, k walks memory for A and not for B: e % kBK = tid % kBK for every r, so a thread's
  // A and B elements of a K tile share one k, decomposed once per tile.
  constexpr bool kRows = HasRows<Loader>;
  static_assert(!kRows || (Loader::a_k_fastest && !Loader::b_n_fastest), "rows are for k-fastest A, k-fastest B");
  static_assert(!(kRows && kColumns), "a loader offers rows or columns, not both");
  static_assert(kThreads % kBK == 0, "a thread's elements must share their k");
  auto fetch = [&](std::int64_t k0) {
    if constexpr (kRows) {
      const std::int64_t k = k0 + tid % kBK;
      const bool k_in = k < k_end;
      const auto row = loader.row(batch, k_in ? k : k_begin);
#pragma unroll
      for (int r = 0; r < 8; ++r) {
        const int e = tid + kThreads * r;
        const std::int64_t m = m0 + e / kBK, n = n0 + e / kBK;
        a_regs[r] = (m < shape.m && k_in) ? loader.a_row(row, m) : 0.0f;
        b_regs[r] = (n < shape.n && k_in) ? loader.b_row(row, n) : 0.0f;
      }
    } else {
#pragma unroll
      for (int r = 0; r < 8; ++r) {
        const int e = tid + kThreads * r;
        const int am = Loader::a_k_fastest ? e / kBK : e % kBM, ak = Loader::a_k_fastest ? e % kBK : e / kBM;
        const int bk = Loader::b_n_fastest ? e / kBN : e % kBK, bn = Loader::b_n_fastest ? e % kBN : e / kBK;
        const std::int64_t gk_a = k0 + ak, gk_b = k0 + bk;
        a_regs[r] = (m0 + am < shape.m && gk_a < k_end) ? loader.a(batch, m0 + am, gk_a) : 0.0f;
        if (n0 + bn < shape.n && gk_b < k_end) {
          if constexpr (kColumns)
            b_regs[r] = loader.b_at(column, gk_b);
          else
            b_regs[r] = loader.b(batch, gk_b, n0 + bn);
        } else {
          b_regs[r] = 0.0f;
        }
      }
    }
  };
  auto stash = [&]() {
#pragma unroll
    for (int r = 0; r < 8; ++r) {
      const int e = tid + kThreads * r;
      const int am = Loader::a_k_fastest ? e / kBK : e % kBM, ak = Loader::a_k_fastest ? e % kBK : e / kBM;
      const int bk = Loader::b_n_fastest ? e / kBN : e % kBK, bn = Loader::b_n_fastest ? e % kBN : e / kBK;
      As[ak][am] = kSplit ? __float_as_uint(a_regs[r]) : to_tf32(a_regs[r]);
      Bs[bk][bn] = kSplit ? __float_as_uint(b_regs[r]) : to_tf32(b_regs[r]);
    }
  };

  float acc[2][4][4] = {};
  fetch(k_begin);
  for (std::int64_t k0 = k_begin; k0 < k_end; k0 += kBK) {
    __syncthreads();  // the previous tile's fragments have all been read
    stash();
    __syncthreads();
    if (k0 + kBK < k_end) fetch(k0 + kBK);  // overlaps the global loads with the MMAs below
#pragma unroll
    for (int kk = 0; kk < kBK; kk += 8) {
      std::uint32_t a[2][4], b[4][2];
#pragma unroll
      for (int i = 0; i < 2; ++i) {
        const int row = warp_m + 16 * i + g;
        a[i][0] = As[kk + t][row];
        a[i][1] = As[kk + t][row + 8];
        a[i][2] = As[kk + t + 4][row];
        a[i][3] = As[kk + t + 4][row + 8];
      }
#pragma unroll
      for (int j = 0; j < 4; ++j) {
        const int col = warp_n + 8 * j + g;
        b[j][0] = Bs[kk + t][col];
        b[j][1] = Bs[kk + t + 4][col];
      }
      if constexpr (kSplit) {
        std::uint32_t a_lo[2][4], b_lo[4][2];
#pragma unroll
        for (int i = 0; i < 2; ++i)
#pragma unroll
          for (int q = 0; q < 4; ++q) split_tf32(a[i][q], a_lo[i][q]);
#pragma unroll
        for (int j = 0; j < 4; ++j)
#pragma unroll
          for (int q = 0; q < 2; ++q) split_tf32(b[j][q], b_lo[j][q]);
        // The small cross terms first, then the large one.
#pragma unroll
        for (int i = 0; i < 2; ++i)
#pragma unroll
          for (int j = 0; j < 4; ++j) {
            mma_tf32(acc[i][j], a_lo[i], b[j]);
            mma_tf32(acc[i][j], a[i], b_lo[j]);
          }
      }
#pragma unroll
      for (int i = 0; i < 2; ++i)
#pragma unroll
        for (int j = 0; j < 4; ++j) mma_tf32(acc[i][j], a[i], b[j]);
    }
  }

#pragma unroll
  for (int i = 0; i < 2; ++i)
#pragma unroll
    for (int j = 0; j < 4; ++j)
#pragma unroll
      for (int r = 0; r < 4; ++r) {
        const std::int64_t m = m0 + warp_m + 16 * i + g + 8 * (r >> 1);
        const std::int64_t n = n0 + warp_n + 8 * j + 2 * t + (r & 1);
        if (m >= shape.m || n >= shape.n) continue;
        if (splits == 1)
          epilogue.store(batch, m, n, acc[i][j][r]);
        else
          partials[(static_cast<std::int64_t>(z) * shape.m + m) * shape.n + n] = acc[i][j][r];
      }
}

// Adds the K splits of every element in split order, then applies the epilogue.
template <class Epilogue>
__global__ void split_k_reduce_kernel(Shape shape, int splits, int batches, const float* partials, Epilogue epilogue) {
  const std::int64_t per_batch = shape.m * shape.n;
  PIGMENT_GRID_STRIDE_LOOP(i, per_batch * batches) {
    const int batch = static_cast<int>(i / per_batch);
    const std::int64_t e = i % per_batch;
    float sum = 0.0f;
    for (int s = 0; s < splits; ++s) sum += partials[(static_cast<std::int64_t>(batch) * splits + s) * per_batch + e];
    epilogue.store(batch, e / shape.n, e % shape.n, sum);
  }
}

// How many K splits: enough blocks to fill about two waves of the GPU, each split at least four
// K tiles deep.
inline int choose_splits(const CudaContext& ctx, const Shape& shape, int batches) {
  const std::int64_t tiles = ((shape.m + kBM - 1) / kBM) * ((shape.n + kBN - 1) / kBN) * batches;
  const std::int64_t want = 2 * static_cast<std::int64_t>(ctx.sm_count());
  std::int64_t splits = tiles >= want ? 1 : (want + tiles - 1) / tiles;
  const std::int64_t max_by_depth = (shape.k + 4 * kBK - 1) / (4 * kBK);
  if (splits > max_by_depth) splits = max_by_depth;
  if (splits > 32) splits = 32;
  return static_cast<int>(splits < 1 ? 1 : splits);
}

// Runs the GEMM `batches` times (loader and epilogue receive the batch index), splitting K when
// the grid would be too small to fill the GPU.
template <Precision kPrecision = Precision::tf32, class Loader, class Epilogue>
void run(CudaContext& ctx, const char* name, Shape shape, int batches, const Loader& loader, const Epilogue& epilogue) {
  if (shape.m <= 0 || shape.n <= 0 || batches <= 0) return;
  const int splits = shape.k > 0 ? choose_splits(ctx, shape, batches) : 1;
  const std::int64_t k_tiles = (shape.k + kBK - 1) / kBK;
  const std::int64_t k_per_split = ((k_tiles + splits - 1) / splits) * kBK;
  const dim3 grid(static_cast<unsigned>((shape.n + kBN - 1) / kBN), static_cast<unsigned>((shape.m + kBM - 1) / kBM),
                  static_cast<unsigned>(splits * batches));
  float* partials = nullptr;
  if (splits > 1)
    partials = static_cast<float*>(
        ctx.workspace(static_cast<std::size_t>(splits) * batches * shape.m * shape.n * sizeof(float)));
  launch(ctx, name, grid, kThreads, 0, gemm_kernel<Loader, Epilogue, kPrecision>, shape, loader, epilogue, splits,
         k_per_split > 0 ? k_per_split : std::int64_t{kBK}, partials);
  if (splits > 1)
    launch(ctx, name, grid_for(ctx, shape.m * shape.n * batches), cuda::kThreads, 0, split_k_reduce_kernel<Epilogue>,
           shape, splits, batches, static_cast<const float*>(partials), epilogue);
}

}  // namespace pigment::cuda::gemm
