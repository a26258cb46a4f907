#pragma once
// The kernels of the memory colorizer's colour memory (nets/memory/): M slots of a unit key
// (D values), a colour value (V values), an age and the training image it came from; queries are
// unit vectors. A slot whose age is negative is empty. Indices travel as float (exact below 2^24,
// which bounds a memory's size). Every result is deterministic: the CPU reference and the CUDA
// kernels take the same decisions in the same order. The ops are kernels/ops/memory.h; the CPU
// reference is defined at the end of this file.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <vector>

#include "engine/context.h"
#include "engine/philox.h"
#include "kernels/cpu/parallel.h"

namespace pigment {

// How the update draws its age noise: uniform in [−amplitude, amplitude] from Philox words
// offset + b·M + j (sample b, slot j) of the stream `seed`.
struct AgeNoise {
  std::uint64_t seed = 0, offset = 0;
  float amplitude = 4.0f;
};

namespace cpu {
// For each of B queries, the k occupied slots (age ≥ 0) of highest cosine similarity
// q·key / max(‖q‖·‖key‖, 1e-12), best first, ties to the lower index; when fewer than k slots are
// occupied the rest are index −1 with score −∞.
template <class T>
void cosine_topk(std::int64_t B, std::int64_t M, std::int64_t D, int k, const T* q, const T* keys, const T* ages,
                 T* scores, T* indices);
// The threshold triplet's pair for each query among its k neighbours (scores, indices as
// cosine_topk gives them; distance[b, j] of neighbour j's value to the query's own): the positive
// is the best-scored neighbour whose distance is below `threshold`, the negative the best-scored
// one at or above it. valid[b] = 1 when both exist (else 0, and pos/neg are −1).
template <class T>
void triplet_pairs(std::int64_t B, int k, const T* indices, const T* distance, T threshold, T* pos, T* neg, T* valid);
// dst[r] = src[index[r]] for rows of `cols` values (a row of zeros for index −1).
template <class T> void gather_rows(std::int64_t rows, std::int64_t cols, const T* src, const T* index, T* dst);
// The memory update after a training step, sample by sample in batch order (so samples of one
// batch never race on a slot). First every occupied slot ages by 1. Then for sample b with query
// q_b, value v_b, source s_b and merge[b] (its nearest slot when that slot's value was within the
// threshold of v_b before the update, else −1):
//   merge[b] ≥ 0 and that slot not rewritten earlier in this update: key ← normalise(key + q_b),
//   age 0;
//   otherwise: the oldest slot not yet rewritten in this update — the largest age + noise, an
//   empty slot before any occupied one, ties to the lower index — takes (q_b, v_b, s_b), age 0.
template <class T>
void memory_update(std::int64_t M, std::int64_t D, std::int64_t V, std::int64_t B, T* keys, T* values, T* ages,
                   T* sources, const T* q, const T* v, const T* source, const T* merge, AgeNoise noise);
}  // namespace cpu

namespace cuda {
// The contracts of the CPU kernels, on float32 device buffers.
void cosine_topk(CudaContext& ctx, std::int64_t B, std::int64_t M, std::int64_t D, int k, const float* q,
                 const float* keys, const float* ages, float* scores, float* indices);
void triplet_pairs(CudaContext& ctx, std::int64_t B, int k, const float* indices, const float* distance,
                   float threshold, float* pos, float* neg, float* valid);
void gather_rows(CudaContext& ctx, std::int64_t rows, std::int64_t cols, const float* src, const float* index,
                 float* dst);
void memory_update(CudaContext& ctx, std::int64_t M, std::int64_t D, std::int64_t V, std::int64_t B, float* keys,
                   float* values, float* ages, float* sources, const float* q, const float* v, const float* source,
                   const float* merge, AgeNoise noise);
}  // namespace cuda

// The noise of sample b for slot j, the same float on both devices.
PIGMENT_HOST_DEVICE float age_noise(AgeNoise n, std::int64_t M, std::int64_t b, std::int64_t j) {
  const float u = philox::to_unit_float(philox::word(n.seed, n.offset + static_cast<std::uint64_t>(b * M + j)));
  return (2.0f * u - 1.0f) * n.amplitude;
}

// ---- The CPU reference: the contract's executable statement, in float and double --------------
namespace cpu {

template <class T>
void cosine_topk(std::int64_t B, std::int64_t M, std::int64_t D, int k, const T* q, const T* keys, const T* ages,
                 T* scores, T* indices) {
  std::vector<double> key_norm(static_cast<std::size_t>(M));
  for (std::int64_t j = 0; j < M; ++j) {
    double s = 0;
    for (std::int64_t d = 0; d < D; ++d) s += static_cast<double>(keys[j * D + d]) * static_cast<double>(keys[j * D + d]);
    key_norm[static_cast<std::size_t>(j)] = std::sqrt(s);
  }
  parallel_for(B, M * D, [&](std::int64_t b) {
    const T* qb = q + b * D;
    double qn = 0;
    for (std::int64_t d = 0; d < D; ++d) qn += static_cast<double>(qb[d]) * static_cast<double>(qb[d]);
    qn = std::sqrt(qn);
    std::vector<std::pair<double, std::int64_t>> cand;
    for (std::int64_t j = 0; j < M; ++j) {
      if (ages[j] < T(0)) continue;
      double dot = 0;
      for (std::int64_t d = 0; d < D; ++d) dot += static_cast<double>(qb[d]) * static_cast<double>(keys[j * D + d]);
      cand.emplace_back(dot / std::max(qn * key_norm[static_cast<std::size_t>(j)], 1e-12), j);
    }
    const std::size_t take = std::min(cand.size(), static_cast<std::size_t>(k));
    std::partial_sort(cand.begin(), cand.begin() + static_cast<std::ptrdiff_t>(take), cand.end(),
                      [](const auto& a, const auto& c) { return a.first > c.first || (a.first == c.first && a.second < c.second); });
    for (int i = 0; i < k; ++i) {
      const bool found = static_cast<std::size_t>(i) < take;
      scores[b * k + i] = found ? static_cast<T>(cand[static_cast<std::size_t>(i)].first) : -std::numeric_limits<T>::infinity();
      indices[b * k + i] = found ? static_cast<T>(cand[static_cast<std::size_t>(i)].second) : T(-1);
    }
  });
}

template <class T>
void triplet_pairs(std::int64_t B, int k, const T* indices, const T* distance, T threshold, T* pos, T* neg, T* valid) {
  for (std::int64_t b = 0; b < B; ++b) {
    T p = T(-1), n = T(-1);
    for (int j = 0; j < k; ++j) {
      const T index = indices[b * k + j];
      if (index < T(0)) break;  // the rest is empty
      const bool near = distance[b * k + j] < threshold;
      if (near && p < T(0)) p = index;
      if (!near && n < T(0)) n = index;
    }
    pos[b] = p;
    neg[b] = n;
    valid[b] = p >= T(0) && n >= T(0) ? T(1) : T(0);
  }
}

template <class T> void gather_rows(std::int64_t rows, std::int64_t cols, const T* src, const T* index, T* dst) {
  parallel_for(rows, cols, [&](std::int64_t r) {
    const auto j = static_cast<std::int64_t>(index[r]);
    for (std::int64_t c = 0; c < cols; ++c) dst[r * cols + c] = j >= 0 ? src[j * cols + c] : T(0);
  });
}

template <class T>
void memory_update(std::int64_t M, std::int64_t D, std::int64_t V, std::int64_t B, T* keys, T* values, T* ages,
                   T* sources, const T* q, const T* v, const T* source, const T* merge, AgeNoise noise) {
  for (std::int64_t j = 0; j < M; ++j)
    if (ages[j] >= T(0)) ages[j] += T(1);
  std::vector<char> rewritten(static_cast<std::size_t>(M), 0);
  for (std::int64_t b = 0; b < B; ++b) {
    const auto n1 = static_cast<std::int64_t>(merge[b]);
    if (n1 >= 0 && !rewritten[static_cast<std::size_t>(n1)]) {
      double s = 0;
      for (std::int64_t d = 0; d < D; ++d) {
        const double u = static_cast<double>(keys[n1 * D + d]) + static_cast<double>(q[b * D + d]);
        s += u * u;
      }
      const double inv = 1.0 / std::max(std::sqrt(s), 1e-12);
      for (std::int64_t d = 0; d < D; ++d)
        keys[n1 * D + d] = static_cast<T>((static_cast<double>(keys[n1 * D + d]) + static_cast<double>(q[b * D + d])) * inv);
      ages[n1] = T(0);
      continue;
    }
    std::int64_t oldest = -1;
    bool oldest_empty = false;
    float oldest_age = 0;
    for (std::int64_t j = 0; j < M; ++j) {
      if (rewritten[static_cast<std::size_t>(j)]) continue;
      const bool empty = ages[j] < T(0);
      const float a = empty ? 0.0f : static_cast<float>(ages[j]) + age_noise(noise, M, b, j);
      if (oldest < 0 || (empty && !oldest_empty) || (empty == oldest_empty && a > oldest_age)) {
        oldest = j;
        oldest_empty = empty;
        oldest_age = a;
      }
    }
    if (oldest < 0) continue;  // every slot rewritten already: a batch larger than the memory
    for (std::int64_t d = 0; d < D; ++d) keys[oldest * D + d] = q[b * D + d];
    for (std::int64_t c = 0; c < V; ++c) values[oldest * V + c] = v[b * V + c];
    ages[oldest] = T(0);
    sources[oldest] = source[b];
    rewritten[static_cast<std::size_t>(oldest)] = 1;
  }
}

}  // namespace cpu

}  // namespace pigment
