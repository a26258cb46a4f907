#pragma once
// The convolution kernels: plain pointers and a geometry, no tensors. A convolution seen from both
// of its sides — the "image" (n, c, h, w) it reads and the output (n, k, oh, ow) it writes, with a
// kh × kw kernel, square stride and padding, zero padding or (reflect) mirrored pixels read where
// the operand is loaded. The transposed convolution is the same map run backwards, so it is
// described by the geometry of the conv it transposes, and its forward is the conv's data
// gradient (docs/backward.md). The differentiable ops are kernels/ops/conv.h and
// kernels/ops/conv.h.
#include <cstdint>

#include "engine/context.h"
#include "engine/host_device.h"

namespace pigment {

struct ConvGeometry {
  std::int64_t n, c, h, w;  // image side
  std::int64_t k, oh, ow;   // output side
  std::int64_t kh, kw;
  int stride, pad;
  bool reflect = false;  // the padding mirrors the image (PadMode::reflect) instead of reading zeros

  PIGMENT_HOST_DEVICE std::int64_t image_plane() const { return h * w; }
  PIGMENT_HOST_DEVICE std::int64_t output_plane() const { return oh * ow; }
  PIGMENT_HOST_DEVICE std::int64_t patch() const { return c * kh * kw; }  // rows of the im2col matrix
  double macs() const { return static_cast<double>(n * k * oh * ow * patch()); }
  // The same conv on the image already padded: h and w grown by 2·pad, padding 0.
  ConvGeometry on_padded_image() const {
    ConvGeometry g = *this;
    g.h += 2 * pad;
    g.w += 2 * pad;
    g.pad = 0;
    g.reflect = false;
    return g;
  }
};

namespace cpu {
// Elements of scratch the CPU conv kernels need (im2col columns of one image; 0 for 1×1 convs).
std::int64_t conv_workspace_elements(const ConvGeometry& g);
// The CPU context's scratch for a conv of geometry g, typed.
template <class T> T* conv_workspace(Context& ctx, const ConvGeometry& g);
// y = conv(x, w) + bias (bias may be null). Zero padding: reflection is padded explicitly first.
template <class T> void conv2d_forward(const ConvGeometry& g, const T* x, const T* w, const T* bias, T* y, T* workspace);
// dx = convᵀ(dy, w): overwrites dx.
template <class T> void conv2d_backward_data(const ConvGeometry& g, const T* dy, const T* w, T* dx, T* workspace);
// dw = Σ_n dy[n] ⋆ x[n]: overwrites dw.
template <class T> void conv2d_backward_weight(const ConvGeometry& g, const T* x, const T* dy, T* dw, T* workspace);
// The textbook seven-loop convolution: the oracle of the tests.
template <class T> void conv2d_forward_direct(const ConvGeometry& g, const T* x, const T* w, const T* bias, T* y);
// The transposed convolution y = convᵀ(x, w) + bias, x on the output side of g, y on its image side.
template <class T>
void conv_transpose2d_forward(const ConvGeometry& g, const T* x, const T* w, const T* bias, T* y, T* workspace);
// The direct scatter form, the oracle of the tests: every input pixel adds w·x into its patch.
template <class T>
void conv_transpose2d_forward_direct(const ConvGeometry& g, const T* x, const T* w, const T* bias, T* y);
}  // namespace cpu

// The CUDA entry points; each runs the implementation the context selects (custom implicit GEMM
// on tensor cores, cuDNN, or im2col + cuBLAS; kernels/cuda/conv2d.cu), reflection included.
namespace cuda {
void conv2d_forward(CudaContext& ctx, const ConvGeometry& g, const float* x, const float* w, const float* bias,
                    float* y);
// dx = convᵀ(dy, w) (+ bias per image channel: the transposed convolution's forward).
void conv2d_backward_data(CudaContext& ctx, const ConvGeometry& g, const float* dy, const float* w, const float* bias,
                          float* dx);
void conv2d_backward_weight(CudaContext& ctx, const ConvGeometry& g, const float* x, const float* dy, float* dw);
}  // namespace cuda

}  // namespace pigment
