#pragma once
// The loss kernels: mean over n elements of l1 |x − t|, mse (x − t)², BCE with logits
// max(x, 0) − x·t + log(1 + e^{−|x|}), or smooth L1 (½d² inside |d| < 1, |d| − ½ outside), and
// their gradients scaled by the scalar dy (the math is in kernels/ops/loss.h).
#include <cstdint>

#include "engine/context.h"

namespace pigment {

enum class LossKind { l1, mse, bce_with_logits, smooth_l1 };

namespace cpu {
// *out = the mean loss (accumulated in double).
template <class T> void loss_forward(LossKind kind, std::int64_t n, const T* x, const T* t, T* out);
// dx, dt (either may be null) = dy · ∂loss/∂x, ∂loss/∂t.
template <class T> void loss_backward(LossKind kind, std::int64_t n, const T* x, const T* t, const T* dy, T* dx, T* dt);
}  // namespace cpu

namespace cuda {
// *out (a device scalar) = the mean loss, summed in a fixed order (deterministic).
void loss_forward(CudaContext& ctx, LossKind kind, std::int64_t n, const float* x, const float* t, float* out);
// dy is a device scalar; dx, dt (either may be null) as in cpu::loss_backward.
void loss_backward(CudaContext& ctx, LossKind kind, std::int64_t n, const float* x, const float* t, const float* dy,
                   float* dx, float* dt);
}  // namespace cuda

}  // namespace pigment
