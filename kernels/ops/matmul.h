#pragma once
// Matrix products with optional transposes: C = op(A)·op(B), op(M) = M or Mᵀ.
//   matmul: A, B 2-D.      bmm: A [B, ·, ·], B [B, ·, ·], one product per batch entry.
// Backward (for op(A) = A, op(B) = B; the transposed cases follow by transposing):
//   dA = dC·Bᵀ,  dB = Aᵀ·dC — each a matmul again, so double backward holds.
#include "kernels/ops/runner.h"
#include "kernels/raw/matmul.h"

// This family's ops, on the registry (kernels/ops/registry.h).
#define PIGMENT_MATMUL_OPS(X) X(matmul) X(bmm) X(linear)

namespace pigment {

Tensor matmul(const Tensor& a, const Tensor& b, bool trans_a = false, bool trans_b = false);
Tensor bmm(const Tensor& a, const Tensor& b, bool trans_a = false, bool trans_b = false);

// A fully connected layer (PyTorch's nn.Linear): x [N, I], weight [O, I], optional bias [O],
//   y = x·Wᵀ + b                                   (the product, then the bias added to each row)
// Backward: dx = dy·W, dW = dyᵀ·x, db = Σ_rows dy — matmuls and a sum, so double backward holds.
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor());

}  // namespace pigment
