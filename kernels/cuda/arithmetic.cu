// add, sub, mul and scale on CUDA: element-wise maps (float4 when aligned), the CPU reference's
// formulas (kernels/raw/pointwise.h) in float.
#include "kernels/raw/pointwise.h"
#include "kernels/cuda/common.cuh"

namespace pigment::cuda {

namespace {
struct Add {
  __device__ float operator()(float u, float v) const { return u + v; }
};
struct Sub {
  __device__ float operator()(float u, float v) const { return u - v; }
};
struct Mul {
  __device__ float operator()(float u, float v) const { return u * v; }
};
// α·x + β
struct Affine {
  float alpha, beta;
  __device__ float operator()(float v) const { return alpha * v + beta; }
};
}  // namespace

void add_forward(CudaContext& ctx, std::int64_t n, const float* a, const float* b, float* y) {
  map_binary(ctx, "add_forward", n, a, b, y, Add{});
}
void sub_forward(CudaContext& ctx, std::int64_t n, const float* a, const float* b, float* y) {
  map_binary(ctx, "sub_forward", n, a, b, y, Sub{});
}
void mul_forward(CudaContext& ctx, std::int64_t n, const float* a, const float* b, float* y) {
  map_binary(ctx, "mul_forward", n, a, b, y, Mul{});
}
void scale_forward(CudaContext& ctx, std::int64_t n, const float* x, float alpha, float beta, float* y) {
  map_unary(ctx, "scale_forward", n, x, y, Affine{alpha, beta});
}

}  // namespace pigment::cuda
