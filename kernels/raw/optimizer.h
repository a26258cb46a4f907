#pragma once
// The optimizer kernels: the Adam update (the optimizer itself is engine/adam.h). One launch
// updates a whole flat parameter buffer: m, v and p in a single pass, 28 bytes of traffic per
// float parameter. The CPU reference is defined at the end of this file.
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "engine/context.h"
#include "kernels/cpu/elementwise.h"

namespace pigment {

namespace cpu {
template <class T>
void adam_step(std::int64_t n, T* param, const T* grad, T* exp_avg, T* exp_avg_sq, double lr, double beta1,
               double beta2, double eps, std::int64_t step);
}  // namespace cpu

namespace cuda {
// The same update on float32 device buffers, on ctx's stream (kernels/cuda/adam.cu).
void adam_step(CudaContext& ctx, std::int64_t n, float* param, const float* grad, float* exp_avg, float* exp_avg_sq,
               double lr, double beta1, double beta2, double eps, std::int64_t step);
}  // namespace cuda

// ---- The CPU reference: the contract's executable statement, in float and double --------------
namespace cpu {

// The fused Adam update of the CPU backend: one pass over the flat parameter buffer.
template <class T>
void adam_step(std::int64_t n, T* param, const T* grad, T* exp_avg, T* exp_avg_sq, double lr, double beta1,
               double beta2, double eps, std::int64_t step) {
  // The scalars as PyTorch computes them (in double on the host), the element math in T in
  // PyTorch's order: m.mul_(β₁).add_(g, 1−β₁); v.mul_(β₂).addcmul_(g, g, 1−β₂);
  // denom = v.sqrt() / √bc₂ + ε; p.addcdiv_(m, denom, −lr/bc₁).
  const double bc1 = 1.0 - std::pow(beta1, static_cast<double>(step));
  const double bc2_sqrt = std::sqrt(1.0 - std::pow(beta2, static_cast<double>(step)));
  const T b1 = static_cast<T>(beta1), b2 = static_cast<T>(beta2), one_minus_b1 = static_cast<T>(1.0 - beta1),
          one_minus_b2 = static_cast<T>(1.0 - beta2), step_size = static_cast<T>(lr / bc1),
          bc2s = static_cast<T>(bc2_sqrt), e = static_cast<T>(eps);
  const std::int64_t chunks = (n + kElementwiseChunk - 1) / kElementwiseChunk;
  parallel_for(chunks, kElementwiseChunk, [&](std::int64_t c) {
    const std::int64_t end = std::min(n, (c + 1) * kElementwiseChunk);
    for (std::int64_t i = c * kElementwiseChunk; i < end; ++i) {
      const T g = grad[i];
      exp_avg[i] = exp_avg[i] * b1 + g * one_minus_b1;
      exp_avg_sq[i] = exp_avg_sq[i] * b2 + g * g * one_minus_b2;
      const T denom = std::sqrt(exp_avg_sq[i]) / bc2s + e;
      param[i] = param[i] - step_size * (exp_avg[i] / denom);
    }
  });
}

}  // namespace cpu

}  // namespace pigment
