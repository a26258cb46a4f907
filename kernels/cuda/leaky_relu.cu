// leaky_relu and its backward on CUDA (relu is slope 0): one element per thread-iteration.
#include "kernels/cuda/common.cuh"
#include "kernels/raw/pointwise.h"

namespace pigment::cuda {

namespace {
struct LeakyForward {
  const float* x;
  float slope;
  float* y;
  __device__ void operator()(std::int64_t i) const {
    const float v = x[i];
    // ReLU: +0 even at −∞, NaN stays NaN (as the CPU and PyTorch).
    y[i] = v > 0.0f ? v : (slope != 0.0f ? slope * v : (v != v ? v : 0.0f));
  }
};
struct LeakyBackward {
  const float* dy;
  const float* x;
  float slope;
  float* dx;
  __device__ void operator()(std::int64_t i) const { dx[i] = x[i] > 0.0f ? dy[i] : (slope != 0.0f ? slope * dy[i] : 0.0f); }
};
}  // namespace

void leaky_relu_forward(CudaContext& ctx, std::int64_t n, const float* x, float slope, float* y) {
  for_each(ctx, "leaky_relu_forward", n, LeakyForward{x, slope, y});
}

void leaky_relu_backward(CudaContext& ctx, std::int64_t n, const float* dy, const float* x, float slope, float* dx) {
  for_each(ctx, "leaky_relu_backward", n, LeakyBackward{dy, x, slope, dx});
}

}  // namespace pigment::cuda
