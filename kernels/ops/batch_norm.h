#pragma once
// Batch normalisation (PyTorch's BatchNorm2d). Training: each channel is normalised over the
// batch and the pixels, M = N·H·W values, by their mean μ_c and biased variance σ²_c, and the
// running statistics move towards them:
//   running_mean ← (1 − m)·running_mean + m·μ_c,  running_var ← (1 − m)·running_var + m·σ²_c·M/(M−1).
// Evaluation: the running statistics are used instead and nothing is updated.
//   x̂ = (x − μ)·r,  r = 1/√(σ² + ε),  y = γ_c·x̂ + β_c.
// Backward in training is instance norm's with the channel as the group; in evaluation the map is
// affine: dx = dy·γ_c·r.
#include "kernels/ops/runner.h"
#include "kernels/raw/norm.h"

namespace pigment {

struct BatchNormParams {
  bool training = true;
  double momentum = 0.1;
  double eps = 1e-5;
};

// running_mean and running_var ([C], no gradient) are read in evaluation and updated in place in
// training (either may be undefined in training: no running statistics).
Tensor batch_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, const Tensor& running_mean,
                  const Tensor& running_var, BatchNormParams p);


}  // namespace pigment
