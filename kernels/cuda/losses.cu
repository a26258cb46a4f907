// The mean losses on CUDA (formulas in kernels/ops/loss.h), in float.
// Forward: a deterministic two-stage sum (common.cuh: sum_to_scalar) of the pointwise loss,
// divided by n. Backward: element-wise, each gradient times dy/n with dy read on the device (the
// scalar gradient of the loss), so nothing waits for the host.
#include "kernels/cuda/common.cuh"
#include "kernels/raw/loss.h"

namespace pigment::cuda {

namespace {
__device__ __forceinline__ float pointwise_loss(LossKind kind, float u, float v) {
  switch (kind) {
    case LossKind::l1: return fabsf(u - v);
    case LossKind::mse: return (u - v) * (u - v);
    case LossKind::bce_with_logits: return fmaxf(u, 0.0f) - u * v + log1pf(expf(-fabsf(u)));
    case LossKind::smooth_l1: {
      const float d = fabsf(u - v);
      return d < 1.0f ? 0.5f * d * d : d - 0.5f;
    }
  }
  return 0.0f;
}

struct PointwiseLoss {
  LossKind kind;
  const float* x;
  const float* t;
  __device__ float operator()(std::int64_t i) const { return pointwise_loss(kind, x[i], t[i]); }
};

// dx_i = (dy/n)·∂loss_i/∂x_i, dt_i = (dy/n)·∂loss_i/∂t_i; either output may be null.
struct LossBackward {
  LossKind kind;
  std::int64_t n;
  const float* x;
  const float* t;
  const float* dy;
  float* dx;
  float* dt;
  __device__ void operator()(std::int64_t i) const {
    const float scale = static_cast<float>(static_cast<double>(*dy) / static_cast<double>(n));
    const float u = x[i], v = t[i];
    float gx = 0.0f, gt = 0.0f;
    switch (kind) {
      case LossKind::l1:
        gx = u > v ? 1.0f : (u < v ? -1.0f : 0.0f);
        gt = -gx;
        break;
      case LossKind::mse:
        gx = 2.0f * (u - v);
        gt = -gx;
        break;
      case LossKind::bce_with_logits: {
        const float sigma = u >= 0.0f ? 1.0f / (1.0f + expf(-u)) : expf(u) / (1.0f + expf(u));
        gx = sigma - v;
        gt = -u;
        break;
      }
      case LossKind::smooth_l1:
        gx = fminf(fmaxf(u - v, -1.0f), 1.0f);
        gt = -gx;
        break;
    }
    if (dx) dx[i] = scale * gx;
    if (dt) dt[i] = scale * gt;
  }
};
}  // namespace

void loss_forward(CudaContext& ctx, LossKind kind, std::int64_t n, const float* x, const float* t, float* out) {
  sum_to_scalar(ctx, "loss_forward", n, PointwiseLoss{kind, x, t}, 1.0 / static_cast<double>(n), out);
}

void loss_backward(CudaContext& ctx, LossKind kind, std::int64_t n, const float* x, const float* t, const float* dy,
                   float* dx, float* dt) {
  if (!dx && !dt) return;
  for_each(ctx, "loss_backward", n, LossBackward{kind, n, x, t, dy, dx, dt});
}

}  // namespace pigment::cuda
