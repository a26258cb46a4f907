#pragma once
// The optimizer kernels: the Adam update (the optimizer itself is engine/adam.h). One launch
// updates a whole flat parameter buffer: m, v and p in a single pass, 28 bytes of traffic per
// float parameter.
#include <cstdint>

#include "engine/context.h"

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

}  // namespace pigment
