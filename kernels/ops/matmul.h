#pragma once
// Matrix products with optional transposes: C = op(A)·op(B), op(M) = M or Mᵀ.
//   matmul: A, B 2-D.      bmm: A [B, ·, ·], B [B, ·, ·], one product per batch entry.
// Backward (for op(A) = A, op(B) = B; the transposed cases follow by transposing):
//   dA = dC·Bᵀ,  dB = Aᵀ·dC — each a matmul again, so double backward holds.
#include "kernels/ops/runner.h"
#include "kernels/raw/matmul.h"

// This family's ops, on the registry (kernels/ops/registry.h).
#define PIGMENT_MATMUL_OPS(X) X(matmul) X(bmm)

namespace pigment {

Tensor matmul(const Tensor& a, const Tensor& b, bool trans_a = false, bool trans_b = false);
Tensor bmm(const Tensor& a, const Tensor& b, bool trans_a = false, bool trans_b = false);

}  // namespace pigment
