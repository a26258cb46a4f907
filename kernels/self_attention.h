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
#include "kernels/op.h"

namespace pigment {

// wq, wk: [d, C, 1, 1]; bq, bk: [d]; wv: [C, C, 1, 1]; bv: [C]; gamma: [1].
Tensor self_attention(const Tensor& x, const Tensor& wq, const Tensor& bq, const Tensor& wk, const Tensor& bk,
                      const Tensor& wv, const Tensor& bv, const Tensor& gamma);

// The same block as PyTorch's peer writes it — 1×1 convs, bmm, softmax over the materialised N×N
// scores, bmm — built from differentiable ops (so its backward is theirs). self_attention takes
// this path on CUDA when the context selects library implementations (--conv_impl gemm or cudnn:
// its products then run on cuBLAS or cuDNN): the baseline the fused kernel is measured against.
Tensor self_attention_composed(const Tensor& x, const Tensor& wq, const Tensor& bq, const Tensor& wk,
                               const Tensor& bk, const Tensor& wv, const Tensor& bv, const Tensor& gamma);

template <> struct OpTraits<OpId::self_attention> { static constexpr bool has_cuda = true; };

struct AttentionShape {
  std::int64_t batch, channels, qk_dim, tokens;
};

template <class T> struct AttentionParams {
  const T *wq, *bq, *wk, *bk, *wv, *bv, *gamma;
};
template <class T> struct AttentionGrads {  // each may be null: not needed
  T *dx, *dwq, *dbq, *dwk, *dbk, *dwv, *dbv, *dgamma;
};

namespace cpu {
template <class T> void self_attention_forward(const AttentionShape& s, const T* x, const AttentionParams<T>& p, T* y);
template <class T>
void self_attention_backward(const AttentionShape& s, const T* dy, const T* x, const AttentionParams<T>& p,
                             const AttentionGrads<T>& g);
}  // namespace cpu

// Flash-style kernels that never store the N×N attention matrix (kernels/cuda/self_attention.cu).
namespace cuda {
void self_attention_forward(CudaContext& ctx, const AttentionShape& s, const float* x, const AttentionParams<float>& p,
                            float* y);
void self_attention_backward(CudaContext& ctx, const AttentionShape& s, const float* dy, const float* x,
                             const AttentionParams<float>& p, const AttentionGrads<float>& g);
// True when ctx selects library implementations (gemm, cudnn): attention then runs composed.
bool attention_through_libraries(CudaContext& ctx);
}  // namespace cuda

}  // namespace pigment
