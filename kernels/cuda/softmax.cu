// Softmax over the last dimension on CUDA, a row per warp or per block (launch_rows, common.cuh).
// Rows are read three times (max, Σ, write) — from L1/L2 after the first. In float, the CPU reference's formulas:
//   forward:  m = max x,  y_j = e^{x_j − m} · (1 / Σ_k e^{x_k − m})
//   backward: dx_j = y_j · (dy_j − Σ_k dy_k·y_k)
#include "kernels/cuda/common.cuh"
#include "kernels/raw/reduce.h"

namespace pigment::cuda {

namespace {
__global__ void softmax_forward_kernel(std::int64_t rows, std::int64_t cols, const float* x, float* y) {
  __shared__ float scratch[32];
  for (std::int64_t row = static_cast<std::int64_t>(blockIdx.x) * blockDim.y + threadIdx.y; row < rows;
       row += static_cast<std::int64_t>(gridDim.x) * blockDim.y) {
    const float* in = x + row * cols;
    float* out = y + row * cols;
    float m = -INFINITY;
    for (std::int64_t j = threadIdx.x; j < cols; j += blockDim.x) m = fmaxf(m, in[j]);
    m = row_max(m, scratch);
    float total = 0.0f;
    for (std::int64_t j = threadIdx.x; j < cols; j += blockDim.x) total += expf(in[j] - m);
    const float inv = 1.0f / row_sum(total, scratch);
    for (std::int64_t j = threadIdx.x; j < cols; j += blockDim.x) out[j] = expf(in[j] - m) * inv;
  }
}

__global__ void softmax_backward_kernel(std::int64_t rows, std::int64_t cols, const float* dy, const float* y,
                                        float* dx) {
  __shared__ float scratch[32];
  for (std::int64_t row = static_cast<std::int64_t>(blockIdx.x) * blockDim.y + threadIdx.y; row < rows;
       row += static_cast<std::int64_t>(gridDim.x) * blockDim.y) {
    const float* g = dy + row * cols;
    const float* p = y + row * cols;
    float dot = 0.0f;
    for (std::int64_t j = threadIdx.x; j < cols; j += blockDim.x) dot += g[j] * p[j];
    dot = row_sum(dot, scratch);
    for (std::int64_t j = threadIdx.x; j < cols; j += blockDim.x) dx[row * cols + j] = p[j] * (g[j] - dot);
  }
}

}  // namespace

void softmax_forward(CudaContext& ctx, std::int64_t rows, std::int64_t cols, const float* x, float* y) {
  launch_rows(ctx, "softmax_forward", rows, cols, softmax_forward_kernel, x, y);
}

void softmax_backward(CudaContext& ctx, std::int64_t rows, std::int64_t cols, const float* dy, const float* y,
                      float* dx) {
  launch_rows(ctx, "softmax_backward", rows, cols, softmax_backward_kernel, dy, y, dx);
}

}  // namespace pigment::cuda
