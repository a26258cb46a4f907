// Element-wise helpers of the engine on CUDA tensors (engine/cuda_utils.h).
#include "engine/cuda/cuda_context.h"
#include "engine/cuda/launch.cuh"
#include "engine/cuda_utils.h"
#include "kernels/op.h"

namespace pigment::cuda_utils {

namespace {
template <class T> __global__ void fill_kernel(T* dst, std::int64_t n, T value) {
  PIGMENT_GRID_STRIDE_LOOP(i, n) dst[i] = value;
}

__global__ void axpy_kernel(float* y, const float* x, std::int64_t n, float alpha) {
  PIGMENT_GRID_STRIDE_LOOP(i, n) y[i] += alpha * x[i];
}

}  // namespace

void fill(Context& context, void* dst, std::int64_t n, double value, DType dtype) {
  CudaContext& ctx = as_cuda(context);
  if (n == 0) return;
  if (dtype == DType::f32)
    cuda::launch(ctx, "fill", cuda::grid_for(ctx, n), cuda::kThreads, 0, fill_kernel<float>, static_cast<float*>(dst), n,
                 static_cast<float>(value));
  else
    cuda::launch(ctx, "fill", cuda::grid_for(ctx, n), cuda::kThreads, 0, fill_kernel<double>, static_cast<double*>(dst),
                 n, value);
}

void axpy(Context& context, float* y, const float* x, std::int64_t n, float alpha) {
  CudaContext& ctx = as_cuda(context);
  if (n == 0) return;
  cuda::launch(ctx, "axpy", cuda::grid_for(ctx, n), cuda::kThreads, 0, axpy_kernel, y, x, n, alpha);
}

}  // namespace pigment::cuda_utils
