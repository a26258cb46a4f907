// The colour memory's kernels on CUDA (contracts and CPU reference in kernels/raw/memory.h):
//   cosine_topk:    key norms (a thread per slot); every (query, slot) score, a warp per dot
//                   product (launch_rows); then per query one block picks the k best in k rounds
//                   of a block arg-max (score, then the lower index), each taking the chosen score
//                   out — the CPU's order exactly.
//   triplet_pairs, gather_rows: a thread per query, per element.
//   memory_update:  one block, the batch's samples in order (the CPU reference's sequence): the
//                   new key's norm is a block sum, the oldest slot a block arg-max of
//                   age + noise (an empty slot as +∞, a slot rewritten in this update as −∞).
#include "kernels/cuda/common.cuh"
#include "kernels/raw/memory.h"

namespace pigment::cuda {

namespace {

struct RowNorm {
  std::int64_t D;
  const float* rows;
  float* norm;
  __device__ void operator()(std::int64_t j) const {
    float s = 0.0f;
    for (std::int64_t d = 0; d < D; ++d) s += rows[j * D + d] * rows[j * D + d];
    norm[j] = sqrtf(s);
  }
};

// scores[b, j] for pair row = b·M + j: the cosine, or −∞ for an empty slot.
__global__ void cosine_scores_kernel(std::int64_t pairs, std::int64_t D, std::int64_t M, const float* q,
                                     const float* keys, const float* key_norm, const float* q_norm, const float* ages,
                                     float* scores) {
  __shared__ float scratch[32];
  for (std::int64_t row = static_cast<std::int64_t>(blockIdx.x) * blockDim.y + threadIdx.y; row < pairs;
       row += static_cast<std::int64_t>(gridDim.x) * blockDim.y) {
    const std::int64_t b = row / M, j = row - b * M;
    float dot = 0.0f;
    for (std::int64_t d = threadIdx.x; d < D; d += blockDim.x) dot += q[b * D + d] * keys[j * D + d];
    dot = row_sum(dot, scratch);
    if (threadIdx.x == 0) scores[row] = ages[j] < 0.0f ? -INFINITY : dot / fmaxf(q_norm[b] * key_norm[j], 1e-12f);
  }
}

// Block b: the k best of scores[b, ·] in order; each round removes the chosen entry.
__global__ void topk_rounds_kernel(std::int64_t M, int k, float* scores, float* out_scores, float* out_indices) {
  __shared__ float scratch_v[32];
  __shared__ int scratch_i[32];
  float* row = scores + static_cast<std::int64_t>(blockIdx.x) * M;
  for (int r = 0; r < k; ++r) {
    float best = -INFINITY;
    int at = 0x7fffffff;
    for (std::int64_t j = threadIdx.x; j < M; j += blockDim.x) keep_better(best, at, row[j], static_cast<int>(j));
    block_argmax(best, at, scratch_v, scratch_i);
    if (threadIdx.x == 0) {
      const bool found = best > -INFINITY;
      out_scores[blockIdx.x * k + r] = best;
      out_indices[blockIdx.x * k + r] = found ? static_cast<float>(at) : -1.0f;
      if (found) row[at] = -INFINITY;
    }
    __syncthreads();  // the removal is seen by the next round
  }
}

struct TripletPairs {
  int k;
  const float* indices;
  const float* distance;
  float threshold;
  float* pos;
  float* neg;
  float* valid;
  __device__ void operator()(std::int64_t b) const {
    float p = -1.0f, n = -1.0f;
    for (int j = 0; j < k; ++j) {
      const float index = indices[b * k + j];
      if (index < 0.0f) break;
      const bool near = distance[b * k + j] < threshold;
      if (near && p < 0.0f) p = index;
      if (!near && n < 0.0f) n = index;
    }
    pos[b] = p;
    neg[b] = n;
    valid[b] = p >= 0.0f && n >= 0.0f ? 1.0f : 0.0f;
  }
};

struct GatherRows {
  std::int64_t cols;
  const float* src;
  const float* index;
  float* dst;
  __device__ void operator()(std::int64_t i) const {
    const std::int64_t r = i / cols, c = i - r * cols;
    const auto j = static_cast<std::int64_t>(index[r]);
    dst[i] = j >= 0 ? src[j * cols + c] : 0.0f;
  }
};

__global__ void memory_update_kernel(std::int64_t M, std::int64_t D, std::int64_t V, std::int64_t B, float* keys,
                                     float* values, float* ages, float* sources, const float* q, const float* v,
                                     const float* source, const float* merge, AgeNoise noise, float* rewritten) {
  __shared__ float scratch_v[32];
  __shared__ int scratch_i[32];
  for (std::int64_t j = threadIdx.x; j < M; j += blockDim.x) {
    if (ages[j] >= 0.0f) ages[j] += 1.0f;
    rewritten[j] = 0.0f;
  }
  __syncthreads();
  for (std::int64_t b = 0; b < B; ++b) {
    const auto n1 = static_cast<std::int64_t>(merge[b]);
    if (n1 >= 0 && rewritten[n1] == 0.0f) {
      float s = 0.0f;
      for (std::int64_t d = threadIdx.x; d < D; d += blockDim.x) {
        const float u = keys[n1 * D + d] + q[b * D + d];
        s += u * u;
      }
      const float inv = 1.0f / fmaxf(sqrtf(block_sum(s, scratch_v)), 1e-12f);
      for (std::int64_t d = threadIdx.x; d < D; d += blockDim.x) keys[n1 * D + d] = (keys[n1 * D + d] + q[b * D + d]) * inv;
      if (threadIdx.x == 0) ages[n1] = 0.0f;
      __syncthreads();
      continue;
    }
    float best = -INFINITY;
    int at = 0x7fffffff;
    for (std::int64_t j = threadIdx.x; j < M; j += blockDim.x) {
      const float a = rewritten[j] != 0.0f ? -INFINITY : ages[j] < 0.0f ? INFINITY : ages[j] + age_noise(noise, M, b, j);
      keep_better(best, at, a, static_cast<int>(j));
    }
    block_argmax(best, at, scratch_v, scratch_i);
    if (best > -INFINITY) {
      const std::int64_t o = at;
      for (std::int64_t d = threadIdx.x; d < D; d += blockDim.x) keys[o * D + d] = q[b * D + d];
      for (std::int64_t c = threadIdx.x; c < V; c += blockDim.x) values[o * V + c] = v[b * V + c];
      if (threadIdx.x == 0) {
        ages[o] = 0.0f;
        sources[o] = source[b];
        rewritten[o] = 1.0f;
      }
    }
    __syncthreads();
  }
}
}  // namespace

void cosine_topk(CudaContext& ctx, std::int64_t B, std::int64_t M, std::int64_t D, int k, const float* q,
                 const float* keys, const float* ages, float* scores, float* indices) {
  if (B == 0 || k == 0) return;
  DeviceBuffer norms(ctx, static_cast<std::size_t>(M + B)), all(ctx, static_cast<std::size_t>(B * (M > 0 ? M : 1)));
  for_each(ctx, "cosine_topk", M, RowNorm{D, keys, norms.get()});
  for_each(ctx, "cosine_topk", B, RowNorm{D, q, norms.get() + M});
  launch_rows(ctx, "cosine_topk", B * M, D, cosine_scores_kernel, M, q, keys, norms.get(), norms.get() + M, ages,
              all.get());
  launch(ctx, "cosine_topk", static_cast<unsigned>(B), kThreads, 0, topk_rounds_kernel, M, k, all.get(), scores,
         indices);
}

void triplet_pairs(CudaContext& ctx, std::int64_t B, int k, const float* indices, const float* distance,
                   float threshold, float* pos, float* neg, float* valid) {
  for_each(ctx, "triplet_pairs", B, TripletPairs{k, indices, distance, threshold, pos, neg, valid});
}

void gather_rows(CudaContext& ctx, std::int64_t rows, std::int64_t cols, const float* src, const float* index,
                 float* dst) {
  for_each(ctx, "gather_rows", rows * cols, GatherRows{cols, src, index, dst});
}

void memory_update(CudaContext& ctx, std::int64_t M, std::int64_t D, std::int64_t V, std::int64_t B, float* keys,
                   float* values, float* ages, float* sources, const float* q, const float* v, const float* source,
                   const float* merge, AgeNoise noise) {
  if (M == 0) return;
  DeviceBuffer rewritten(ctx, static_cast<std::size_t>(M));
  launch(ctx, "memory_update", 1, kThreads, 0, memory_update_kernel, M, D, V, B, keys, values, ages, sources, q, v,
         source, merge, noise, rewritten.get());
}

}  // namespace pigment::cuda
