// The SAGAN block on CUDA, flash-style: the N×N attention matrix is never stored. Scores are
// recomputed tile by tile (32 queries × 32 keys) from Q and K whenever they are needed, with the
// softmax's row maximum m_i and normaliser l_i computed by a first pass, so that
// A_ij = exp(S_ij − m_i)/l_i is available for any tile. Every kernel splits the work over
// (query or key tile, channel chunk, image), which fills the GPU at 64×64 maps (4,096 tokens,
// 128 query tiles × channel chunks), and every sum runs in a fixed order (deterministic).
//
// Forward:  Q, K, V = 1×1 projections (tensor-core GEMMs);  (m, l) = row statistics of S = QᵀK;
//           O' = V·Aᵀ;  y = γ·O' + x.
// Backward (docs/backward.md), with dO = γ·dY and D_i = Σ_c dO_ci·O'_ci (= Σ_j A_ij·dA_ij):
//           dγ = Σ dY⊙O';  dV = dO·A;  dS_ij = A_ij·(Σ_c dO_ci V_cj − D_i);  dQ = K·dSᵀ;  dK = Q·dS;
//           dW = dP·Xᵀ, db = rowsum(dP), dX = dY + Σ Wᵀ·dP over the three projections.
// The backward recomputes the forward's intermediates (as the CPU reference does).
#include <cmath>

#include "kernels/cuda/common.cuh"
#include "kernels/cuda/device_buffer.cuh"
#include "kernels/cuda/gemm_tc.cuh"
#include "kernels/raw/attention.h"

namespace pigment::cuda {

namespace {
constexpr int kTile = 32;     // queries or keys per tile
constexpr int kChunk = 32;    // depth of a dot-product chunk (qk dims or channels)
constexpr int kOutC = 64;     // channels per block of the O' and dV kernels
constexpr int kBlock = 256;   // threads of the attention kernels

// ---- Projections: P[b] = W·X[b] + bias (rows × N), on the tensor-core GEMM -------------------------
struct ProjectLoader {
  static constexpr bool a_k_fastest = true, b_n_fastest = true;
  const float* w;
  const float* x;
  std::int64_t c, n;
  __device__ float a(int, std::int64_t r, std::int64_t k) const { return w[r * c + k]; }
  __device__ float b(int batch, std::int64_t k, std::int64_t j) const { return x[(batch * c + k) * n + j]; }
};
struct ProjectEpilogue {
  float* p;
  const float* bias;
  std::int64_t rows, n;
  __device__ void store(int batch, std::int64_t r, std::int64_t j, float v) const {
    p[(batch * rows + r) * n + j] = v + bias[r];
  }
};

template <gemm::Precision kPrecision>
void project(CudaContext& ctx, const AttentionShape& s, std::int64_t rows, const float* w, const float* bias,
             const float* x, float* p) {
  gemm::run<kPrecision>(ctx, "attention_projection", gemm::Shape{rows, s.tokens, s.channels}, static_cast<int>(s.batch),
                        ProjectLoader{w, x, s.channels, s.tokens}, ProjectEpilogue{p, bias, rows, s.tokens});
}

// dW (rows × C) = Σ_b dP[b]·X[b]ᵀ: K runs over (image, token).
struct WeightGradLoader {
  static constexpr bool a_k_fastest = true, b_n_fastest = false;
  const float* dp;
  const float* x;
  std::int64_t rows, c, n;
  __device__ float a(int, std::int64_t r, std::int64_t k) const { return dp[((k / n) * rows + r) * n + k % n]; }
  __device__ float b(int, std::int64_t k, std::int64_t j) const { return x[((k / n) * c + j) * n + k % n]; }
};
struct StoreMatrix {
  float* out;
  std::int64_t cols;
  __device__ void store(int, std::int64_t r, std::int64_t j, float v) const { out[r * cols + j] = v; }
};

// dX[b] (C × N) += Wᵀ·dP[b]
struct InputGradLoader {
  static constexpr bool a_k_fastest = false, b_n_fastest = true;
  const float* w;
  const float* dp;
  std::int64_t rows, c, n;
  __device__ float a(int, std::int64_t ch, std::int64_t r) const { return w[r * c + ch]; }
  __device__ float b(int batch, std::int64_t r, std::int64_t j) const { return dp[(batch * rows + r) * n + j]; }
};
struct AccumulateInput {
  float* dx;
  std::int64_t c, n;
  __device__ void store(int batch, std::int64_t ch, std::int64_t j, float v) const { dx[(batch * c + ch) * n + j] += v; }
};

// db[r] = Σ_{b, j} dP[b, r, j], one block per row.
__global__ void bias_grad_kernel(const float* dp, std::int64_t batch, std::int64_t rows, std::int64_t n, float* db) {
  __shared__ float scratch[32];
  const std::int64_t r = blockIdx.x;
  float sum = 0.0f;
  for (std::int64_t e = threadIdx.x; e < batch * n; e += blockDim.x) sum += dp[((e / n) * rows + r) * n + e % n];
  sum = block_sum(sum, scratch);
  if (threadIdx.x == 0) db[r] = sum;
}

void projection_backward(CudaContext& ctx, const AttentionShape& s, std::int64_t rows, const float* w, const float* x,
                         const float* dp, float* dw, float* db, float* dx) {
  if (dw)
    gemm::run(ctx, "attention_weight_grad", gemm::Shape{rows, s.channels, s.batch * s.tokens}, 1,
              WeightGradLoader{dp, x, rows, s.channels, s.tokens}, StoreMatrix{dw, s.channels});
  if (db) launch(ctx, "attention_bias_grad", static_cast<unsigned>(rows), kThreads, 0, bias_grad_kernel, dp, s.batch, rows, s.tokens, db);
  if (dx)
    gemm::run(ctx, "attention_input_grad", gemm::Shape{s.channels, s.tokens, rows}, static_cast<int>(s.batch),
              InputGradLoader{w, dp, rows, s.channels, s.tokens}, AccumulateInput{dx, s.channels, s.tokens});
}

// ---- Tiles ---------------------------------------------------------------------------------------------
struct Tiles {
  float qs[kChunk][kTile + 1];
  float ks[kChunk][kTile + 1];
  float scores[kTile][kTile + 1];  // S, then A, then dS
};

// scores[q][k] = Σ_e Q[e, q0+q]·K[e, k0+k] over the d rows of Q and K (zero outside 0..n).
// Thread t computes (q = t/8, k = (t%8)·4 … +3). Synchronises the block.
__device__ void score_tile(Tiles& t, const float* q_mat, const float* k_mat, std::int64_t d, std::int64_t n,
                           std::int64_t q0, std::int64_t k0) {
  const int tid = threadIdx.x, q = tid >> 3, kb = (tid & 7) * 4;
  float acc[4] = {0, 0, 0, 0};
  for (std::int64_t e0 = 0; e0 < d; e0 += kChunk) {
    for (int i = tid; i < kChunk * kTile; i += kBlock) {
      const int e = i / kTile, col = i % kTile;
      const bool in_e = e0 + e < d;
      t.qs[e][col] = (in_e && q0 + col < n) ? q_mat[(e0 + e) * n + q0 + col] : 0.0f;
      t.ks[e][col] = (in_e && k0 + col < n) ? k_mat[(e0 + e) * n + k0 + col] : 0.0f;
    }
    __syncthreads();
#pragma unroll 8
    for (int e = 0; e < kChunk; ++e) {
      const float qv = t.qs[e][q];
#pragma unroll
      for (int r = 0; r < 4; ++r) acc[r] += qv * t.ks[e][kb + r];
    }
    __syncthreads();
  }
#pragma unroll
  for (int r = 0; r < 4; ++r) t.scores[q][kb + r] = acc[r];
  __syncthreads();
}

// scores → A_qk = exp(S − m_q)/l_q, zero for queries or keys past n.
__device__ void scores_to_attention(Tiles& t, const float* m, const float* l, std::int64_t n, std::int64_t q0,
                                    std::int64_t k0) {
  const int tid = threadIdx.x, q = tid >> 3, kb = (tid & 7) * 4;
  const bool valid_q = q0 + q < n;
  const float mq = valid_q ? m[q0 + q] : 0.0f, inv_l = valid_q ? 1.0f / l[q0 + q] : 0.0f;
#pragma unroll
  for (int r = 0; r < 4; ++r) {
    const bool valid = valid_q && k0 + kb + r < n;
    t.scores[q][kb + r] = valid ? __expf(t.scores[q][kb + r] - mq) * inv_l : 0.0f;
  }
  __syncthreads();
}

// ---- Forward kernels --------------------------------------------------------------------------------------
// Row statistics of S: m_i = max_j S_ij, l_i = Σ_j exp(S_ij − m_i). grid (query tiles, images).
__global__ void __launch_bounds__(kBlock) row_stats_kernel(AttentionShape s, const float* q, const float* k, float* m,
                                                           float* l) {
  __shared__ Tiles t;
  const std::int64_t b = blockIdx.y, n = s.tokens, q0 = static_cast<std::int64_t>(blockIdx.x) * kTile;
  const float* qb = q + b * s.qk_dim * n;
  const float* kb = k + b * s.qk_dim * n;
  float run_max = -INFINITY, run_sum = 0.0f;  // thread i < 32 owns query q0 + i
  for (std::int64_t k0 = 0; k0 < n; k0 += kTile) {
    score_tile(t, qb, kb, s.qk_dim, n, q0, k0);
    if (threadIdx.x < kTile) {
      const int keys = static_cast<int>(n - k0 < kTile ? n - k0 : kTile);
      float tile_max = -INFINITY;
      for (int j = 0; j < keys; ++j) tile_max = fmaxf(tile_max, t.scores[threadIdx.x][j]);
      const float new_max = fmaxf(run_max, tile_max);
      float tile_sum = 0.0f;
      for (int j = 0; j < keys; ++j) tile_sum += __expf(t.scores[threadIdx.x][j] - new_max);
      run_sum = run_sum * __expf(run_max - new_max) + tile_sum;
      run_max = new_max;
    }
    __syncthreads();
  }
  if (threadIdx.x < kTile && q0 + threadIdx.x < n) {
    m[b * n + q0 + threadIdx.x] = run_max;
    l[b * n + q0 + threadIdx.x] = run_sum;
  }
}

// O'[c, q] = Σ_k V[c, k]·A[q, k]. grid (query tiles, channel chunks of 64, images); thread owns
// channel t/4 and queries (t%4)·8 … +7.
__global__ void __launch_bounds__(kBlock) output_kernel(AttentionShape s, const float* q, const float* k,
                                                        const float* v, const float* m, const float* l, float* out) {
  __shared__ Tiles t;
  __shared__ float vs[kOutC][kTile + 1];
  const std::int64_t b = blockIdx.z, n = s.tokens, q0 = static_cast<std::int64_t>(blockIdx.x) * kTile,
                     c0 = static_cast<std::int64_t>(blockIdx.y) * kOutC;
  const float* qb = q + b * s.qk_dim * n;
  const float* kb = k + b * s.qk_dim * n;
  const float* vb = v + b * s.channels * n;
  const int tid = threadIdx.x, c = tid >> 2, qq = (tid & 3) * 8;
  float acc[8] = {};
  for (std::int64_t k0 = 0; k0 < n; k0 += kTile) {
    score_tile(t, qb, kb, s.qk_dim, n, q0, k0);
    scores_to_attention(t, m + b * n, l + b * n, n, q0, k0);
    for (int i = tid; i < kOutC * kTile; i += kBlock) {
      const int cc = i / kTile, col = i % kTile;
      vs[cc][col] = (c0 + cc < s.channels && k0 + col < n) ? vb[(c0 + cc) * n + k0 + col] : 0.0f;
    }
    __syncthreads();
    for (int j = 0; j < kTile; ++j) {
      const float vv = vs[c][j];
#pragma unroll
      for (int r = 0; r < 8; ++r) acc[r] += vv * t.scores[qq + r][j];
    }
    __syncthreads();
  }
  if (c0 + c < s.channels)
#pragma unroll
    for (int r = 0; r < 8; ++r)
      if (q0 + qq + r < n) out[(b * s.channels + c0 + c) * n + q0 + qq + r] = acc[r];
}

struct Residual {  // y = γ·o + x
  const float* o;
  const float* x;
  const float* gamma;
  float* y;
  __device__ void operator()(std::int64_t i) const { y[i] = *gamma * o[i] + x[i]; }
};

// ---- Backward kernels --------------------------------------------------------------------------------------
struct ScaleByGamma {  // dO = γ·dY
  const float* dy;
  const float* gamma;
  float* d_o;
  __device__ void operator()(std::int64_t i) const { d_o[i] = *gamma * dy[i]; }
};

// D[b, i] = Σ_c dO[b, c, i]·O'[b, c, i]
__global__ void row_dot_kernel(AttentionShape s, const float* d_o, const float* o, float* d) {
  PIGMENT_GRID_STRIDE_LOOP(e, s.batch * s.tokens) {
    const std::int64_t b = e / s.tokens, i = e % s.tokens;
    float sum = 0.0f;
    for (std::int64_t c = 0; c < s.channels; ++c) sum += d_o[(b * s.channels + c) * s.tokens + i] * o[(b * s.channels + c) * s.tokens + i];
    d[e] = sum;
  }
}

// dγ = Σ dY⊙O': partial sums per block, then one block adds them in order.
__global__ void dot_partials_kernel(std::int64_t n, const float* a, const float* b, float* partials) {
  __shared__ float scratch[32];
  float sum = 0.0f;
  PIGMENT_GRID_STRIDE_LOOP(i, n) sum += a[i] * b[i];
  sum = block_sum(sum, scratch);
  if (threadIdx.x == 0) partials[blockIdx.x] = sum;
}
__global__ void sum_partials_kernel(int count, const float* partials, float* out) {
  __shared__ float scratch[32];
  float sum = 0.0f;
  for (int i = threadIdx.x; i < count; i += blockDim.x) sum += partials[i];
  sum = block_sum(sum, scratch);
  if (threadIdx.x == 0) *out = sum;
}

// dV[c, k] = Σ_q dO[c, q]·A[q, k]. grid (key tiles, channel chunks of 64, images).
__global__ void __launch_bounds__(kBlock) value_grad_kernel(AttentionShape s, const float* q, const float* k,
                                                            const float* m, const float* l, const float* d_o,
                                                            float* dv) {
  __shared__ Tiles t;
  __shared__ float dos[kOutC][kTile + 1];
  const std::int64_t b = blockIdx.z, n = s.tokens, k0 = static_cast<std::int64_t>(blockIdx.x) * kTile,
                     c0 = static_cast<std::int64_t>(blockIdx.y) * kOutC;
  const float* qb = q + b * s.qk_dim * n;
  const float* kb = k + b * s.qk_dim * n;
  const float* dob = d_o + b * s.channels * n;
  const int tid = threadIdx.x, c = tid >> 2, kk = (tid & 3) * 8;
  float acc[8] = {};
  for (std::int64_t q0 = 0; q0 < n; q0 += kTile) {
    score_tile(t, qb, kb, s.qk_dim, n, q0, k0);
    scores_to_attention(t, m + b * n, l + b * n, n, q0, k0);
    for (int i = tid; i < kOutC * kTile; i += kBlock) {
      const int cc = i / kTile, col = i % kTile;
      dos[cc][col] = (c0 + cc < s.channels && q0 + col < n) ? dob[(c0 + cc) * n + q0 + col] : 0.0f;
    }
    __syncthreads();
    for (int i = 0; i < kTile; ++i) {
      const float g = dos[c][i];
#pragma unroll
      for (int r = 0; r < 8; ++r) acc[r] += g * t.scores[i][kk + r];
    }
    __syncthreads();
  }
  if (c0 + c < s.channels)
#pragma unroll
    for (int r = 0; r < 8; ++r)
      if (k0 + kk + r < n) dv[(b * s.channels + c0 + c) * n + k0 + kk + r] = acc[r];
}

// scores (holding A) → dS_qk = A_qk·(Σ_c dO[c, q]·V[c, k] − D_q). Uses t.qs/t.ks as staging.
__device__ void attention_to_score_grad(Tiles& t, const float* d_o, const float* v, const float* d, std::int64_t channels,
                                        std::int64_t n, std::int64_t q0, std::int64_t k0) {
  const int tid = threadIdx.x, q = tid >> 3, kb = (tid & 7) * 4;
  float acc[4] = {0, 0, 0, 0};
  for (std::int64_t c0 = 0; c0 < channels; c0 += kChunk) {
    for (int i = tid; i < kChunk * kTile; i += kBlock) {
      const int e = i / kTile, col = i % kTile;
      const bool in_c = c0 + e < channels;
      t.qs[e][col] = (in_c && q0 + col < n) ? d_o[(c0 + e) * n + q0 + col] : 0.0f;
      t.ks[e][col] = (in_c && k0 + col < n) ? v[(c0 + e) * n + k0 + col] : 0.0f;
    }
    __syncthreads();
#pragma unroll 8
    for (int e = 0; e < kChunk; ++e) {
      const float g = t.qs[e][q];
#pragma unroll
      for (int r = 0; r < 4; ++r) acc[r] += g * t.ks[e][kb + r];
    }
    __syncthreads();
  }
  const float dq = q0 + q < n ? d[q0 + q] : 0.0f;
#pragma unroll
  for (int r = 0; r < 4; ++r) t.scores[q][kb + r] = t.scores[q][kb + r] * (acc[r] - dq);
  __syncthreads();
}

// dQ[e, q] = Σ_k K[e, k]·dS[q, k] (queries of this block), or with `keys_side`
// dK[e, k] = Σ_q Q[e, q]·dS[q, k] (keys of this block). Accumulators for the d rows live in
// dynamic shared memory; grid (tiles, images).
template <bool kKeysSide>
__global__ void __launch_bounds__(kBlock) qk_grad_kernel(AttentionShape s, const float* q, const float* k,
                                                         const float* v, const float* m, const float* l,
                                                         const float* d_o, const float* dvec, float* out) {
  __shared__ Tiles t;
  PIGMENT_EXTERN_SHARED(float, acc);  // [qk_dim][kTile]
  const std::int64_t b = blockIdx.y, n = s.tokens, d = s.qk_dim, own0 = static_cast<std::int64_t>(blockIdx.x) * kTile;
  const float* qb = q + b * d * n;
  const float* kbm = k + b * d * n;
  const float* vb = v + b * s.channels * n;
  const float* dob = d_o + b * s.channels * n;
  const int tid = threadIdx.x;
  for (std::int64_t i = tid; i < d * kTile; i += kBlock) acc[i] = 0.0f;
  for (std::int64_t other0 = 0; other0 < n; other0 += kTile) {
    const std::int64_t q0 = kKeysSide ? other0 : own0, k0 = kKeysSide ? own0 : other0;
    score_tile(t, qb, kbm, d, n, q0, k0);
    scores_to_attention(t, m + b * n, l + b * n, n, q0, k0);
    attention_to_score_grad(t, dob, vb, dvec + b * n, s.channels, n, q0, k0);
    // acc[e][own] += Σ_other X[e, other]·dS(own, other), X = K (queries side) or Q (keys side).
    const float* other_mat = kKeysSide ? qb : kbm;
    for (std::int64_t e0 = 0; e0 < d; e0 += kChunk) {
      for (int i = tid; i < kChunk * kTile; i += kBlock) {
        const int e = i / kTile, col = i % kTile;
        t.qs[e][col] = (e0 + e < d && other0 + col < n) ? other_mat[(e0 + e) * n + other0 + col] : 0.0f;
      }
      __syncthreads();
      const int e = tid >> 3, ob = (tid & 7) * 4;  // this thread: row e0 + e, own columns ob … ob+3
      if (e0 + e < d) {
#pragma unroll
        for (int r = 0; r < 4; ++r) {
          float sum = 0.0f;
          for (int j = 0; j < kTile; ++j)
            sum += t.qs[e][j] * (kKeysSide ? t.scores[j][ob + r] : t.scores[ob + r][j]);
          acc[(e0 + e) * kTile + ob + r] += sum;
        }
      }
      __syncthreads();
    }
  }
  for (std::int64_t i = tid; i < d * kTile; i += kBlock) {
    const std::int64_t e = i / kTile, col = i % kTile;
    if (own0 + col < n) out[(b * d + e) * n + own0 + col] = acc[i];
  }
}

struct Intermediates {
  DeviceBuffer q, k, v, m, l, o;
  Intermediates(CudaContext& ctx, const AttentionShape& s)
      : q(ctx, s.batch * s.qk_dim * s.tokens), k(ctx, s.batch * s.qk_dim * s.tokens),
        v(ctx, s.batch * s.channels * s.tokens), m(ctx, s.batch * s.tokens), l(ctx, s.batch * s.tokens),
        o(ctx, s.batch * s.channels * s.tokens) {}
};

void forward_intermediates(CudaContext& ctx, const AttentionShape& s, const float* x, const AttentionParams<float>& p,
                           Intermediates& im) {
  // The projections in error-compensated TF32 (float32-class accuracy), not plain TF32: softmax
  // turns an absolute error δ of a logit into a relative error δ of its weight, and logits reach tens
  // (|S| ~ 2√d at the kaiming init), so TF32's 5e-4 relative error on Q and K is ~1% on the
  // weights; and V's reaches dγ and the query bias's gradient through sums that cancel to a few % of
  // their terms. The three MMAs cost little: the projections are (C + C/4)·C·N multiply-adds on
  // tensor cores, the attention core (C + C/8)·N² on FP32 FMA units, ~100× more time at N ≥ 1024.
  project<gemm::Precision::tf32x3>(ctx, s, s.qk_dim, p.wq, p.bq, x, im.q.get());
  project<gemm::Precision::tf32x3>(ctx, s, s.qk_dim, p.wk, p.bk, x, im.k.get());
  project<gemm::Precision::tf32x3>(ctx, s, s.channels, p.wv, p.bv, x, im.v.get());
  const unsigned query_tiles = static_cast<unsigned>((s.tokens + kTile - 1) / kTile);
  launch(ctx, "attention_row_stats", dim3(query_tiles, static_cast<unsigned>(s.batch)), kBlock, 0, row_stats_kernel, s,
         static_cast<const float*>(im.q.get()), static_cast<const float*>(im.k.get()), im.m.get(), im.l.get());
  launch(ctx, "attention_output",
         dim3(query_tiles, static_cast<unsigned>((s.channels + kOutC - 1) / kOutC), static_cast<unsigned>(s.batch)),
         kBlock, 0, output_kernel, s, static_cast<const float*>(im.q.get()), static_cast<const float*>(im.k.get()),
         static_cast<const float*>(im.v.get()), static_cast<const float*>(im.m.get()),
         static_cast<const float*>(im.l.get()), im.o.get());
}
}  // namespace

void self_attention_forward(CudaContext& ctx, const AttentionShape& s, const float* x, const AttentionParams<float>& p,
                            float* y) {
  Intermediates im(ctx, s);
  forward_intermediates(ctx, s, x, p, im);
  for_each(ctx, "attention_residual", s.batch * s.channels * s.tokens,
           Residual{im.o.get(), x, p.gamma, y});
}

void self_attention_backward(CudaContext& ctx, const AttentionShape& s, const float* dy, const float* x,
                             const AttentionParams<float>& p, const AttentionGrads<float>& g) {
  Intermediates im(ctx, s);
  forward_intermediates(ctx, s, x, p, im);
  const std::int64_t elements = s.batch * s.channels * s.tokens;
  if (g.dgamma) {
    const unsigned blocks = grid_for(ctx, elements);
    DeviceBuffer partials(ctx, blocks);
    launch(ctx, "attention_gamma_grad", blocks, kThreads, 0, dot_partials_kernel, elements, dy,
           static_cast<const float*>(im.o.get()), partials.get());
    launch(ctx, "attention_gamma_grad_sum", 1, kThreads, 0, sum_partials_kernel, static_cast<int>(blocks),
           static_cast<const float*>(partials.get()), g.dgamma);
  }
  const bool projections = g.dx || g.dwq || g.dbq || g.dwk || g.dbk || g.dwv || g.dbv;
  if (g.dx) ctx.copy_within(g.dx, dy, static_cast<std::size_t>(elements) * sizeof(float));
  if (!projections) return;

  DeviceBuffer d_o(ctx, elements), dvec(ctx, s.batch * s.tokens), dq(ctx, s.batch * s.qk_dim * s.tokens),
      dk(ctx, s.batch * s.qk_dim * s.tokens), dv(ctx, elements);
  for_each(ctx, "attention_scale_dy", elements, ScaleByGamma{dy, p.gamma, d_o.get()});
  launch(ctx, "attention_row_dot", grid_for(ctx, s.batch * s.tokens), kThreads, 0, row_dot_kernel, s,
         static_cast<const float*>(d_o.get()), static_cast<const float*>(im.o.get()), dvec.get());
  const unsigned tiles = static_cast<unsigned>((s.tokens + kTile - 1) / kTile);
  launch(ctx, "attention_value_grad",
         dim3(tiles, static_cast<unsigned>((s.channels + kOutC - 1) / kOutC), static_cast<unsigned>(s.batch)), kBlock,
         0, value_grad_kernel, s, static_cast<const float*>(im.q.get()), static_cast<const float*>(im.k.get()),
         static_cast<const float*>(im.m.get()), static_cast<const float*>(im.l.get()),
         static_cast<const float*>(d_o.get()), dv.get());
  const std::size_t acc_bytes = static_cast<std::size_t>(s.qk_dim) * kTile * sizeof(float);
  PIGMENT_CHECK(acc_bytes <= 48 * 1024 - sizeof(Tiles),
                "self_attention (CUDA): C/8 = {} query/key channels exceed this kernel's shared memory (at most {})",
                s.qk_dim, (48 * 1024 - sizeof(Tiles)) / (kTile * sizeof(float)));
  const auto* qp = static_cast<const float*>(im.q.get());
  const auto* kp = static_cast<const float*>(im.k.get());
  const auto* vp = static_cast<const float*>(im.v.get());
  const auto* mp = static_cast<const float*>(im.m.get());
  const auto* lp = static_cast<const float*>(im.l.get());
  const auto* dop = static_cast<const float*>(d_o.get());
  const auto* dvp = static_cast<const float*>(dvec.get());
  launch(ctx, "attention_query_grad", dim3(tiles, static_cast<unsigned>(s.batch)), kBlock, acc_bytes,
         qk_grad_kernel<false>, s, qp, kp, vp, mp, lp, dop, dvp, dq.get());
  launch(ctx, "attention_key_grad", dim3(tiles, static_cast<unsigned>(s.batch)), kBlock, acc_bytes,
         qk_grad_kernel<true>, s, qp, kp, vp, mp, lp, dop, dvp, dk.get());
  projection_backward(ctx, s, s.qk_dim, p.wq, x, dq.get(), g.dwq, g.dbq, g.dx);
  projection_backward(ctx, s, s.qk_dim, p.wk, x, dk.get(), g.dwk, g.dbk, g.dx);
  projection_backward(ctx, s, s.channels, p.wv, x, dv.get(), g.dwv, g.dbv, g.dx);
}

bool attention_through_libraries(CudaContext& ctx) { return ctx.kernel_choice().attention == AttentionImpl::composed; }

}  // namespace pigment::cuda
