#pragma once
// Launching a kernel on a context's stream, and the launch geometry every element-wise kernel
// shares. The one place a launch is written: nvcc's <<<>>> on a GPU, the SIMT harness's launch
// (engine/simt/simt.h) when the kernels run on the CPU.
#include <cstddef>
#include <cstdint>

#include "engine/cuda/cuda_context.h"

namespace pigment::cuda {

inline constexpr int kThreads = 256;  // threads per block of the element-wise and reduction kernels

// Blocks for `n` items at `per_block` per block, capped at a few waves of the GPU: grid-stride
// loops cover the rest, and a launch never asks for more blocks than there is work.
inline unsigned grid_for(const CudaContext& ctx, std::int64_t n, int per_block = kThreads) {
  const std::int64_t blocks = (n + per_block - 1) / per_block;
  const std::int64_t cap = static_cast<std::int64_t>(ctx.sm_count()) * 16;
  return static_cast<unsigned>(blocks < 1 ? 1 : (blocks < cap ? blocks : cap));
}

// for (i = global thread index; i < n; i += total threads)
#define PIGMENT_GRID_STRIDE_LOOP(i, n)                                                                 \
  for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < (n); \
       i += static_cast<std::int64_t>(gridDim.x) * blockDim.x)

// Launches kernel<<<grid, block, shared_bytes, ctx's stream>>>(args…) and checks it (and, with
// PIGMENT_CUDA_SYNC=1, waits for it so that a fault is blamed on `name`). An empty grid launches
// nothing.
template <class Kernel, class... Args>
void launch(CudaContext& ctx, const char* name, dim3 grid, dim3 block, std::size_t shared_bytes, Kernel kernel,
            Args... args) {
  if (grid.x == 0 || grid.y == 0 || grid.z == 0) return;
#if PIGMENT_SIMT
  ::pigment::simt::launch(ctx.stream(), name, grid, block, shared_bytes, kernel, args...);
#else
  kernel<<<grid, block, shared_bytes, ctx.stream()>>>(args...);
#endif
  ctx.check_launch(name, __FILE__, __LINE__);
}

}  // namespace pigment::cuda

// Dynamic shared memory: every `extern __shared__` array of a block starts at the same address.
#if PIGMENT_SIMT
#define PIGMENT_EXTERN_SHARED(T, name) T* const name = ::pigment::simt::dynamic_shared<T>()
#else
#define PIGMENT_EXTERN_SHARED(T, name) extern __shared__ T name[]
#endif
