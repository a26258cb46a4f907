#pragma once
// Kernels with a fault planted in them (or its correct twin), shared by the harness's in-process
// tests (test_faults.cu) and the sanitizer runs (planted_faults.cu).
#include "engine/cuda/launch.cuh"

namespace pigment::simt_test {

// Each thread stores its input to shared memory, then reads its neighbour's: without the barrier a
// thread may read before its neighbour has stored (a race between barriers).
template <bool kBarrier> __global__ void rotate_through_shared(const float* in, float* out) {
  __shared__ float s[64];
  const int t = static_cast<int>(threadIdx.x);
  s[t] = in[blockIdx.x * 64 + t];
  if (kBarrier) __syncthreads();
  out[blockIdx.x * 64 + t] = s[(t + 1) % 64];
}

// Thread 0 writes out[n], one past an n-float buffer.
__global__ void write_one_past(float* out, int n) {
  if (threadIdx.x == 0) out[n] = 1.0f;
}

// Thread 0 writes one float past `floats` floats of dynamic shared memory.
__global__ void write_past_dynamic_shared(int floats) {
  PIGMENT_EXTERN_SHARED(float, s);
  if (threadIdx.x == 0) s[floats] = 1.0f;
}

}  // namespace pigment::simt_test
