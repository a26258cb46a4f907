// Batch norm on CUDA (formulas in kernels/ops/norm.h). Each channel is a group of n planes
// (kernels/cuda/norm_statistics.cuh):
//   statistics (training): chunk moments (grid channels × chunks) → per-channel mean, rstd, and
//             the running-statistics update, on the device (one thread per channel, in double);
//   statistics (evaluation): mean = running_mean, rstd = 1/√(running_var + ε), on the device;
//   apply:    y = (x − μ_c)·(r_c·γ_c) + β_c (grid plane units × planes);
//   backward: chunk sums of dy and dy·x̂ → per-channel sums in chunk order (dβ, dγ) → dx.
// No atomics and no host synchronisation; every sum has a fixed order.
#include "kernels/raw/norm.h"
#include "kernels/cuda/norm_statistics.cuh"

namespace pigment::cuda {

namespace {
GroupLayout channel_layout(std::int64_t n, std::int64_t c, std::int64_t plane, int lanes) {
  return group_layout(c, n, plane, c * plane, plane, lanes);
}

// mean, rstd and (when given) running_mean/var ← (1 − m)·running + m·(μ, σ²·M/(M − 1)), with the
// CPU wrapper's arithmetic (double, from the float mean and biased variance).
struct FinishBatchStatistics {
  const float* chunk_mean;
  const float* chunk_m2;
  int splits;
  std::int64_t count;  // units per channel
  int lanes;
  float eps;
  double momentum;
  float* mean;
  float* rstd;
  float* running_mean;
  float* running_var;
  __device__ void operator()(std::int64_t ch) const {
    double mu, m2;
    combine_moments(chunk_mean, chunk_m2, ch, splits, count, lanes, mu, m2);
    const double values = static_cast<double>(count * lanes);
    const double var = m2 / values;
    const float mean_f = static_cast<float>(mu), var_f = static_cast<float>(var);
    mean[ch] = mean_f;
    rstd[ch] = static_cast<float>(1.0 / sqrt(var + static_cast<double>(eps)));
    if (!running_mean) return;
    const double unbias = values / (values - 1.0);
    running_mean[ch] = static_cast<float>((1.0 - momentum) * static_cast<double>(running_mean[ch]) +
                                          momentum * static_cast<double>(mean_f));
    running_var[ch] = static_cast<float>((1.0 - momentum) * static_cast<double>(running_var[ch]) +
                                         momentum * static_cast<double>(var_f) * unbias);
  }
};

struct EvalStatistics {
  const float* running_mean;
  const float* running_var;
  double eps;
  float* mean;
  float* rstd;
  __device__ void operator()(std::int64_t ch) const {
    mean[ch] = running_mean[ch];
    rstd[ch] = static_cast<float>(1.0 / sqrt(static_cast<double>(running_var[ch]) + eps));
  }
};

// y = (x − μ_c)·(r_c·γ_c) + β_c
struct BatchNormApply {
  const float* x;
  const float* mean;
  const float* rstd;
  const float* gamma;
  const float* beta;
  std::int64_t c;
  float* y;
  template <class V> __device__ void apply(std::int64_t p, std::int64_t u) const {
    const std::int64_t ch = p % c;
    const float mu = mean[ch], a = rstd[ch] * (gamma ? gamma[ch] : 1.0f), b = beta ? beta[ch] : 0.0f;
    store<V>(y, u, map_lanes(load<V>(x, u), [=](float v) { return (v - mu) * a + b; }));
  }
};

// Per channel: Σ dy and Σ dy·x̂ in chunk order, kept for dx and written as dβ and dγ.
struct FinishBatchGradSums {
  const float* chunk_dy;
  const float* chunk_dy_xhat;
  int splits;
  float* sum_dy;
  float* sum_dy_xhat;
  float* dgamma;
  float* dbeta;
  __device__ void operator()(std::int64_t ch) const {
    double s = 0.0, sx = 0.0;
    for (int k = 0; k < splits; ++k) {
      s += chunk_dy[ch * splits + k];
      sx += chunk_dy_xhat[ch * splits + k];
    }
    sum_dy[ch] = static_cast<float>(s);
    sum_dy_xhat[ch] = static_cast<float>(sx);
    if (dgamma) dgamma[ch] = static_cast<float>(sx);
    if (dbeta) dbeta[ch] = static_cast<float>(s);
  }
};

// Training: dx = r·(γ·dy − mean(γ·dy) − x̂·mean(γ·dy·x̂)), means over the channel's M values;
// evaluation: dx = r·γ·dy.
struct BatchNormInputGrad {
  const float* dy;
  const float* x;
  const float* mean;
  const float* rstd;
  const float* gamma;
  const float* sum_dy;
  const float* sum_dy_xhat;
  std::int64_t c;
  float count;  // M = n·plane
  bool training;
  float* dx;
  template <class V> __device__ void apply(std::int64_t p, std::int64_t u) const {
    const std::int64_t ch = p % c;
    const float gam = gamma ? gamma[ch] : 1.0f, mu = mean[ch], r = rstd[ch];
    const float mean_g = training ? gam * sum_dy[ch] / count : 0.0f;
    const float mean_gx = training ? gam * sum_dy_xhat[ch] / count : 0.0f;
    store<V>(dx, u, map_lanes(load<V>(dy, u), load<V>(x, u), [=](float g, float v) {
               return r * (gam * g - mean_g - (v - mu) * r * mean_gx);
             }));
  }
};
}  // namespace

void batch_norm_statistics(CudaContext& ctx, std::int64_t n, std::int64_t c, std::int64_t plane, const float* x,
                           float eps, double momentum, float* mean, float* rstd, float* running_mean,
                           float* running_var) {
  if (c == 0 || n * plane == 0) return;
  const bool quads = plane % 4 == 0 && is_aligned16(x);
  const int lanes = quads ? 4 : 1;
  const GroupLayout l = channel_layout(n, c, plane, lanes);
  const int splits = group_splits(ctx, c, n * plane);
  DeviceBuffer chunks(ctx, static_cast<std::size_t>(2 * c * splits));
  float* chunk_mean = chunks.get();
  float* chunk_m2 = chunks.get() + c * splits;
  if (quads)
    launch(ctx, "batch_norm_statistics", chunk_grid(l, splits), chunk_block(l, splits), 0, chunk_moments_kernel<float4>,
           l, reinterpret_cast<const float4*>(x), splits, chunk_mean, chunk_m2);
  else
    launch(ctx, "batch_norm_statistics", chunk_grid(l, splits), chunk_block(l, splits), 0, chunk_moments_kernel<float>,
           l, x, splits, chunk_mean, chunk_m2);
  for_each(ctx, "batch_norm_statistics", c,
           FinishBatchStatistics{chunk_mean, chunk_m2, splits, l.count, lanes, eps, momentum, mean, rstd, running_mean,
                                 running_var});
}

void batch_norm_eval_statistics(CudaContext& ctx, std::int64_t c, const float* running_mean, const float* running_var,
                                double eps, float* mean, float* rstd) {
  for_each(ctx, "batch_norm_eval_statistics", c, EvalStatistics{running_mean, running_var, eps, mean, rstd});
}

void batch_norm_apply(CudaContext& ctx, std::int64_t n, std::int64_t c, std::int64_t plane, const float* x,
                      const float* mean, const float* rstd, const float* gamma, const float* beta, float* y) {
  const bool quads = plane % 4 == 0 && is_aligned16(x) && is_aligned16(y);
  for_each_plane(ctx, "batch_norm_apply", n * c, plane, quads, BatchNormApply{x, mean, rstd, gamma, beta, c, y});
}

void batch_norm_backward(CudaContext& ctx, std::int64_t n, std::int64_t c, std::int64_t plane, bool training,
                         const float* dy, const float* x, const float* mean, const float* rstd, const float* gamma,
                         float* dx, float* dgamma, float* dbeta) {
  if (c == 0) return;
  const bool quads = plane % 4 == 0 && is_aligned16(dy) && is_aligned16(x) && (!dx || is_aligned16(dx));
  const int lanes = quads ? 4 : 1;
  const GroupLayout l = channel_layout(n, c, plane, lanes);
  const int splits = group_splits(ctx, c, n * plane);
  DeviceBuffer chunks(ctx, static_cast<std::size_t>(2 * c * splits));
  DeviceBuffer sums(ctx, static_cast<std::size_t>(2 * c));
  float* chunk_dy = chunks.get();
  float* chunk_dy_xhat = chunks.get() + c * splits;
  float* sum_dy = sums.get();
  float* sum_dy_xhat = sums.get() + c;
  if (quads)
    launch(ctx, "batch_norm_backward", chunk_grid(l, splits), chunk_block(l, splits), 0, chunk_grad_sums_kernel<float4>,
           l, reinterpret_cast<const float4*>(dy), reinterpret_cast<const float4*>(x), mean, rstd, splits, chunk_dy,
           chunk_dy_xhat, ActivationGrad{});
  else
    launch(ctx, "batch_norm_backward", chunk_grid(l, splits), chunk_block(l, splits), 0, chunk_grad_sums_kernel<float>,
           l, dy, x, mean, rstd, splits, chunk_dy, chunk_dy_xhat, ActivationGrad{});
  for_each(ctx, "batch_norm_backward", c,
           FinishBatchGradSums{chunk_dy, chunk_dy_xhat, splits, sum_dy, sum_dy_xhat, dgamma, dbeta});
  if (dx)
    for_each_plane(ctx, "batch_norm_backward", n * c, plane, quads,
                   BatchNormInputGrad{dy, x, mean, rstd, gamma, sum_dy, sum_dy_xhat, c, static_cast<float>(n * plane),
                                      training, dx});
}

}  // namespace pigment::cuda
