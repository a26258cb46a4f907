// The fused Adam update on CUDA: one launch over the flat parameter buffer, m, v and p in one pass
// (float4 when the four buffers are aligned). The scalars are computed on the host exactly as the
// CPU kernel (kernels/raw/optimizer.h) computes them, and the element math follows the same order:
//   m = β₁m + (1 − β₁)g,  v = β₂v + (1 − β₂)g²,  p = p − (lr/bc₁)·m / (√v/√bc₂ + ε).
#include <cmath>

#include "kernels/raw/optimizer.h"
#include "kernels/cuda/common.cuh"

namespace pigment::cuda {

namespace {
struct AdamScalars {
  float b1, b2, one_minus_b1, one_minus_b2, step_size, bc2_sqrt, eps;
};

__device__ __forceinline__ void adam_update(const AdamScalars& s, float g, float& m, float& v, float& p) {
  m = m * s.b1 + g * s.one_minus_b1;
  v = v * s.b2 + g * g * s.one_minus_b2;
  const float denom = sqrtf(v) / s.bc2_sqrt + s.eps;
  p = p - s.step_size * (m / denom);
}

__global__ void adam_kernel(std::int64_t n, AdamScalars s, float* param, const float* grad, float* exp_avg,
                            float* exp_avg_sq) {
  PIGMENT_GRID_STRIDE_LOOP(i, n) adam_update(s, grad[i], exp_avg[i], exp_avg_sq[i], param[i]);
}

__global__ void adam_vec4_kernel(std::int64_t n, AdamScalars s, float* param, const float* grad, float* exp_avg,
                                 float* exp_avg_sq) {
  const std::int64_t quads = n / 4;
  PIGMENT_GRID_STRIDE_LOOP(q, quads) {
    const float4 g = load<float4>(grad, q);
    float4 m = load<float4>(exp_avg, q), v = load<float4>(exp_avg_sq, q), p = load<float4>(param, q);
    adam_update(s, g.x, m.x, v.x, p.x);
    adam_update(s, g.y, m.y, v.y, p.y);
    adam_update(s, g.z, m.z, v.z, p.z);
    adam_update(s, g.w, m.w, v.w, p.w);
    store(exp_avg, q, m);
    store(exp_avg_sq, q, v);
    store(param, q, p);
  }
  const std::int64_t tail = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (tail < n - 4 * quads) {
    const std::int64_t i = 4 * quads + tail;
    adam_update(s, grad[i], exp_avg[i], exp_avg_sq[i], param[i]);
  }
}
}  // namespace

void adam_step(CudaContext& ctx, std::int64_t n, float* param, const float* grad, float* exp_avg, float* exp_avg_sq,
               double lr, double beta1, double beta2, double eps, std::int64_t step) {
  if (n <= 0) return;
  const double bc1 = 1.0 - std::pow(beta1, static_cast<double>(step));
  const double bc2_sqrt = std::sqrt(1.0 - std::pow(beta2, static_cast<double>(step)));
  AdamScalars s;
  s.b1 = static_cast<float>(beta1);
  s.b2 = static_cast<float>(beta2);
  s.one_minus_b1 = static_cast<float>(1.0 - beta1);
  s.one_minus_b2 = static_cast<float>(1.0 - beta2);
  s.step_size = static_cast<float>(lr / bc1);
  s.bc2_sqrt = static_cast<float>(bc2_sqrt);
  s.eps = static_cast<float>(eps);
  if (is_aligned16(param) && is_aligned16(grad) && is_aligned16(exp_avg) && is_aligned16(exp_avg_sq))
    launch(ctx, "adam_step", grid_for(ctx, n / 4 > 0 ? n / 4 : 1), kThreads, 0, adam_vec4_kernel, n, s, param, grad,
           exp_avg, exp_avg_sq);
  else
    launch(ctx, "adam_step", grid_for(ctx, n), kThreads, 0, adam_kernel, n, s, param, grad, exp_avg, exp_avg_sq);
}

}  // namespace pigment::cuda
