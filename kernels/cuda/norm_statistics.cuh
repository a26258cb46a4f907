#pragma once
// What instance norm and batch norm share on CUDA: per-group statistics and gradient sums, split
// over several blocks per group when groups are few and large, and combined in a fixed order so
// that results are deterministic; and the per-plane element-wise pass that applies them.
//
// A group is the set of values one mean and variance describe: an (n, c) plane for instance norm,
// a channel (n planes, c planes apart) for batch norm. Its `count` values lie at
// g·group_stride + walk offset(t), t < count: rows of one plane length.
#include "kernels/cuda/common.cuh"

namespace pigment::cuda {

struct GroupLayout {
  std::int64_t groups, count, group_stride;
  RowGrid walk;
};

// Groups of `rows_apart`-spaced planes, or the same layout in float4 units (plane % 4 == 0).
inline GroupLayout group_layout(std::int64_t groups, std::int64_t rows, std::int64_t plane, std::int64_t rows_apart,
                                std::int64_t group_stride, int lanes) {
  return GroupLayout{groups, rows * plane / lanes, group_stride / lanes, RowGrid{plane / lanes, rows_apart / lanes, 1}};
}

// Chunks per group: enough (group, chunk) blocks to fill the GPU, but chunks of ≥ 4096 values.
inline int group_splits(const CudaContext& ctx, std::int64_t groups, std::int64_t values_per_group) {
  const std::int64_t target = static_cast<std::int64_t>(ctx.sm_count()) * 8;
  if (groups >= target) return 1;
  std::int64_t s = ceil_div(target, groups);
  const std::int64_t by_size = values_per_group / 4096;
  if (s > by_size) s = by_size;
  if (s > 1024) s = 1024;
  return static_cast<int>(s < 1 ? 1 : s);
}

// Threads for a block that covers `units` items once: a multiple of 32 between 32 and 256.
inline int threads_for(std::int64_t units) {
  const std::int64_t t = (units + 31) / 32 * 32;
  return static_cast<int>(t < 32 ? 32 : (t > kThreads ? kThreads : t));
}

// Block (g, chunk): the chunk's mean and M2 = Σ (x − mean)², each a block sum in float; the
// second pass re-reads the chunk (from L2) so that M2 has no cancellation.
template <class V>
__global__ void chunk_moments_kernel(GroupLayout l, const V* x, int splits, float* chunk_mean, float* chunk_m2) {
  __shared__ float scratch[32];
  const std::int64_t g = blockIdx.x;
  const Range r = split_range(l.count, splits, blockIdx.y);
  const V* base = x + g * l.group_stride;
  float sum = 0.0f;
  walk_rows(r.begin + threadIdx.x, r.end, blockDim.x, l.walk, [&](std::int64_t off) { sum += lane_sum(base[off]); });
  sum = block_sum(sum, scratch);
  const std::int64_t values = (r.end - r.begin) * kLanes<V>;
  const float mean = values > 0 ? static_cast<float>(static_cast<double>(sum) / static_cast<double>(values)) : 0.0f;
  float m2 = 0.0f;
  walk_rows(r.begin + threadIdx.x, r.end, blockDim.x, l.walk, [&](std::int64_t off) {
    for_lanes(base[off], [&](float v) {
      const float d = v - mean;
      m2 += d * d;
    });
  });
  m2 = block_sum(m2, scratch);
  if (threadIdx.x == 0) {
    chunk_mean[g * splits + blockIdx.y] = mean;
    chunk_m2[g * splits + blockIdx.y] = m2;
  }
}

// The mean and M2 of group g from its chunks', combined in chunk order in double with Chan,
// Golub & LeVeque's update: n = n_a + n_b, δ = mean_b − mean_a,
//   mean = mean_a + δ·n_b/n,  M2 = M2_a + M2_b + δ²·n_a·n_b/n.
__device__ inline void combine_moments(const float* chunk_mean, const float* chunk_m2, std::int64_t g, int splits,
                                       std::int64_t count, int lanes, double& mean, double& m2) {
  double n_a = 0.0, mean_a = 0.0, m2_a = 0.0;
  for (int s = 0; s < splits; ++s) {
    const Range r = split_range(count, splits, s);
    const double n_b = static_cast<double>((r.end - r.begin) * lanes);
    if (n_b == 0.0) continue;
    const double mean_b = chunk_mean[g * splits + s], m2_b = chunk_m2[g * splits + s];
    const double n = n_a + n_b, delta = mean_b - mean_a;
    mean_a += delta * n_b / n;
    m2_a += m2_b + delta * delta * n_a * n_b / n;
    n_a = n;
  }
  mean = mean_a;
  m2 = m2_a;
}

// The gradient that reaches a norm's output z = γ_ch·x̂ + β_ch through an activation fused after
// it: dz = dy·act'(z), act'(z) = z > 0 ? 1 : slope. slope 1 (no activation: batch norm, a plain
// instance norm) passes dy through.
struct ActivationGrad {
  const float* gamma = nullptr;
  const float* beta = nullptr;
  std::int64_t channels = 1;  // group g's channel is g % channels
  float slope = 1.0f;
  __device__ float operator()(std::int64_t group, float dy, float xhat) const {
    if (slope == 1.0f) return dy;
    const std::int64_t ch = group % channels;
    const float z = xhat * (gamma ? gamma[ch] : 1.0f) + (beta ? beta[ch] : 0.0f);
    return z > 0.0f ? dy : dy * slope;
  }
};

// Block (g, chunk): Σ dz and Σ dz·x̂ over the chunk, x̂ = (x − mean_g)·rstd_g, dz = act(g, dy, x̂).
template <class V>
__global__ void chunk_grad_sums_kernel(GroupLayout l, const V* dy, const V* x, const float* mean, const float* rstd,
                                       int splits, float* chunk_dy, float* chunk_dy_xhat, ActivationGrad act) {
  __shared__ float scratch[32];
  const std::int64_t g = blockIdx.x;
  const Range r = split_range(l.count, splits, blockIdx.y);
  const V* g_base = dy + g * l.group_stride;
  const V* x_base = x + g * l.group_stride;
  const float mu = mean[g], rs = rstd[g];
  float s = 0.0f, sx = 0.0f;
  walk_rows(r.begin + threadIdx.x, r.end, blockDim.x, l.walk, [&](std::int64_t off) {
    for_lanes(g_base[off], x_base[off], [&](float gv, float xv) {
      const float xhat = (xv - mu) * rs;
      const float dz = act(g, gv, xhat);
      s += dz;
      sx += dz * xhat;
    });
  });
  s = block_sum(s, scratch);
  sx = block_sum(sx, scratch);
  if (threadIdx.x == 0) {
    chunk_dy[g * splits + blockIdx.y] = s;
    chunk_dy_xhat[g * splits + blockIdx.y] = sx;
  }
}

// The gradient sums of each group: its chunks' sums added in chunk order (in double).
struct SumChunks {
  const float* chunk_dy;
  const float* chunk_dy_xhat;
  int splits;
  float* sum_dy;
  float* sum_dy_xhat;
  __device__ void operator()(std::int64_t g) const {
    double s = 0.0, sx = 0.0;
    for (int k = 0; k < splits; ++k) {
      s += chunk_dy[g * splits + k];
      sx += chunk_dy_xhat[g * splits + k];
    }
    sum_dy[g] = static_cast<float>(s);
    sum_dy_xhat[g] = static_cast<float>(sx);
  }
};

// Launches the chunk kernels for a layout: grid (groups, splits), one thread per unit of a chunk
// up to 256.
inline dim3 chunk_grid(const GroupLayout& l, int splits) {
  return dim3(static_cast<unsigned>(l.groups), static_cast<unsigned>(splits));
}
inline dim3 chunk_block(const GroupLayout& l, int splits) { return dim3(threads_for(ceil_div(l.count, splits))); }

// op.template apply<V>(p, u) for unit u (global, in units of V) of every plane p of a
// [planes, plane] tensor: grid (units of a plane, planes), both grid-strided (planes beyond 65535),
// so the plane index needs no division.
template <class V, class Op> __global__ void per_plane_kernel(std::int64_t planes, std::int64_t units, Op op) {
  for (std::int64_t p = blockIdx.y; p < planes; p += gridDim.y)
    for (std::int64_t u = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; u < units;
         u += static_cast<std::int64_t>(gridDim.x) * blockDim.x)
      op.template apply<V>(p, p * units + u);
}

// The same over a flat grid, for planes too small to fill a block (1×1, 2×2 maps): p = u / units.
template <class Op> __global__ void small_planes_kernel(std::int64_t planes, std::int64_t units, Op op) {
  PIGMENT_GRID_STRIDE_LOOP(u, planes * units) op.template apply<float>(u / units, u);
}

template <class Op>
void for_each_plane(CudaContext& ctx, const char* name, std::int64_t planes, std::int64_t plane, bool quads, Op op) {
  if (planes == 0 || plane == 0) return;
  if (plane < 64)
    return launch(ctx, name, grid_for(ctx, planes * plane), kThreads, 0, small_planes_kernel<Op>, planes, plane, op);
  const std::int64_t units = quads ? plane / 4 : plane;
  const int threads = threads_for(units);
  const std::int64_t blocks_x = ceil_div(units, threads);
  const dim3 grid(static_cast<unsigned>(blocks_x < 65535 ? blocks_x : 65535),
                  static_cast<unsigned>(planes < 65535 ? planes : 65535));
  if (quads)
    launch(ctx, name, grid, threads, 0, per_plane_kernel<float4, Op>, planes, units, op);
  else
    launch(ctx, name, grid, threads, 0, per_plane_kernel<float, Op>, planes, units, op);
}

}  // namespace pigment::cuda
