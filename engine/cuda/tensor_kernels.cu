// Element-wise helpers of the engine on CUDA tensors (engine/cuda_utils.h).
#include "engine/cuda/cuda_context.h"
#include "engine/cuda_utils.h"
#include "kernels/op.h"

namespace pigment::cuda_utils {

namespace {
template <class T> __global__ void fill_kernel(T* dst, std::int64_t n, T value) {
  for (std::int64_t i = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<std::int64_t>(gridDim.x) * blockDim.x)
    dst[i] = value;
}

__global__ void axpy_kernel(float* y, const float* x, std::int64_t n, float alpha) {
  for (std::int64_t i = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<std::int64_t>(gridDim.x) * blockDim.x)
    y[i] += alpha * x[i];
}

unsigned grid_for(std::int64_t n, const CudaContext& ctx) {
  const std::int64_t blocks = (n + 255) / 256;
  const std::int64_t cap = static_cast<std::int64_t>(ctx.sm_count()) * 8;
  return static_cast<unsigned>(blocks < cap ? (blocks > 0 ? blocks : 1) : cap);
}
}  // namespace

void fill(Context& context, void* dst, std::int64_t n, double value, DType dtype) {
  CudaContext& ctx = as_cuda(context);
  if (n == 0) return;
  if (dtype == DType::f32)
    fill_kernel<<<grid_for(n, ctx), 256, 0, ctx.stream()>>>(static_cast<float*>(dst), n, static_cast<float>(value));
  else
    fill_kernel<<<grid_for(n, ctx), 256, 0, ctx.stream()>>>(static_cast<double*>(dst), n, value);
  PIGMENT_CUDA_KERNEL_CHECK(ctx, "fill");
}

void axpy(Context& context, float* y, const float* x, std::int64_t n, float alpha) {
  CudaContext& ctx = as_cuda(context);
  if (n == 0) return;
  axpy_kernel<<<grid_for(n, ctx), 256, 0, ctx.stream()>>>(y, x, n, alpha);
  PIGMENT_CUDA_KERNEL_CHECK(ctx, "axpy");
}

}  // namespace pigment::cuda_utils
