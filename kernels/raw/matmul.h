#pragma once
// Matrix products of contiguous row-major matrices, C = op(A)·op(B) with op(M) = M or Mᵀ, on CUDA
// (the CPU side is the packed GEMM of kernels/cpu/gemm.h). The differentiable ops are
// kernels/ops/matmul.h.
#include <cstdint>

#include "engine/context.h"

namespace pigment::cuda {

// `batches` products C[b] = op(A[b])·op(B[b]), A[b] m×k after op, B[b] k×n, C[b] m×n.
void matmul(CudaContext& ctx, int batches, bool ta, bool tb, std::int64_t m, std::int64_t n, std::int64_t k,
            const float* a, const float* b, float* c);

}  // namespace pigment::cuda
