// y = x^e on CUDA, element-wise (float4 when aligned). Like the CPU reference, e = ½ and e = −½
// use a correctly rounded sqrt (and division); e = 1, 2, −1 are exact or correctly rounded
// products/quotients, which is what a correctly rounded pow returns; other exponents use powf.
#include "kernels/cuda/common.cuh"
#include "kernels/raw/pointwise.h"

namespace pigment::cuda {

namespace {
struct Sqrt {
  __device__ float operator()(float v) const { return sqrtf(v); }
};
struct InverseSqrt {
  __device__ float operator()(float v) const { return 1.0f / sqrtf(v); }
};
struct Identity {
  __device__ float operator()(float v) const { return v; }
};
struct Square {
  __device__ float operator()(float v) const { return v * v; }
};
struct Reciprocal {
  __device__ float operator()(float v) const { return 1.0f / v; }
};
struct Power {
  float exponent;
  __device__ float operator()(float v) const { return powf(v, exponent); }
};
}  // namespace

void pow_forward(CudaContext& ctx, std::int64_t n, const float* x, float exponent, float* y) {
  if (exponent == 0.5f) return map_unary(ctx, "pow_forward", n, x, y, Sqrt{});
  if (exponent == -0.5f) return map_unary(ctx, "pow_forward", n, x, y, InverseSqrt{});
  if (exponent == 1.0f) return map_unary(ctx, "pow_forward", n, x, y, Identity{});
  if (exponent == 2.0f) return map_unary(ctx, "pow_forward", n, x, y, Square{});
  if (exponent == -1.0f) return map_unary(ctx, "pow_forward", n, x, y, Reciprocal{});
  map_unary(ctx, "pow_forward", n, x, y, Power{exponent});
}

}  // namespace pigment::cuda
