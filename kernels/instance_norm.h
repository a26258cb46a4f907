#pragma once
// Instance normalisation (PyTorch's InstanceNorm2d without running statistics): each (n, c)
// plane of M = H·W pixels is normalised by its own mean μ and biased variance σ²,
//   x̂ = (x − μ)·r,  r = 1/√(σ² + ε),  y = γ_c·x̂ + β_c   (γ, β optional: affine).
// Backward (docs/backward.md), with g = dy·γ_c and means over the plane:
//   dx = r·(g − mean(g) − x̂·mean(g·x̂)),  dγ_c = Σ_{n,plane} dy·x̂,  dβ_c = Σ_{n,plane} dy.
// The rule calls the kernel directly; when the backward pass is itself recorded (create_graph),
// it runs the same formula through differentiable ops instead, so double backward holds.
#include "kernels/op.h"

namespace pigment {

Tensor instance_norm(const Tensor& x, const Tensor& gamma = Tensor(), const Tensor& beta = Tensor(),
                     double eps = 1e-5);

template <> struct OpTraits<OpId::instance_norm> { static constexpr bool has_cuda = true; };

namespace cpu {
// mean and rstd receive the statistics of each of the n·c planes.
template <class T>
void instance_norm_forward(std::int64_t n, std::int64_t c, std::int64_t plane, const T* x, const T* gamma,
                           const T* beta, T eps, T* y, T* mean, T* rstd);
// dx, dgamma, dbeta may each be null (not needed).
template <class T>
void instance_norm_backward(std::int64_t n, std::int64_t c, std::int64_t plane, const T* dy, const T* x,
                            const T* mean, const T* rstd, const T* gamma, T* dx, T* dgamma, T* dbeta);
}  // namespace cpu

namespace cuda {
// The contracts of the CPU kernels; γ, β (and in the backward dx, dγ, dβ) may be null.
void instance_norm_forward(CudaContext& ctx, std::int64_t n, std::int64_t c, std::int64_t plane, const float* x,
                           const float* gamma, const float* beta, float eps, float* y, float* mean, float* rstd);
void instance_norm_backward(CudaContext& ctx, std::int64_t n, std::int64_t c, std::int64_t plane, const float* dy,
                            const float* x, const float* mean, const float* rstd, const float* gamma, float* dx,
                            float* dgamma, float* dbeta);
}  // namespace cuda

}  // namespace pigment
