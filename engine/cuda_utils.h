#pragma once
// Element-wise helpers the engine needs on CUDA tensors (fill, scaled add). Implemented in
// engine/cuda/tensor_kernels.cu; declared here without CUDA headers so that engine code can call
// them behind `if constexpr (kCudaBuilt)`.
#include <cstdint>

#include "engine/context.h"
#include "engine/dtype.h"

namespace pigment::cuda_utils {

void fill(Context& ctx, void* dst, std::int64_t n, double value, DType dtype);
// y += alpha * x over n float32 elements.
void axpy(Context& ctx, float* y, const float* x, std::int64_t n, float alpha);

}  // namespace pigment::cuda_utils
