#pragma once
// What every CUDA kernel file shares beside the launch (engine/cuda/launch.cuh): element-wise
// maps, warp and block reductions, strided walks. Reductions combine values in a fixed order for a
// fixed launch shape, so every result is deterministic run to run.
#include <cstddef>
#include <cstdint>

#include "engine/cuda/cuda_context.h"
#include "engine/cuda/launch.cuh"
#include "kernels/cuda/device_buffer.cuh"

namespace pigment::cuda {

// Runs f(i) for i in [0, n) over the whole GPU.
template <class F> __global__ void for_each_kernel(std::int64_t n, F f) {
  PIGMENT_GRID_STRIDE_LOOP(i, n) f(i);
}
template <class F> void for_each(CudaContext& ctx, const char* name, std::int64_t n, F f) {
  if (n > 0) launch(ctx, name, grid_for(ctx, n), kThreads, 0, for_each_kernel<F>, n, f);
}

__device__ __forceinline__ float warp_sum(float v) {
#pragma unroll
  for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_xor_sync(0xffffffffu, v, offset);
  return v;
}

__device__ __forceinline__ float warp_max(float v) {
#pragma unroll
  for (int offset = 16; offset > 0; offset >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, offset));
  return v;
}

// The sum of v over the block (blockDim.x a multiple of 32, at most 1024), returned to every
// thread. `scratch` holds 32 floats of shared memory; the call synchronises the block.
__device__ __forceinline__ float block_sum(float v, float* scratch) {
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
  v = warp_sum(v);
  __syncthreads();  // scratch may still be read by a previous call
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  v = lane < warps ? scratch[lane] : 0.0f;
  return warp_sum(v);
}

__device__ __forceinline__ float block_max(float v, float* scratch) {
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
  v = warp_max(v);
  __syncthreads();
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  v = lane < warps ? scratch[lane] : -INFINITY;
  return warp_max(v);
}

// ---- Arg-max over a block --------------------------------------------------------------------

// The better of two (value, index) candidates: the larger value, then the lower index.
__device__ __forceinline__ void keep_better(float& v, int& i, float ov, int oi) {
  if (ov > v || (ov == v && oi < i)) {
    v = ov;
    i = oi;
  }
}

// The block's best (value, index), returned to every thread: a deterministic arg-max (every
// thread's candidate compared in a fixed tree). scratch holds 32 floats and 32 ints of shared
// memory; blockDim.x is a multiple of 32. Synchronises the block.
__device__ __forceinline__ void block_argmax(float& v, int& i, float* scratch_v, int* scratch_i) {
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
#pragma unroll
  for (int offset = 16; offset > 0; offset >>= 1)
    keep_better(v, i, __shfl_xor_sync(0xffffffffu, v, offset), __shfl_xor_sync(0xffffffffu, i, offset));
  __syncthreads();  // the scratch may still be read by a previous call
  if (lane == 0) {
    scratch_v[warp] = v;
    scratch_i[warp] = i;
  }
  __syncthreads();
  v = lane < warps ? scratch_v[lane] : -INFINITY;
  i = lane < warps ? scratch_i[lane] : 0x7fffffff;
#pragma unroll
  for (int offset = 16; offset > 0; offset >>= 1)
    keep_better(v, i, __shfl_xor_sync(0xffffffffu, v, offset), __shfl_xor_sync(0xffffffffu, i, offset));
}

// ---- Rows: a warp per row, or a block per long row ----------------------------------------------

// Kernels over the rows of a [rows, cols] array take their row as
//   for (row = blockIdx.x·blockDim.y + threadIdx.y; row < rows; row += gridDim.x·blockDim.y)
// and walk its columns from threadIdx.x by blockDim.x, reducing with row_sum / row_max: a warp per
// row (blockDim (32, 8), 8 rows per block) when a row has at most kWarpRowLimit values, a 256-thread
// block per row otherwise (launch_rows chooses). Rows beyond the grid are taken in the loop.
inline constexpr std::int64_t kWarpRowLimit = 1024;

// The sum (max) over the threads that share a row, returned to each; blockDim.x says which: a warp,
// or the whole block (then `scratch`, 32 floats of shared memory, and a block synchronisation).
__device__ __forceinline__ float row_sum(float v, float* scratch) {
  return blockDim.x == 32 ? warp_sum(v) : block_sum(v, scratch);
}
__device__ __forceinline__ float row_max(float v, float* scratch) {
  return blockDim.x == 32 ? warp_max(v) : block_max(v, scratch);
}

template <class Kernel, class... Args>
void launch_rows(CudaContext& ctx, const char* name, std::int64_t rows, std::int64_t cols, Kernel kernel,
                 Args... args) {
  if (rows == 0 || cols == 0) return;
  if (cols <= kWarpRowLimit)
    launch(ctx, name, grid_for(ctx, rows, 8), dim3(32, 8), 0, kernel, rows, cols, args...);
  else
    launch(ctx, name, grid_for(ctx, rows, 1), dim3(kThreads), 0, kernel, rows, cols, args...);
}

// ---- Element-wise maps with 128-bit accesses ------------------------------------------------------

inline bool is_aligned16(const void* p) { return reinterpret_cast<std::uintptr_t>(p) % 16 == 0; }

// y[i] = f(x[i]) (unary) or f(a[i], b[i]) (binary), F a functor with a __device__ operator().
// When every pointer is 16-byte aligned the body moves float4s (a quarter of the memory
// instructions) and the n mod 4 tail is done by the first threads of the grid; otherwise one float
// per thread-iteration.
template <class F> __global__ void map_unary_kernel(std::int64_t n, const float* x, float* y, F f) {
  PIGMENT_GRID_STRIDE_LOOP(i, n) y[i] = f(x[i]);
}
template <class F> __global__ void map_unary_vec4_kernel(std::int64_t n, const float* x, float* y, F f) {
  const std::int64_t quads = n / 4;
  PIGMENT_GRID_STRIDE_LOOP(q, quads) {
    const float4 v = reinterpret_cast<const float4*>(x)[q];
    reinterpret_cast<float4*>(y)[q] = make_float4(f(v.x), f(v.y), f(v.z), f(v.w));
  }
  const std::int64_t tail = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (tail < n - 4 * quads) y[4 * quads + tail] = f(x[4 * quads + tail]);
}
template <class F> void map_unary(CudaContext& ctx, const char* name, std::int64_t n, const float* x, float* y, F f) {
  if (n <= 0) return;
  if (is_aligned16(x) && is_aligned16(y))
    launch(ctx, name, grid_for(ctx, n / 4 > 0 ? n / 4 : 1), kThreads, 0, map_unary_vec4_kernel<F>, n, x, y, f);
  else
    launch(ctx, name, grid_for(ctx, n), kThreads, 0, map_unary_kernel<F>, n, x, y, f);
}

template <class F> __global__ void map_binary_kernel(std::int64_t n, const float* a, const float* b, float* y, F f) {
  PIGMENT_GRID_STRIDE_LOOP(i, n) y[i] = f(a[i], b[i]);
}
template <class F>
__global__ void map_binary_vec4_kernel(std::int64_t n, const float* a, const float* b, float* y, F f) {
  const std::int64_t quads = n / 4;
  PIGMENT_GRID_STRIDE_LOOP(q, quads) {
    const float4 u = reinterpret_cast<const float4*>(a)[q];
    const float4 v = reinterpret_cast<const float4*>(b)[q];
    reinterpret_cast<float4*>(y)[q] = make_float4(f(u.x, v.x), f(u.y, v.y), f(u.z, v.z), f(u.w, v.w));
  }
  const std::int64_t tail = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (tail < n - 4 * quads) y[4 * quads + tail] = f(a[4 * quads + tail], b[4 * quads + tail]);
}
template <class F>
void map_binary(CudaContext& ctx, const char* name, std::int64_t n, const float* a, const float* b, float* y, F f) {
  if (n <= 0) return;
  if (is_aligned16(a) && is_aligned16(b) && is_aligned16(y))
    launch(ctx, name, grid_for(ctx, n / 4 > 0 ? n / 4 : 1), kThreads, 0, map_binary_vec4_kernel<F>, n, a, b, y, f);
  else
    launch(ctx, name, grid_for(ctx, n), kThreads, 0, map_binary_kernel<F>, n, a, b, y, f);
}

// ---- Loads and stores of one float or four (float4), for kernels templated on the access width ----

template <class V> inline constexpr int kLanes = 1;
template <> inline constexpr int kLanes<float4> = 4;

__device__ __forceinline__ float lane_sum(float v) { return v; }
__device__ __forceinline__ float lane_sum(float4 v) { return (v.x + v.y) + (v.z + v.w); }
// f applied to each lane, in lane order.
template <class F> __device__ __forceinline__ void for_lanes(float v, F f) { f(v); }
template <class F> __device__ __forceinline__ void for_lanes(float4 v, F f) {
  f(v.x);
  f(v.y);
  f(v.z);
  f(v.w);
}
// f applied to each pair of lanes, in lane order.
template <class F> __device__ __forceinline__ void for_lanes(float a, float b, F f) { f(a, b); }
template <class F> __device__ __forceinline__ void for_lanes(float4 a, float4 b, F f) {
  f(a.x, b.x);
  f(a.y, b.y);
  f(a.z, b.z);
  f(a.w, b.w);
}
// The value of f for each lane (or pair of lanes).
template <class F> __device__ __forceinline__ float map_lanes(float v, F f) { return f(v); }
template <class F> __device__ __forceinline__ float4 map_lanes(float4 v, F f) {
  return make_float4(f(v.x), f(v.y), f(v.z), f(v.w));
}
template <class F> __device__ __forceinline__ float map_lanes(float a, float b, F f) { return f(a, b); }
template <class F> __device__ __forceinline__ float4 map_lanes(float4 a, float4 b, F f) {
  return make_float4(f(a.x, b.x), f(a.y, b.y), f(a.z, b.z), f(a.w, b.w));
}

// Unit u of a float array read or written as V (u counts V's, so float4 needs 16-byte alignment).
template <class V> __device__ __forceinline__ V load(const float* p, std::int64_t u) {
  return reinterpret_cast<const V*>(p)[u];
}
template <class V> __device__ __forceinline__ void store(float* p, std::int64_t u, V v) {
  reinterpret_cast<V*>(p)[u] = v;
}

// ---- Walking a strided set of elements without a division per element -------------------------------

// Element t (0 ≤ t < rows·row_length) of a grid of rows lies at
//   offset(t) = ⌊t / row_length⌋·row_stride + (t mod row_length)·col_stride.
struct RowGrid {
  std::int64_t row_length, row_stride, col_stride;
};

// The offsets of t = first, first + step, first + 2·step, … : one division when made, then each
// advance is two additions and a compare (step mod row_length < row_length, so one carry at most).
struct RowCursor {
  std::int64_t row, col, step_rows, step_cols;
  RowGrid grid;
  __device__ RowCursor(std::int64_t first, std::int64_t step, RowGrid g) : grid(g) {
    row = first / g.row_length;
    col = first - row * g.row_length;
    step_rows = step / g.row_length;
    step_cols = step - step_rows * g.row_length;
  }
  __device__ std::int64_t offset() const { return row * grid.row_stride + col * grid.col_stride; }
  __device__ void advance() {
    row += step_rows;
    col += step_cols;
    if (col >= grid.row_length) {
      col -= grid.row_length;
      ++row;
    }
  }
};

// Calls visit(offset(t)) for t = first, first + step, … < end, in that order. Offsets are made four
// ahead so that four independent loads are in flight per thread (memory-level parallelism that a
// loop with one load feeding one add would not have).
template <class Visit>
__device__ __forceinline__ void walk_rows(std::int64_t first, std::int64_t end, std::int64_t step, RowGrid g,
                                          Visit visit) {
  if (first >= end) return;
  RowCursor cursor(first, step, g);
  std::int64_t t = first;
  for (; t + 3 * step < end; t += 4 * step) {
    std::int64_t offsets[4];
#pragma unroll
    for (int k = 0; k < 4; ++k) {
      offsets[k] = cursor.offset();
      cursor.advance();
    }
#pragma unroll
    for (int k = 0; k < 4; ++k) visit(offsets[k]);
  }
  for (; t < end; t += step) {
    visit(cursor.offset());
    cursor.advance();
  }
}

// [begin, end) of part `part` when `total` items are cut into `parts` consecutive chunks of
// ⌈total/parts⌉ (the last ones may be short or empty). Host and device agree on it.
struct Range {
  std::int64_t begin, end;
};
__host__ __device__ inline Range split_range(std::int64_t total, std::int64_t parts, std::int64_t part) {
  const std::int64_t chunk = (total + parts - 1) / parts;
  const std::int64_t begin = part * chunk < total ? part * chunk : total;
  return Range{begin, begin + chunk < total ? begin + chunk : total};
}

inline std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

// ---- Deterministic sum of f(i) over [0, n) to one scalar ----------------------------------------------

// Stage 1: each block sums f over its grid-stride share (four independent terms per thread in
// flight) and writes one partial. Stage 2: one block sums the partials. The grid depends only on n
// and the GPU, so the order of additions — and the result — is the same on every run.
template <class F> __global__ void scalar_sum_partials_kernel(std::int64_t n, F f, float* partials) {
  __shared__ float scratch[32];
  const std::int64_t stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  float acc = 0.0f;
  for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += 4 * stride) {
    float terms[4];
#pragma unroll
    for (int k = 0; k < 4; ++k) terms[k] = i + k * stride < n ? f(i + k * stride) : 0.0f;
#pragma unroll
    for (int k = 0; k < 4; ++k) acc += terms[k];
  }
  acc = block_sum(acc, scratch);
  if (threadIdx.x == 0) partials[blockIdx.x] = acc;
}

// *out = scale · Σ partials[0, count), summed by one block (T = float; a template so that every file
// including this header shares one kernel).
template <class T> __global__ void scalar_sum_final_kernel(const T* partials, int count, double scale, T* out) {
  __shared__ float scratch[32];
  T acc = 0;
  for (int i = threadIdx.x; i < count; i += blockDim.x) acc += partials[i];
  acc = block_sum(acc, scratch);
  if (threadIdx.x == 0) *out = static_cast<T>(static_cast<double>(acc) * scale);
}

// *out = scale · Σ_{i<n} f(i), F a functor with `__device__ float operator()(std::int64_t) const`.
template <class F>
void sum_to_scalar(CudaContext& ctx, const char* name, std::int64_t n, F f, double scale, float* out) {
  const unsigned blocks = grid_for(ctx, ceil_div(n > 0 ? n : 1, 4), kThreads);
  DeviceBuffer partials(ctx, blocks);
  launch(ctx, name, blocks, kThreads, 0, scalar_sum_partials_kernel<F>, n, f, partials.get());
  launch(ctx, name, 1, 1024, 0, scalar_sum_final_kernel<float>, partials.get(), static_cast<int>(blocks), scale, out);
}

}  // namespace pigment::cuda
