#pragma once
// The SIMT harness: the CUDA kernels' own source, compiled as C++, runs on the CPU.
//
// In a build configured with -DPIGMENT_CUDA=SIMT this header is force-included (g++ -include)
// before every file of engine/cuda/ and kernels/cuda/, which are then compiled as ordinary C++.
// It supplies the part of the CUDA language those kernels use; everything else about them is
// the same source nvcc compiles:
//   - one fiber per CUDA thread, all fibers of a block on one OS thread, blocks one after another
//     (engine/simt/scheduler.cpp);
//   - threadIdx, blockIdx, blockDim, gridDim: the running fiber's coordinates;
//   - __shared__: thread_local, so one copy per OS thread and so per running block;
//     dynamic shared memory (PIGMENT_EXTERN_SHARED, kernels/cuda/common.cuh): a per-block buffer
//     filled with NaN before the block runs and guarded after its end;
//   - __syncthreads: a barrier that fails when the block's threads do not all reach the same one;
//   - __shfl_xor_sync and mma.sync (the tensor cores): warp collectives, resolved when the last
//     lane of the mask arrives, failing when the warp's lanes disagree;
//   - cvt.rna.tf32.f32 and mma.sync.aligned.m16n8k8 with the PTX ISA's rounding and fragment
//     layouts (engine/simt/tensor_core.cpp);
//   - the launch (kernels/cuda/common.cuh: launch) runs every block of the grid and returns when
//     they are done, like a launch followed by a stream synchronisation.
// A fault the harness detects (barrier divergence, a deadlocked warp collective, an invalid launch,
// a write past dynamic shared memory, a host pointer passed as a kernel argument) ends the launch
// with a pigment::Error naming the kernel, the block, the thread and the fault.
//
// What it cannot show: the tensor cores' accumulation order (products here are exact and summed
// in double), the GPU's __expf approximation, races between blocks of one launch (they run one
// after another), uninitialised static __shared__ arrays (they keep the previous block's values),
// timing, and cuDNN. docs/verification.md says what each detector covers.

#undef __shared__                    // cuda_runtime.h, if included first, defined it empty
#define __shared__ thread_local       // block scope: static storage, one copy per OS thread
#define __launch_bounds__(...)        // occupancy hints mean nothing here

#include <cuda_runtime.h>  // dim3, uint3, float4, make_float4, cudaStream_t: host headers only

#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <source_location>
#include <type_traits>

namespace pigment::simt {

// The coordinates of the running CUDA thread and its block (valid inside a kernel only).
struct ThreadCoordinates {
  uint3 thread_idx;
};
struct BlockCoordinates {
  uint3 block_idx;
  dim3 block_dim, grid_dim;
  void* dynamic_shared;
};
extern thread_local const ThreadCoordinates* t_thread;
extern thread_local const BlockCoordinates* t_block;

// Kernel-side primitives (scheduler.cpp, tensor_core.cpp).
void syncthreads(std::source_location where);
std::uint32_t shfl_xor(unsigned mask, std::uint32_t bits, int lane_mask, int width);
std::uint32_t cvt_rna_tf32(float x);
void mma_m16n8k8_tf32(float (&d)[4], const std::uint32_t (&a)[4], const std::uint32_t (&b)[2]);

// Under ThreadSanitizer the kernels read the coordinates through these functions, compiled without
// instrumentation, so that TSan sees the kernels' own memory accesses and nothing of the harness's.
uint3 thread_idx_uninstrumented();
uint3 block_idx_uninstrumented();
dim3 block_dim_uninstrumented();
dim3 grid_dim_uninstrumented();
void* dynamic_shared_uninstrumented();

template <class T> T* dynamic_shared() {
#if defined(PIGMENT_SIMT_TSAN)
  return static_cast<T*>(dynamic_shared_uninstrumented());
#else
  return static_cast<T*>(t_block->dynamic_shared);
#endif
}

struct LaunchConfig {
  const char* name;
  dim3 grid, block;
  std::size_t dynamic_shared_bytes;
  cudaStream_t stream;
};

// Runs body() once for every thread of every block of the grid; throws pigment::Error on a fault.
void run_grid(const LaunchConfig& config, const std::function<void()>& body);

// Throws unless p is null or points into (or one past) memory from cudaMalloc: a kernel given a
// host pointer would fault on a GPU, but here host memory is device memory.
void check_device_pointer(const char* kernel, int argument, const void* p);

// kernel<<<grid, block, shared_bytes, stream>>>(args…), run to completion.
template <class Kernel, class... Args>
void launch(cudaStream_t stream, const char* name, dim3 grid, dim3 block, std::size_t shared_bytes, Kernel kernel,
            Args... args) {
  int index = 0;
  const auto check = [&]<class A>(const A& argument) {
    if constexpr (std::is_pointer_v<A>) check_device_pointer(name, index, argument);
    ++index;
  };
  (check(args), ...);
  // Every thread calls the kernel with its own copies of the arguments, as on a GPU.
  run_grid(LaunchConfig{name, grid, block, shared_bytes, stream}, [&] { kernel(args...); });
}

}  // namespace pigment::simt

#if defined(PIGMENT_SIMT_TSAN)
#define threadIdx (::pigment::simt::thread_idx_uninstrumented())
#define blockIdx (::pigment::simt::block_idx_uninstrumented())
#define blockDim (::pigment::simt::block_dim_uninstrumented())
#define gridDim (::pigment::simt::grid_dim_uninstrumented())
#else
#define threadIdx (::pigment::simt::t_thread->thread_idx)
#define blockIdx (::pigment::simt::t_block->block_idx)
#define blockDim (::pigment::simt::t_block->block_dim)
#define gridDim (::pigment::simt::t_block->grid_dim)
#endif

inline void __syncthreads(std::source_location where = std::source_location::current()) {
  ::pigment::simt::syncthreads(where);
}

template <class T>
  requires(sizeof(T) == 4 && std::is_trivially_copyable_v<T>)
inline T __shfl_xor_sync(unsigned mask, T value, int lane_mask, int width = 32) {
  std::uint32_t bits;
  std::memcpy(&bits, &value, 4);
  bits = ::pigment::simt::shfl_xor(mask, bits, lane_mask, width);
  std::memcpy(&value, &bits, 4);
  return value;
}

inline float __uint_as_float(unsigned int u) { return std::bit_cast<float>(u); }
inline unsigned int __float_as_uint(float f) { return std::bit_cast<unsigned int>(f); }

// The fast-math intrinsic as the host's exp: the GPU's approximation (≤ 2 + 1.16·|x| ulp) is not
// reproduced.
inline float __expf(float x) { return std::exp(x); }
