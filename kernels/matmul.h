#pragma once
// Matrix products with optional transposes: C = op(A)·op(B), op(M) = M or Mᵀ.
//   matmul: A, B 2-D.      bmm: A [B, ·, ·], B [B, ·, ·], one product per batch entry.
// Backward (for op(A) = A, op(B) = B; the transposed cases follow by transposing):
//   dA = dC·Bᵀ,  dB = Aᵀ·dC — each a matmul again, so double backward holds.
#include "kernels/op.h"

namespace pigment {

Tensor matmul(const Tensor& a, const Tensor& b, bool trans_a = false, bool trans_b = false);
Tensor bmm(const Tensor& a, const Tensor& b, bool trans_a = false, bool trans_b = false);

template <> struct OpTraits<OpId::matmul> { static constexpr bool has_cuda = true; };
template <> struct OpTraits<OpId::bmm> { static constexpr bool has_cuda = true; };

namespace cuda {
// `batches` products C[b] = op(A[b])·op(B[b]) of contiguous row-major matrices.
void matmul(CudaContext& ctx, int batches, bool ta, bool tb, std::int64_t m, std::int64_t n, std::int64_t k,
            const float* a, const float* b, float* c);
}

}  // namespace pigment
