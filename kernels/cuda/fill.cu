// dst[i] = value on the device: the engine's Tensor::fill_ (kernels/raw/pointwise.h).
#include "kernels/cuda/common.cuh"
#include "kernels/raw/pointwise.h"

namespace pigment::cuda {

namespace {
template <class T> __global__ void fill_kernel(T* dst, std::int64_t n, T value) {
  PIGMENT_GRID_STRIDE_LOOP(i, n) dst[i] = value;
}
}  // namespace

void fill(CudaContext& ctx, void* dst, std::int64_t n, double value, DType dtype) {
  if (n <= 0) return;
  if (dtype == DType::f32)
    launch(ctx, "fill", grid_for(ctx, n), kThreads, 0, fill_kernel<float>, static_cast<float*>(dst), n,
           static_cast<float>(value));
  else
    launch(ctx, "fill", grid_for(ctx, n), kThreads, 0, fill_kernel<double>, static_cast<double*>(dst), n, value);
}

}  // namespace pigment::cuda
