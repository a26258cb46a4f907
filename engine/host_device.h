#pragma once
// PIGMENT_HOST_DEVICE marks small functions that both the CPU code and CUDA kernels call
// (index arithmetic, Philox): __host__ __device__ under nvcc, plain inline elsewhere.
#if defined(__CUDACC__)
#define PIGMENT_HOST_DEVICE __host__ __device__ __forceinline__
#else
#define PIGMENT_HOST_DEVICE inline
#endif
