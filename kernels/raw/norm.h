#pragma once
// The normalisation kernels: instance norm over (n, c) planes and batch norm over channels, with
// per-group mean and rstd = 1/√(σ² + ε) kept for the backward. The differentiable ops and their
// math are kernels/ops/norm.h and kernels/ops/norm.h.
#include <cstdint>

#include "engine/context.h"

namespace pigment {

namespace cpu {
// Instance norm: mean and rstd receive the statistics of each of the n·c planes; γ, β and residual
// may be null; slope is the fused activation's negative slope (1: none):
//   y = act(γ_c·(x − μ)·r + β_c) + residual.
template <class T>
void instance_norm_forward(std::int64_t n, std::int64_t c, std::int64_t plane, const T* x, const T* gamma,
                           const T* beta, T eps, T slope, const T* residual, T* y, T* mean, T* rstd);
// dx, dgamma, dbeta may each be null (not needed). dy is the gradient of y; the residual's is dy.
template <class T>
void instance_norm_backward(std::int64_t n, std::int64_t c, std::int64_t plane, const T* dy, const T* x,
                            const T* mean, const T* rstd, const T* gamma, const T* beta, T slope, T* dx, T* dgamma,
                            T* dbeta);

// Batch norm, training statistics of each channel over (n, plane) into mean and rstd.
template <class T>
void batch_norm_statistics(std::int64_t n, std::int64_t c, std::int64_t plane, const T* x, T eps, T* mean, T* rstd,
                           T* biased_var);
// y = γ·(x − mean)·rstd + β with per-channel mean and rstd.
template <class T>
void batch_norm_apply(std::int64_t n, std::int64_t c, std::int64_t plane, const T* x, const T* mean, const T* rstd,
                      const T* gamma, const T* beta, T* y);
// training: the full rule; otherwise dx = dy·γ·rstd. dx, dgamma, dbeta may be null.
template <class T>
void batch_norm_backward(std::int64_t n, std::int64_t c, std::int64_t plane, bool training, const T* dy, const T* x,
                         const T* mean, const T* rstd, const T* gamma, T* dx, T* dgamma, T* dbeta);
}  // namespace cpu

namespace cuda {
// The contracts of the CPU kernels.
void instance_norm_forward(CudaContext& ctx, std::int64_t n, std::int64_t c, std::int64_t plane, const float* x,
                           const float* gamma, const float* beta, float eps, float slope, const float* residual,
                           float* y, float* mean, float* rstd);
void instance_norm_backward(CudaContext& ctx, std::int64_t n, std::int64_t c, std::int64_t plane, const float* dy,
                            const float* x, const float* mean, const float* rstd, const float* gamma,
                            const float* beta, float slope, float* dx, float* dgamma, float* dbeta);

// Training statistics (mean, rstd per channel) and, when running_mean is not null, the update
// running ← (1 − momentum)·running + momentum·(μ, unbiased σ²), all on the device.
void batch_norm_statistics(CudaContext& ctx, std::int64_t n, std::int64_t c, std::int64_t plane, const float* x,
                           float eps, double momentum, float* mean, float* rstd, float* running_mean,
                           float* running_var);
// Evaluation statistics: mean = running_mean, rstd = 1/√(running_var + ε).
void batch_norm_eval_statistics(CudaContext& ctx, std::int64_t c, const float* running_mean, const float* running_var,
                                double eps, float* mean, float* rstd);
void batch_norm_apply(CudaContext& ctx, std::int64_t n, std::int64_t c, std::int64_t plane, const float* x,
                      const float* mean, const float* rstd, const float* gamma, const float* beta, float* y);
void batch_norm_backward(CudaContext& ctx, std::int64_t n, std::int64_t c, std::int64_t plane, bool training,
                         const float* dy, const float* x, const float* mean, const float* rstd, const float* gamma,
                         float* dx, float* dgamma, float* dbeta);
}  // namespace cuda

}  // namespace pigment
