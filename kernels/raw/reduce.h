#pragma once
// Reductions: sums over dimensions and their adjoint broadcast (the kernels of sum, mean and
// expand), and softmax over the last dimension. `reduced` has the rank of `full` with 1 in every
// summed (or broadcast) dimension, up to 4 dimensions. Sums are in a fixed order: deterministic.
// The differentiable ops are kernels/ops/reduce.h and kernels/ops/reduce.h.
#include <cstdint>

#include "engine/context.h"
#include "engine/shape.h"

namespace pigment {

namespace cpu {
// y[reduced] = scale · Σ x[full] over the dimensions where reduced has 1. Accumulates in double.
template <class T> void reduce_sum(const Shape& full, const Shape& reduced, const T* x, T* y, double scale);
// y[full] = x[reduced] repeated along the dimensions where reduced has 1.
template <class T> void broadcast(const Shape& reduced, const Shape& full, const T* x, T* y);
// y_j = exp(x_j − max x) / Σ_k exp(x_k − max x) per row;  dx = y ⊙ (dy − Σ_j dy_j·y_j).
template <class T> void softmax_forward(std::int64_t rows, std::int64_t cols, const T* x, T* y);
template <class T> void softmax_backward(std::int64_t rows, std::int64_t cols, const T* dy, const T* y, T* dx);
// flag[0] = mark when flag[0] is 0 and some x_i is ±inf or NaN: the first mark of a series stays.
// The training loop's watch of every step's losses, which on a GPU needs no synchronisation.
template <class T> void mark_nonfinite(std::int64_t n, const T* x, T* flag, T mark);
}  // namespace cpu

namespace cuda {
void reduce_sum(CudaContext& ctx, const Shape& full, const Shape& reduced, const float* x, float* y, double scale);
void broadcast(CudaContext& ctx, const Shape& reduced, const Shape& full, const float* x, float* y);
void softmax_forward(CudaContext& ctx, std::int64_t rows, std::int64_t cols, const float* x, float* y);
void softmax_backward(CudaContext& ctx, std::int64_t rows, std::int64_t cols, const float* dy, const float* y,
                      float* dx);
void mark_nonfinite(CudaContext& ctx, std::int64_t n, const float* x, float* flag, float mark);
}  // namespace cuda

}  // namespace pigment
