// sum and mean (reduce_sum) and expand (broadcast) on CUDA, for any subset of up to 4 dimensions.
//
// The shapes are simplified first: dimensions of size 1 are dropped and neighbours of the same
// kind (summed / kept) are merged, which leaves at most four alternating groups. They fill one of
// two layouts, listed outer → inner, with absent groups of size 1:
//   innermost group summed: [K1, R1, K2, R2]  each output sums R1 rows of R2 contiguous values;
//   innermost group kept:   [R1, K1, R2, K2]  consecutive outputs are consecutive in memory and
//                                              each sums a strided column.
// Output o = k1·K2 + k2 in both (the kept shape in row-major order).
//
// Sums are deterministic: every output is a fixed tree of float additions for a given shape and
// GPU (no atomics). When there are few outputs and many terms each (a bias gradient: C outputs
// over N·H·W; a full sum), the terms of each output are cut into `splits` chunks summed by
// separate blocks, and a second kernel adds the chunk sums in chunk order.
#include "kernels/cuda/common.cuh"
#include "kernels/raw/reduce.h"

namespace pigment::cuda {

namespace {

// ---- Shape simplification ---------------------------------------------------------------------

struct Layout {
  std::int64_t k1 = 1, r1 = 1, k2 = 1, r2 = 1;
  bool inner_summed = false;  // [K1, R1, K2, R2] when true, [R1, K1, R2, K2] otherwise
};

// `reduced` has full's rank with 1 in each summed (or broadcast) dimension; rank 0 means all 1
// (the CPU reference's convention).
Layout simplify(const Shape& full, const Shape& reduced) {
  int groups = 0;
  std::int64_t size[4] = {1, 1, 1, 1};
  bool summed[4] = {false, false, false, false};
  for (int i = 0; i < full.rank(); ++i) {
    if (full[i] == 1) continue;
    const bool is_summed = (reduced.rank() ? reduced[i] : 1) == 1;
    if (groups > 0 && summed[groups - 1] == is_summed) {
      size[groups - 1] *= full[i];
    } else {
      size[groups] = full[i];
      summed[groups] = is_summed;
      ++groups;
    }
  }
  Layout l;
  l.inner_summed = groups > 0 && summed[groups - 1];
  // Groups alternate in kind, so filling the slots from the innermost keeps every kind in place.
  std::int64_t* slots[4] = {&l.k2, &l.r2, &l.k1, &l.r1};
  if (l.inner_summed) {
    slots[0] = &l.r2;
    slots[1] = &l.k2;
    slots[2] = &l.r1;
    slots[3] = &l.k1;
  }
  for (int j = 0; j < groups; ++j) *slots[j] = size[groups - 1 - j];
  return l;
}

// ---- Reduction ---------------------------------------------------------------------------------

// Output o sums the `count` values at base(o) + walk offset(t), t < count.
struct ReducePlan {
  std::int64_t outputs, count;
  std::int64_t out_inner, out_outer_stride, out_inner_stride;
  RowGrid walk;
  __device__ std::int64_t base(std::int64_t o) const {
    const std::int64_t outer = o / out_inner;
    return outer * out_outer_stride + (o - outer * out_inner) * out_inner_stride;
  }
};

ReducePlan plan_of(const Layout& l) {
  if (l.inner_summed)  // [K1, R1, K2, R2]: rows of R2 contiguous values, K2·R2 apart
    return ReducePlan{l.k1 * l.k2, l.r1 * l.r2, l.k2, l.r1 * l.k2 * l.r2, l.r2, RowGrid{l.r2, l.k2 * l.r2, 1}};
  // [R1, K1, R2, K2]: R2 values K2 apart, rows of them K1·R2·K2 apart
  return ReducePlan{l.k1 * l.k2, l.r1 * l.r2, l.k2, l.r2 * l.k2, 1, RowGrid{l.r2, l.k1 * l.r2 * l.k2, l.k2}};
}

// out[o] (or out[o·splits + chunk] when split) = the sum over this block's chunk of output o's
// terms. A warp per output (blockDim (32, 8): 8 outputs per block) or a whole block per output
// (blockDim (256, 1)); V = float4 reads 4 contiguous terms at once (plan in units of 4 floats).
template <class V> __global__ void sum_rows_kernel(ReducePlan plan, const V* x, int splits, double scale, float* out) {
  __shared__ float scratch[32];
  const std::int64_t o = static_cast<std::int64_t>(blockIdx.x) * blockDim.y + threadIdx.y;
  const Range chunk = split_range(plan.count, splits, blockIdx.y);
  float acc = 0.0f;
  if (o < plan.outputs) {
    const V* base = x + plan.base(o);
    walk_rows(chunk.begin + threadIdx.x, chunk.end, blockDim.x, plan.walk,
              [&](std::int64_t offset) { acc += lane_sum(base[offset]); });
  }
  acc = blockDim.x == 32 ? warp_sum(acc) : block_sum(acc, scratch);  // uniform over the block
  if (threadIdx.x == 0 && o < plan.outputs) {
    if (splits == 1)
      out[o] = static_cast<float>(static_cast<double>(acc) * scale);
    else
      out[o * splits + blockIdx.y] = acc;
  }
}

// 32 consecutive outputs per block (coalesced along the kept inner group); the 8 rows of threads
// take every 8th term of the chunk and are added in row order through shared memory.
constexpr int kColumnOutputs = 32, kColumnSlices = 8;
__global__ void sum_columns_kernel(ReducePlan plan, const float* x, int splits, double scale, float* out) {
  __shared__ float partial[kColumnSlices][kColumnOutputs + 1];
  const std::int64_t o = static_cast<std::int64_t>(blockIdx.x) * kColumnOutputs + threadIdx.x;
  const Range chunk = split_range(plan.count, splits, blockIdx.y);
  float acc = 0.0f;
  if (o < plan.outputs) {
    const float* base = x + plan.base(o);
    walk_rows(chunk.begin + threadIdx.y, chunk.end, kColumnSlices, plan.walk,
              [&](std::int64_t offset) { acc += base[offset]; });
  }
  partial[threadIdx.y][threadIdx.x] = acc;
  __syncthreads();
  if (threadIdx.y != 0 || o >= plan.outputs) return;
  float total = 0.0f;
  for (int s = 0; s < kColumnSlices; ++s) total += partial[s][threadIdx.x];
  if (splits == 1)
    out[o] = static_cast<float>(static_cast<double>(total) * scale);
  else
    out[o * splits + blockIdx.y] = total;
}

// y[o] = scale · Σ_s partials[o·splits + s], in chunk order.
struct FinishSplits {
  const float* partials;
  int splits;
  double scale;
  float* y;
  __device__ void operator()(std::int64_t o) const {
    float total = 0.0f;
    for (int s = 0; s < splits; ++s) total += partials[o * splits + s];
    y[o] = static_cast<float>(static_cast<double>(total) * scale);
  }
};

struct FillZero {
  float* y;
  __device__ void operator()(std::int64_t i) const { y[i] = 0.0f; }
};

// Blocks wanted in flight to cover the GPU; splits stop when chunks would get small.
std::int64_t target_blocks(const CudaContext& ctx) { return static_cast<std::int64_t>(ctx.sm_count()) * 8; }
constexpr std::int64_t kMaxSplits = 1024;

int choose_splits(std::int64_t blocks, std::int64_t target, std::int64_t max_by_size) {
  if (blocks >= target) return 1;
  std::int64_t s = ceil_div(target, blocks);
  if (s > max_by_size) s = max_by_size;
  if (s > kMaxSplits) s = kMaxSplits;
  return static_cast<int>(s < 1 ? 1 : s);
}

// ---- Broadcast ---------------------------------------------------------------------------------

// How a thread produces its unit of output: one float, or four (inner group a multiple of 4):
// the same source value four times (inner group broadcast), or four contiguous sources (kept).
enum class BroadcastAccess { scalar, replicate4, copy4 };

// Output unit u of the layout (inner group in units) reads source element k1·K2 + k2.
struct BroadcastPlan {
  std::int64_t units;
  Layout l;
  __device__ std::int64_t source(std::int64_t u) const {
    if (l.inner_summed) {  // [K1, R1, K2, R2]
      const std::int64_t q = u / l.r2;
      const std::int64_t k2 = q % l.k2;
      return q / l.k2 / l.r1 * l.k2 + k2;
    }
    const std::int64_t k2 = u % l.k2;  // [R1, K1, R2, K2]
    return u / l.k2 / l.r2 % l.k1 * l.k2 + k2;
  }
};

template <BroadcastAccess access> __global__ void broadcast_kernel(BroadcastPlan plan, const float* x, float* y) {
  PIGMENT_GRID_STRIDE_LOOP(u, plan.units) {
    const std::int64_t src = plan.source(u);
    if constexpr (access == BroadcastAccess::scalar) {
      y[u] = x[src];
    } else if constexpr (access == BroadcastAccess::replicate4) {
      const float v = x[src];
      reinterpret_cast<float4*>(y)[u] = make_float4(v, v, v, v);
    } else {
      reinterpret_cast<float4*>(y)[u] = reinterpret_cast<const float4*>(x)[src];
    }
  }
}

}  // namespace

void reduce_sum(CudaContext& ctx, const Shape& full, const Shape& reduced, const float* x, float* y, double scale) {
  const Layout l = simplify(full, reduced);
  const ReducePlan plan = plan_of(l);
  if (plan.outputs == 0) return;
  if (plan.count == 0) return for_each(ctx, "reduce_sum", plan.outputs, FillZero{y});
  const std::int64_t target = target_blocks(ctx);

  if (!l.inner_summed) {
    const std::int64_t column_blocks = ceil_div(plan.outputs, kColumnOutputs);
    const int splits = choose_splits(column_blocks, target, plan.count / 256);
    const dim3 grid(static_cast<unsigned>(column_blocks), static_cast<unsigned>(splits));
    const dim3 block(kColumnOutputs, kColumnSlices);
    if (splits == 1) return launch(ctx, "reduce_sum", grid, block, 0, sum_columns_kernel, plan, x, 1, scale, y);
    DeviceBuffer partials(ctx, static_cast<std::size_t>(plan.outputs * splits));
    launch(ctx, "reduce_sum", grid, block, 0, sum_columns_kernel, plan, x, splits, scale, partials.get());
    return for_each(ctx, "reduce_sum", plan.outputs, FinishSplits{partials.get(), splits, scale, y});
  }

  constexpr std::int64_t kWarpTerms = 4096;  // up to this many terms per output, a warp sums them
  if (plan.count <= kWarpTerms) {
    const dim3 grid(static_cast<unsigned>(ceil_div(plan.outputs, 8))), block(32, 8);
    return launch(ctx, "reduce_sum", grid, block, 0, sum_rows_kernel<float>, plan, x, 1, scale, y);
  }
  PIGMENT_CHECK(plan.outputs < (std::int64_t{1} << 31), "reduce_sum: {} outputs exceed the grid", plan.outputs);
  const int splits = choose_splits(plan.outputs, target, plan.count / kWarpTerms);
  const dim3 grid(static_cast<unsigned>(plan.outputs), static_cast<unsigned>(splits)), block(kThreads);
  auto sum_rows = [&](float* out) {
    if (l.r2 % 4 == 0 && is_aligned16(x)) {
      Layout quads = l;
      quads.r2 /= 4;
      launch(ctx, "reduce_sum", grid, block, 0, sum_rows_kernel<float4>, plan_of(quads),
             reinterpret_cast<const float4*>(x), splits, scale, out);
    } else {
      launch(ctx, "reduce_sum", grid, block, 0, sum_rows_kernel<float>, plan, x, splits, scale, out);
    }
  };
  if (splits == 1) return sum_rows(y);
  DeviceBuffer partials(ctx, static_cast<std::size_t>(plan.outputs * splits));
  sum_rows(partials.get());
  for_each(ctx, "reduce_sum", plan.outputs, FinishSplits{partials.get(), splits, scale, y});
}

void broadcast(CudaContext& ctx, const Shape& reduced, const Shape& full, const float* x, float* y) {
  const Layout l = simplify(full, reduced);
  const std::int64_t n = full.numel();
  if (n == 0) return;
  const std::int64_t inner = l.inner_summed ? l.r2 : l.k2;
  const bool quads = inner % 4 == 0 && is_aligned16(y) && (l.inner_summed || is_aligned16(x));
  if (!quads) {
    const BroadcastPlan plan{n, l};
    return launch(ctx, "broadcast", grid_for(ctx, n), kThreads, 0, broadcast_kernel<BroadcastAccess::scalar>, plan, x,
                  y);
  }
  Layout in_quads = l;
  (l.inner_summed ? in_quads.r2 : in_quads.k2) /= 4;
  const BroadcastPlan plan{n / 4, in_quads};
  if (l.inner_summed)
    launch(ctx, "broadcast", grid_for(ctx, n / 4), kThreads, 0, broadcast_kernel<BroadcastAccess::replicate4>, plan, x,
           y);
  else
    launch(ctx, "broadcast", grid_for(ctx, n / 4), kThreads, 0, broadcast_kernel<BroadcastAccess::copy4>, plan, x, y);
}

// One thread, in order: for the few scalars of a step's losses, where the launch is the cost.
// ±inf and NaN are the floats whose exponent bits are all ones (a bit test, which no fast-math
// flag can fold away).
__global__ void mark_nonfinite_kernel(std::int64_t n, const float* x, float* flag, float mark) {
  if (blockIdx.x != 0 || threadIdx.x != 0 || flag[0] != 0.0f) return;
  for (std::int64_t i = 0; i < n; ++i)
    if ((__float_as_uint(x[i]) & 0x7f800000u) == 0x7f800000u) {
      flag[0] = mark;
      return;
    }
}

void mark_nonfinite(CudaContext& ctx, std::int64_t n, const float* x, float* flag, float mark) {
  launch(ctx, "mark_nonfinite", 1, 1, 0, mark_nonfinite_kernel, n, x, flag, mark);
}

}  // namespace pigment::cuda
