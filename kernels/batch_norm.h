#pragma once
// Batch normalisation (PyTorch's BatchNorm2d). Training: each channel is normalised over the
// batch and the pixels, M = N·H·W values, by their mean μ_c and biased variance σ²_c, and the
// running statistics move towards them:
//   running_mean ← (1 − m)·running_mean + m·μ_c,  running_var ← (1 − m)·running_var + m·σ²_c·M/(M−1).
// Evaluation: the running statistics are used instead and nothing is updated.
//   x̂ = (x − μ)·r,  r = 1/√(σ² + ε),  y = γ_c·x̂ + β_c.
// Backward in training is instance norm's with the channel as the group; in evaluation the map is
// affine: dx = dy·γ_c·r.
#include "kernels/op.h"

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

template <> struct OpTraits<OpId::batch_norm> { static constexpr bool has_cuda = false; };

namespace cpu {
// Training statistics of each channel over (n, plane) into mean and rstd.
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

}  // namespace pigment
