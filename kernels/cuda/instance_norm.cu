// Instance norm with its fused activation and residual add on CUDA (formulas in
// kernels/ops/norm.h). Each (n, c) plane is a group
// (kernels/cuda/norm_statistics.cuh):
//   forward:  chunk moments (grid planes × chunks) → per-plane mean, rstd (Chan combination in
//             double, one thread per plane) → y = act((x − μ)·(r·γ) + β) + residual (grid plane
//             units × planes);
//   backward: chunk sums of dz and dz·x̂ (dz = dy·act'(z), z recomputed) → per-plane sums (in chunk order) → dγ, dβ summed over
//             the batch in batch order (one thread per channel) and dx element-wise.
// Chunks are 1 per plane unless the planes are too few to fill the GPU. No atomics: every sum has
// a fixed order, so results are the same on every run.
#include "kernels/cuda/norm_statistics.cuh"
#include "kernels/raw/norm.h"

namespace pigment::cuda {

namespace {
struct FinishInstanceStatistics {
  const float* chunk_mean;
  const float* chunk_m2;
  int splits;
  std::int64_t count;  // units per plane
  int lanes;
  float eps;
  float* mean;
  float* rstd;
  __device__ void operator()(std::int64_t p) const {
    double mu, m2;
    combine_moments(chunk_mean, chunk_m2, p, splits, count, lanes, mu, m2);
    const double var = m2 / static_cast<double>(count * lanes);
    mean[p] = static_cast<float>(mu);
    rstd[p] = static_cast<float>(1.0 / sqrt(var + static_cast<double>(eps)));
  }
};

// y = act((x − μ_p)·(r_p·γ_k) + β_k) + residual, act(z) = z > 0 ? z : slope·z, k = p mod c (c: γ's
// period, the channels or, for AdaIN, every plane).
struct InstanceNormApply {
  const float* x;
  const float* mean;
  const float* rstd;
  const float* gamma;
  const float* beta;
  float slope;
  const float* residual;  // or null
  std::int64_t c;
  float* y;
  template <class V> __device__ void apply(std::int64_t p, std::int64_t u) const {
    const std::int64_t ch = p % c;
    const float mu = mean[p], a = rstd[p] * (gamma ? gamma[ch] : 1.0f), b = beta ? beta[ch] : 0.0f;
    const float s = slope;
    const V out = map_lanes(load<V>(x, u), [=](float v) {
      const float z = (v - mu) * a + b;
      return z > 0.0f ? z : s * z;
    });
    store<V>(y, u, residual ? map_lanes(out, load<V>(residual, u), [](float o, float r) { return o + r; }) : out);
  }
};

// dγ_k = Σ_n Σ dy·x̂,  dβ_k = Σ_n Σ dy over the planes n·c + k, in order (c: γ's period).
struct InstanceNormParamGrads {
  const float* sum_dy;
  const float* sum_dy_xhat;
  std::int64_t n, c;
  float* dgamma;
  float* dbeta;
  __device__ void operator()(std::int64_t ch) const {
    double dg = 0.0, db = 0.0;
    for (std::int64_t b = 0; b < n; ++b) {
      dg += sum_dy_xhat[b * c + ch];
      db += sum_dy[b * c + ch];
    }
    if (dgamma) dgamma[ch] = static_cast<float>(dg);
    if (dbeta) dbeta[ch] = static_cast<float>(db);
  }
};

// dx = r·(γ·dz − mean(γ·dz) − x̂·mean(γ·dz·x̂)), the means over the plane, dz = dy·act'(z).
struct InstanceNormInputGrad {
  const float* dy;
  const float* x;
  const float* mean;
  const float* rstd;
  const float* gamma;
  ActivationGrad act;
  const float* sum_dy;
  const float* sum_dy_xhat;
  std::int64_t c, plane;
  float* dx;
  template <class V> __device__ void apply(std::int64_t p, std::int64_t u) const {
    const float gam = gamma ? gamma[p % c] : 1.0f, mu = mean[p], r = rstd[p];
    const float mean_g = gam * sum_dy[p] / static_cast<float>(plane);
    const float mean_gx = gam * sum_dy_xhat[p] / static_cast<float>(plane);
    const ActivationGrad a = act;
    store<V>(dx, u, map_lanes(load<V>(dy, u), load<V>(x, u), [=](float g, float v) {
               const float xhat = (v - mu) * r;
               return r * (gam * a(p, g, xhat) - mean_g - xhat * mean_gx);
             }));
  }
};
}  // namespace

void instance_norm_forward(CudaContext& ctx, std::int64_t n, std::int64_t c, std::int64_t plane, const float* x,
                           const float* gamma, const float* beta, float eps, float slope, const float* residual,
                           float* y, float* mean, float* rstd, std::int64_t gamma_period) {
  const std::int64_t planes = n * c, period = gamma_period ? gamma_period : c;
  if (planes == 0 || plane == 0) return;
  const bool quads = plane % 4 == 0 && is_aligned16(x) && is_aligned16(y) && (!residual || is_aligned16(residual));
  const int lanes = quads ? 4 : 1;
  const GroupLayout l = group_layout(planes, 1, plane, plane, plane, lanes);
  const int splits = group_splits(ctx, planes, plane);
  DeviceBuffer chunks(ctx, static_cast<std::size_t>(2 * planes * splits));
  float* chunk_mean = chunks.get();
  float* chunk_m2 = chunks.get() + planes * splits;
  if (quads)
    launch(ctx, "instance_norm_forward", chunk_grid(l, splits), chunk_block(l, splits), 0, chunk_moments_kernel<float4>,
           l, reinterpret_cast<const float4*>(x), splits, chunk_mean, chunk_m2);
  else
    launch(ctx, "instance_norm_forward", chunk_grid(l, splits), chunk_block(l, splits), 0, chunk_moments_kernel<float>,
           l, x, splits, chunk_mean, chunk_m2);
  for_each(ctx, "instance_norm_forward", planes,
           FinishInstanceStatistics{chunk_mean, chunk_m2, splits, l.count, lanes, eps, mean, rstd});
  for_each_plane(ctx, "instance_norm_forward", planes, plane, quads,
                 InstanceNormApply{x, mean, rstd, gamma, beta, slope, residual, period, y});
}

void instance_norm_backward(CudaContext& ctx, std::int64_t n, std::int64_t c, std::int64_t plane, const float* dy,
                            const float* x, const float* mean, const float* rstd, const float* gamma,
                            const float* beta, float slope, float* dx, float* dgamma, float* dbeta,
                            std::int64_t gamma_period) {
  const std::int64_t planes = n * c, period = gamma_period ? gamma_period : c;
  if (planes == 0 || plane == 0) return;
  const bool quads = plane % 4 == 0 && is_aligned16(dy) && is_aligned16(x) && (!dx || is_aligned16(dx));
  const int lanes = quads ? 4 : 1;
  const GroupLayout l = group_layout(planes, 1, plane, plane, plane, lanes);
  const int splits = group_splits(ctx, planes, plane);
  DeviceBuffer chunks(ctx, static_cast<std::size_t>(2 * planes * splits));
  DeviceBuffer sums(ctx, static_cast<std::size_t>(2 * planes));
  float* chunk_dy = chunks.get();
  float* chunk_dy_xhat = chunks.get() + planes * splits;
  float* sum_dy = sums.get();
  float* sum_dy_xhat = sums.get() + planes;
  const ActivationGrad act{gamma, beta, period, slope};
  if (quads)
    launch(ctx, "instance_norm_backward", chunk_grid(l, splits), chunk_block(l, splits), 0,
           chunk_grad_sums_kernel<float4>, l, reinterpret_cast<const float4*>(dy), reinterpret_cast<const float4*>(x),
           mean, rstd, splits, chunk_dy, chunk_dy_xhat, act);
  else
    launch(ctx, "instance_norm_backward", chunk_grid(l, splits), chunk_block(l, splits), 0,
           chunk_grad_sums_kernel<float>, l, dy, x, mean, rstd, splits, chunk_dy, chunk_dy_xhat, act);
  for_each(ctx, "instance_norm_backward", planes, SumChunks{chunk_dy, chunk_dy_xhat, splits, sum_dy, sum_dy_xhat});
  if (dgamma || dbeta)
    for_each(ctx, "instance_norm_backward", period,
             InstanceNormParamGrads{sum_dy, sum_dy_xhat, planes / period, period, dgamma, dbeta});
  if (dx)
    for_each_plane(ctx, "instance_norm_backward", planes, plane, quads,
                   InstanceNormInputGrad{dy, x, mean, rstd, gamma, act, sum_dy, sum_dy_xhat, period, plane, dx});
}

}  // namespace pigment::cuda
