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
#include "kernels/ops/runner.h"
#include "kernels/raw/norm.h"

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


}  // namespace pigment
