#pragma once
// Normalisations: instance norm (with its fused activation and residual) and batch norm.
// Each op's math is with its declaration below.
#include "kernels/ops/runner.h"
#include "engine/distributed/communicator.h"
#include "kernels/raw/norm.h"

// This family's ops, on the registry (kernels/ops/registry.h).
#define PIGMENT_NORM_OPS(X) X(instance_norm) X(batch_norm) X(l2_normalize) X(adain)

namespace pigment {

// ---- instance_norm -----------------------------------------------------------------------------
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

// ---- batch_norm --------------------------------------------------------------------------------
// Batch normalisation (PyTorch's BatchNorm2d). Training: each channel is normalised over the
// batch and the pixels, M = N·H·W values, by their mean μ_c and biased variance σ²_c, and the
// running statistics move towards them:
//   running_mean ← (1 − m)·running_mean + m·μ_c,  running_var ← (1 − m)·running_var + m·σ²_c·M/(M−1).
// Evaluation: the running statistics are used instead and nothing is updated.
//   x̂ = (x − μ)·r,  r = 1/√(σ² + ε),  y = γ_c·x̂ + β_c.
// Backward in training is instance norm's with the channel as the group; in evaluation the map is
// affine: dx = dy·γ_c·r.
// Synchronised (data parallelism, `sync` given, training): the statistics are of every rank's batch
// — Σx, then Σ(x − μ)², and the count added over the ranks (two all-reduces) — and so is the
// backward's: with Σdy and Σdy·x̂ added over the ranks, each rank's dx is its share of the gradient
// of the sum of the ranks' losses (PyTorch's SyncBatchNorm); dγ, dβ stay this rank's, averaged with
// the other gradients. One rank (a single communicator) computes exactly the plain rule. The CUDA
// backend composes the same rules of its raw kernels, the per-channel numbers on the host.
struct BatchNormParams {
  bool training = true;
  double momentum = 0.1;
  double eps = 1e-5;
  distributed::Communicator* sync = nullptr;
};

// running_mean and running_var ([C], no gradient) are read in evaluation and updated in place in
// training (either may be undefined in training: no running statistics).
Tensor batch_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, const Tensor& running_mean,
                  const Tensor& running_var, BatchNormParams p);

// ---- l2_normalize ------------------------------------------------------------------------------
// Each row of the last dimension scaled to unit length (PyTorch's F.normalize(x, p=2, dim=-1)):
//   y = x / m,  m = max(‖x‖₂, ε)
// — the memory colorizer's keys and queries, compared by cosine similarity. Backward: while
// ‖x‖ > ε, y is the projection onto the sphere and dx = (dy − y·⟨y, dy⟩) / m; a row shorter than ε
// is only scaled, dx = dy / ε. The rule reads y and m: no double backward.
Tensor l2_normalize(const Tensor& x, double eps = 1e-12);

// ---- adain ------------------------------------------------------------------------------------
// Adaptive instance normalisation (Huang & Belongie 2017, as MUNIT's generators use it): instance
// norm whose scale and shift are supplied per sample and channel, γ and β of shape [N, C] — the
// memory colorizer's generator computes them from the colour feature:
//   y = γ_nc·(x − μ_nc)·r_nc + β_nc
// Backward (instance norm's with a γ per plane): g = γ_nc·dy,
//   dx = r·(g − mean(g) − x̂·mean(g·x̂)),  dγ_nc = Σ_plane dy·x̂,  dβ_nc = Σ_plane dy.
// The rule calls the kernels: no double backward.
Tensor adain(const Tensor& x, const Tensor& gamma, const Tensor& beta, double eps = 1e-5);

}  // namespace pigment
