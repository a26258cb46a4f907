// L2 normalisation of rows on CUDA, a row per warp or per block (launch_rows, common.cuh), in
// float, the CPU reference's formulas (kernels/raw/norm.h):
//   forward:  m = max(‖x‖, ε),  y = x / m
//   backward: dx = (dy − y·⟨y, dy⟩) / m where m > ε, dy / m otherwise
// The row sums combine in a fixed order: deterministic.
#include "kernels/cuda/common.cuh"
#include "kernels/raw/norm.h"

namespace pigment::cuda {

namespace {
__global__ void l2_normalize_forward_kernel(std::int64_t rows, std::int64_t cols, float eps, const float* x, float* y,
                                            float* norm) {
  __shared__ float scratch[32];
  for (std::int64_t row = static_cast<std::int64_t>(blockIdx.x) * blockDim.y + threadIdx.y; row < rows;
       row += static_cast<std::int64_t>(gridDim.x) * blockDim.y) {
    const float* in = x + row * cols;
    float squares = 0.0f;
    for (std::int64_t j = threadIdx.x; j < cols; j += blockDim.x) squares += in[j] * in[j];
    const float m = fmaxf(sqrtf(row_sum(squares, scratch)), eps);
    for (std::int64_t j = threadIdx.x; j < cols; j += blockDim.x) y[row * cols + j] = in[j] / m;
    if (threadIdx.x == 0) norm[row] = m;
  }
}

__global__ void l2_normalize_backward_kernel(std::int64_t rows, std::int64_t cols, float eps, const float* dy,
                                             const float* y, const float* norm, float* dx) {
  __shared__ float scratch[32];
  for (std::int64_t row = static_cast<std::int64_t>(blockIdx.x) * blockDim.y + threadIdx.y; row < rows;
       row += static_cast<std::int64_t>(gridDim.x) * blockDim.y) {
    const float *g = dy + row * cols, *u = y + row * cols;
    const float m = norm[row];
    float dot = 0.0f;
    for (std::int64_t j = threadIdx.x; j < cols; j += blockDim.x) dot += u[j] * g[j];
    dot = m > eps ? row_sum(dot, scratch) : 0.0f;
    for (std::int64_t j = threadIdx.x; j < cols; j += blockDim.x) dx[row * cols + j] = (g[j] - u[j] * dot) / m;
  }
}
}  // namespace

void l2_normalize_forward(CudaContext& ctx, std::int64_t rows, std::int64_t cols, float eps, const float* x, float* y,
                          float* norm) {
  launch_rows(ctx, "l2_normalize_forward", rows, cols, l2_normalize_forward_kernel, eps, x, y, norm);
}

void l2_normalize_backward(CudaContext& ctx, std::int64_t rows, std::int64_t cols, float eps, const float* dy,
                           const float* y, const float* norm, float* dx) {
  launch_rows(ctx, "l2_normalize_backward", rows, cols, l2_normalize_backward_kernel, eps, dy, y, norm, dx);
}

}  // namespace pigment::cuda
