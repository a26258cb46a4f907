#pragma once
// Reflection padding by `pad` pixels on every side (PyTorch's ReflectionPad2d): the border is
// mirrored without repeating the edge pixel, so row −1 reads row 1 and row H reads row H − 2.
// Needs pad < H and pad < W. Backward: each output gradient is added back into the pixel it was
// read from.
#include "kernels/op.h"

namespace pigment {

Tensor reflection_pad2d(const Tensor& x, int pad);
// The padding's adjoint (its backward, not recorded): dy of the padded shape → dx of x_shape,
// each padded pixel's gradient added into the pixel it mirrors.
Tensor reflection_pad2d_adjoint(const Tensor& dy, const Shape& x_shape, int pad);

template <> struct OpTraits<OpId::reflection_pad2d> { static constexpr bool has_cuda = true; };

// The source index of padded coordinate i (in [−pad, size + pad)) of a dimension of `size`
// (constexpr: CUDA kernels call it too, under --expt-relaxed-constexpr).
constexpr std::int64_t reflect_index(std::int64_t i, std::int64_t size) {
  if (i < 0) return -i;
  if (i >= size) return 2 * (size - 1) - i;
  return i;
}

namespace cpu {
// x [planes, h, w] → y [planes, h + 2p, w + 2p]
template <class T> void reflection_pad2d_forward(std::int64_t planes, std::int64_t h, std::int64_t w, int pad, const T* x, T* y);
template <class T> void reflection_pad2d_backward(std::int64_t planes, std::int64_t h, std::int64_t w, int pad, const T* dy, T* dx);
}  // namespace cpu

namespace cuda {
void reflection_pad2d_forward(CudaContext& ctx, std::int64_t planes, std::int64_t h, std::int64_t w, int pad,
                              const float* x, float* y);
// A gather: each input pixel sums the gradients of the padded positions that read it.
void reflection_pad2d_backward(CudaContext& ctx, std::int64_t planes, std::int64_t h, std::int64_t w, int pad,
                               const float* dy, float* dx);
}  // namespace cuda

}  // namespace pigment
