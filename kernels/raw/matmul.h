#pragma once
// Matrix products of contiguous row-major matrices, C = op(A)·op(B) with op(M) = M or Mᵀ, on CUDA
// (the CPU side is the packed GEMM of kernels/cpu/gemm.h), and the bias of a linear layer added to
// each row of its product. The differentiable ops are kernels/ops/matmul.h; the CPU reference of
// the bias is defined at the end of this file.
#include <cstdint>

#include "engine/context.h"
#include "kernels/cpu/parallel.h"

namespace pigment {

namespace cpu {
// y[r, j] += bias[j] for rows × cols row-major y.
template <class T> void add_row_bias(std::int64_t rows, std::int64_t cols, const T* bias, T* y);
}  // namespace cpu

namespace cuda {

// `batches` products C[b] = op(A[b])·op(B[b]), A[b] m×k after op, B[b] k×n, C[b] m×n.
void matmul(CudaContext& ctx, int batches, bool ta, bool tb, std::int64_t m, std::int64_t n, std::int64_t k,
            const float* a, const float* b, float* c);

void add_row_bias(CudaContext& ctx, std::int64_t rows, std::int64_t cols, const float* bias, float* y);
}  // namespace cuda

// ---- The CPU reference: the contract's executable statement, in float and double --------------
namespace cpu {

template <class T> void add_row_bias(std::int64_t rows, std::int64_t cols, const T* bias, T* y) {
  parallel_for(rows, cols, [&](std::int64_t r) {
    for (std::int64_t j = 0; j < cols; ++j) y[r * cols + j] += bias[j];
  });
}

}  // namespace cpu

}  // namespace pigment
