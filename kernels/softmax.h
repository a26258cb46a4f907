#pragma once
// Softmax over the last dimension, max-subtracted for range safety:
//   y_j = exp(x_j − max x) / Σ_k exp(x_k − max x).
// Backward: dx = y ⊙ (dy − Σ_j dy_j·y_j) per row. The rule reads y: no double backward.
#include "kernels/op.h"

namespace pigment {

Tensor softmax(const Tensor& x);

template <> struct OpTraits<OpId::softmax> { static constexpr bool has_cuda = true; };

namespace cpu {
template <class T> void softmax_forward(std::int64_t rows, std::int64_t cols, const T* x, T* y);
template <class T> void softmax_backward(std::int64_t rows, std::int64_t cols, const T* dy, const T* y, T* dx);
}  // namespace cpu

namespace cuda {
void softmax_forward(CudaContext& ctx, std::int64_t rows, std::int64_t cols, const float* x, float* y);
void softmax_backward(CudaContext& ctx, std::int64_t rows, std::int64_t cols, const float* dy, const float* y,
                      float* dx);
}  // namespace cuda

}  // namespace pigment
