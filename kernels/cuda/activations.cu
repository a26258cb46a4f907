// tanh and sigmoid and their backward rules on CUDA: element-wise maps (float4 when aligned).
// The formulas are the CPU reference's (kernels/raw/pointwise.h), in float.
#include "kernels/raw/pointwise.h"
#include "kernels/cuda/common.cuh"

namespace pigment::cuda {

namespace {
struct Tanh {
  __device__ float operator()(float v) const { return tanhf(v); }
};
// dx = dy · (1 − y²)
struct TanhBackward {
  __device__ float operator()(float g, float y) const { return g * (1.0f - y * y); }
};
// σ(x) = 1 / (1 + e^{−x}), as e^{x} / (1 + e^{x}) for x < 0 so that e^{−x} never overflows.
struct Sigmoid {
  __device__ float operator()(float v) const {
    if (v >= 0.0f) return 1.0f / (1.0f + expf(-v));
    const float e = expf(v);
    return e / (1.0f + e);
  }
};
// dx = dy · y · (1 − y)
struct SigmoidBackward {
  __device__ float operator()(float g, float y) const { return g * y * (1.0f - y); }
};
}  // namespace

void tanh_forward(CudaContext& ctx, std::int64_t n, const float* x, float* y) {
  map_unary(ctx, "tanh_forward", n, x, y, Tanh{});
}
void tanh_backward(CudaContext& ctx, std::int64_t n, const float* dy, const float* y, float* dx) {
  map_binary(ctx, "tanh_backward", n, dy, y, dx, TanhBackward{});
}
void sigmoid_forward(CudaContext& ctx, std::int64_t n, const float* x, float* y) {
  map_unary(ctx, "sigmoid_forward", n, x, y, Sigmoid{});
}
void sigmoid_backward(CudaContext& ctx, std::int64_t n, const float* dy, const float* y, float* dx) {
  map_binary(ctx, "sigmoid_backward", n, dy, y, dx, SigmoidBackward{});
}

}  // namespace pigment::cuda
