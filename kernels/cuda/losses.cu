// The mean losses on CUDA (formulas in kernels/ops/loss.h), in float, and the KL loss of rows of
// logits against target distributions (a row per warp or block, launch_rows).
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

namespace {
// Row r's max and log Σ exp(z − max), returned to every thread of the row.
__device__ __forceinline__ void row_log_softmax_terms(const float* z, std::int64_t cols, float* scratch, float& max,
                                                      float& log_sum) {
  float m = -INFINITY;
  for (std::int64_t j = threadIdx.x; j < cols; j += blockDim.x) m = fmaxf(m, z[j]);
  max = row_max(m, scratch);
  float s = 0.0f;
  for (std::int64_t j = threadIdx.x; j < cols; j += blockDim.x) s += expf(z[j] - max);
  log_sum = logf(row_sum(s, scratch));
}

__global__ void kl_logits_rows_kernel(std::int64_t rows, std::int64_t cols, const float* z, const float* t,
                                      float* row_kl) {
  __shared__ float scratch[32];
  for (std::int64_t row = static_cast<std::int64_t>(blockIdx.x) * blockDim.y + threadIdx.y; row < rows;
       row += static_cast<std::int64_t>(gridDim.x) * blockDim.y) {
    const float *zr = z + row * cols, *tr = t + row * cols;
    float max, log_sum;
    row_log_softmax_terms(zr, cols, scratch, max, log_sum);
    float kl = 0.0f;
    for (std::int64_t j = threadIdx.x; j < cols; j += blockDim.x)
      if (tr[j] > 0.0f) kl += tr[j] * (logf(tr[j]) - (zr[j] - max - log_sum));
    kl = row_sum(kl, scratch);
    if (threadIdx.x == 0) row_kl[row] = kl;
  }
}

__global__ void kl_logits_backward_kernel(std::int64_t rows, std::int64_t cols, const float* z, const float* t,
                                          const float* dy, float* dz) {
  __shared__ float scratch[32];
  const float scale = static_cast<float>(static_cast<double>(*dy) / static_cast<double>(rows));
  for (std::int64_t row = static_cast<std::int64_t>(blockIdx.x) * blockDim.y + threadIdx.y; row < rows;
       row += static_cast<std::int64_t>(gridDim.x) * blockDim.y) {
    const float *zr = z + row * cols, *tr = t + row * cols;
    float max, log_sum;
    row_log_softmax_terms(zr, cols, scratch, max, log_sum);
    float mass = 0.0f;
    for (std::int64_t j = threadIdx.x; j < cols; j += blockDim.x) mass += tr[j];
    mass = row_sum(mass, scratch);
    for (std::int64_t j = threadIdx.x; j < cols; j += blockDim.x)
      dz[row * cols + j] = scale * (expf(zr[j] - max - log_sum) * mass - tr[j]);
  }
}

struct ReadRow {
  const float* values;
  __device__ float operator()(std::int64_t i) const { return values[i]; }
};
}  // namespace

void kl_logits_forward(CudaContext& ctx, std::int64_t rows, std::int64_t cols, const float* z, const float* t,
                       float* out) {
  DeviceBuffer row_kl(ctx, static_cast<std::size_t>(rows));
  launch_rows(ctx, "kl_logits_forward", rows, cols, kl_logits_rows_kernel, z, t, row_kl.get());
  sum_to_scalar(ctx, "kl_logits_forward", rows, ReadRow{row_kl.get()}, 1.0 / static_cast<double>(rows), out);
}

void kl_logits_backward(CudaContext& ctx, std::int64_t rows, std::int64_t cols, const float* z, const float* t,
                        const float* dy, float* dz) {
  launch_rows(ctx, "kl_logits_backward", rows, cols, kl_logits_backward_kernel, z, t, dy, dz);
}

void loss_forward(CudaContext& ctx, LossKind kind, std::int64_t n, const float* x, const float* t, float* out) {
  sum_to_scalar(ctx, "loss_forward", n, PointwiseLoss{kind, x, t}, 1.0 / static_cast<double>(n), out);
}

void loss_backward(CudaContext& ctx, LossKind kind, std::int64_t n, const float* x, const float* t, const float* dy,
                   float* dx, float* dt) {
  if (!dx && !dt) return;
  for_each(ctx, "loss_backward", n, LossBackward{kind, n, x, t, dy, dx, dt});
}

}  // namespace pigment::cuda
