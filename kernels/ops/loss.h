#pragma once
// The GAN and reconstruction losses, mean over all n elements, each returning a scalar:
//   l1_loss(x, t)              = mean |x − t|                                 dx = sign(x − t)/n
//   mse_loss(x, t)             = mean (x − t)²                                dx = 2(x − t)/n
//   bce_with_logits_loss(x, t) = mean max(x, 0) − x·t + log(1 + e^{−|x|})     dx = (σ(x) − t)/n
//   smooth_l1_loss(x, t)       = mean ½d² if |d| < 1, else |d| − ½ (d = x − t) dx = clamp(d, −1, 1)/n
// (the log-sum-exp form of −t·log σ(x) − (1 − t)·log(1 − σ(x)), finite for any x; smooth L1 is
// PyTorch's SmoothL1Loss with β = 1, the memory colorizer's ab loss). The target gradient is −dx
// for L1, MSE and smooth L1, and −x/n for BCE. Each backward multiplies by the scalar dy.
//
// Over rows of distributions, [N, Q] logits z and targets t (rows of t sum to 1):
//   kl_divergence_loss(z, t)   = mean_n Σ_j t_j·(log t_j − log softmax(z)_j)   dz = (softmax(z)·Σt − t)/N
// KL(t ‖ softmax(z)) in nats, a bin with t_j = 0 adding 0 (0·log 0 = 0: the empty-bin guard, where
// a plain t·log t is NaN). The memory colorizer's key network learns the images' ab distributions
// with it. The target takes no gradient.
#include "kernels/ops/runner.h"
#include "kernels/raw/loss.h"

// This family's ops, on the registry (kernels/ops/registry.h).
#define PIGMENT_LOSS_OPS(X) X(l1_loss) X(mse_loss) X(bce_with_logits_loss) X(smooth_l1_loss) X(kl_divergence_loss)

namespace pigment {

Tensor l1_loss(const Tensor& x, const Tensor& target);
Tensor mse_loss(const Tensor& x, const Tensor& target);
Tensor bce_with_logits_loss(const Tensor& x, const Tensor& target);
Tensor smooth_l1_loss(const Tensor& x, const Tensor& target);
Tensor kl_divergence_loss(const Tensor& logits, const Tensor& target);

namespace detail {
// The shared body of the three loss ops (kernels/ops/l1_loss.cpp).
template <OpId op> Tensor loss(LossKind kind, const Tensor& x, const Tensor& target);
}  // namespace detail

}  // namespace pigment
