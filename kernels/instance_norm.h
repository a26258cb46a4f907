#pragma once
// Instance normalisation (PyTorch's InstanceNorm2d without running statistics): each (n, c)
// plane of M = H·W pixels is normalised by its own mean μ and biased variance σ²,
//   x̂ = (x − μ)·r,  r = 1/√(σ² + ε),  z = γ_c·x̂ + β_c   (γ, β optional: affine),
// and, fused into the same pass because the networks always follow the norm with them, the
// activation and the residual add:
//   y = act(z) + residual,  act(z) = z > 0 ? z : s·z   (s = 1: none, 0: ReLU, 0.2: LeakyReLU).
// Backward (docs/backward.md), with dz = dy·act'(z) (z recomputed from x, μ, r, γ, β),
// g = dz·γ_c and means over the plane:
//   dx = r·(g − mean(g) − x̂·mean(g·x̂)),  dγ_c = Σ_{n,plane} dz·x̂,  dβ_c = Σ_{n,plane} dz,
//   d residual = dy.
// The rule calls the kernel directly; when the backward pass is itself recorded (create_graph),
// it runs the same formula through differentiable ops instead, so double backward holds.
#include "kernels/op.h"

namespace pigment {

// The activation fused after a norm: act(z) = z > 0 ? z : negative_slope·z.
struct NormActivation {
  double negative_slope = 1.0;  // 1: none
  static NormActivation none() { return {1.0}; }
  static NormActivation relu() { return {0.0}; }
  static NormActivation leaky_relu(double slope) { return {slope}; }
  bool is_none() const { return negative_slope == 1.0; }
};

// residual, when given, has x's shape.
Tensor instance_norm(const Tensor& x, const Tensor& gamma = Tensor(), const Tensor& beta = Tensor(),
                     double eps = 1e-5, NormActivation activation = {}, const Tensor& residual = Tensor());

template <> struct OpTraits<OpId::instance_norm> { static constexpr bool has_cuda = true; };

namespace cpu {
// mean and rstd receive the statistics of each of the n·c planes; γ, β and residual may be null;
// slope is the activation's negative slope (1: none).
template <class T>
void instance_norm_forward(std::int64_t n, std::int64_t c, std::int64_t plane, const T* x, const T* gamma,
                           const T* beta, T eps, T slope, const T* residual, T* y, T* mean, T* rstd);
// dx, dgamma, dbeta may each be null (not needed). dy is the gradient of y; the residual's is dy.
template <class T>
void instance_norm_backward(std::int64_t n, std::int64_t c, std::int64_t plane, const T* dy, const T* x,
                            const T* mean, const T* rstd, const T* gamma, const T* beta, T slope, T* dx, T* dgamma,
                            T* dbeta);
}  // namespace cpu

namespace cuda {
// The contracts of the CPU kernels.
void instance_norm_forward(CudaContext& ctx, std::int64_t n, std::int64_t c, std::int64_t plane, const float* x,
                           const float* gamma, const float* beta, float eps, float slope, const float* residual,
                           float* y, float* mean, float* rstd);
void instance_norm_backward(CudaContext& ctx, std::int64_t n, std::int64_t c, std::int64_t plane, const float* dy,
                            const float* x, const float* mean, const float* rstd, const float* gamma,
                            const float* beta, float slope, float* dx, float* dgamma, float* dbeta);
}  // namespace cuda

}  // namespace pigment
