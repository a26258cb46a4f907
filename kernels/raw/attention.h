#pragma once
// The SAGAN self-attention block's kernels (the math, forward and backward, is in
// kernels/ops/attention.h). Per image: X ∈ ℝ^{C×N}, Q = W_q X + b_q and K = W_k X + b_k (d×N),
// V = W_v X + b_v (C×N), A = row softmax of QᵀK, y = γ·V·Aᵀ + X.
#include <cstdint>

#include "engine/context.h"

namespace pigment {

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
// The reference: materialises S (N×N).
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
// True when ctx runs attention composed of separate ops (AttentionImpl::composed).
bool attention_through_libraries(CudaContext& ctx);
}  // namespace cuda

}  // namespace pigment
