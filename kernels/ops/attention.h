#pragma once
// The SAGAN self-attention block as one op (Zhang et al. 2019). For each image, with
// X ∈ ℝ^{C×N} (N = H·W positions) and 1×1-conv projections:
//   Q = W_q X + b_q,  K = W_k X + b_k   (d×N, d = C/8 in the nets)     V = W_v X + b_v  (C×N)
//   S = QᵀK (N×N),  A = softmax of each row of S (over the source positions j),
//   O = V Aᵀ,  y = γ·O + X     (γ a learned scalar, 0 at initialisation)
// Backward (docs/backward.md), with dO = γ·dY:
//   dγ = Σ dY⊙O,  dV = dO·A,  dA = dOᵀV,  dS = A ⊙ (dA − rowsum(dA⊙A)),
//   dQ = K·dSᵀ,  dK = Q·dS,  dW_· = d(·)Xᵀ,  db_· = rowsum(d(·)),
//   dX = dY + W_qᵀdQ + W_kᵀdK + W_vᵀdV.
// The CPU reference materialises S (N×N); the CUDA kernel must not.
#include "kernels/ops/runner.h"
#include "kernels/raw/attention.h"

// This family's ops, on the registry (kernels/ops/registry.h).
#define PIGMENT_ATTENTION_OPS(X) X(self_attention)

namespace pigment {

// wq, wk: [d, C, 1, 1]; bq, bk: [d]; wv: [C, C, 1, 1]; bv: [C]; gamma: [1].
Tensor self_attention(const Tensor& x, const Tensor& wq, const Tensor& bq, const Tensor& wk, const Tensor& bk,
                      const Tensor& wv, const Tensor& bv, const Tensor& gamma);

// The same block as PyTorch's peer writes it — 1×1 convs, bmm, softmax over the materialised N×N
// scores, bmm — built from differentiable ops (so its backward is theirs). self_attention takes
// this path on CUDA when the context runs attention composed (--attention_impl composed; its
// products then run on the conv and matmul implementations chosen): the baseline the fused kernel
// is measured against.
Tensor self_attention_composed(const Tensor& x, const Tensor& wq, const Tensor& bq, const Tensor& wk,
                               const Tensor& bk, const Tensor& wv, const Tensor& bv, const Tensor& gamma);

}  // namespace pigment
