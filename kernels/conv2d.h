#pragma once
// 2-D convolution (cross-correlation, as PyTorch), NCHW, square stride and padding:
//   y[n,k,oy,ox] = b[k] + Σ_{c,i,j} w[k,c,i,j] · x[n, c, oy·s − p + i, ox·s − p + j]
// with x read as zero outside the image, or, with PadMode::reflect, mirrored there (PyTorch's
// ReflectionPad2d then a conv with padding 0, but the padded image is never written: the kernels
// read the mirrored pixel where they load the operand). Backward (docs/backward.md derives it):
//   dx = conv_transpose2d(dy, w)               (the adjoint of the same linear map)
//   dw = conv2d_weight_grad(x, dy)             dw[k,c,i,j] = Σ_{n,oy,ox} dy[n,k,oy,ox] · x[n,c,oy·s−p+i,ox·s−p+j]
//   db = Σ_{n,oy,ox} dy[n,k,oy,ox]
// Every term is itself a differentiable op, so the rule supports double backward. With reflection
// dx is the transposed conv onto the padded image folded back by the padding's adjoint (each
// mirrored pixel's gradient added to its source), which has no double backward.
#include "engine/host_device.h"
#include "kernels/op.h"

namespace pigment {

enum class PadMode : std::uint8_t { zeros, reflect };

struct Conv2dParams {
  int stride = 1;
  int padding = 0;
  PadMode pad_mode = PadMode::zeros;
};

// A convolution seen from both of its sides: the "image" (n, c, h, w) it reads and the output
// (n, k, oh, ow) it writes, with a kh × kw kernel. A transposed convolution is the same map run
// backwards, so conv_transpose2d describes itself with the geometry of the conv it transposes.
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

// Geometry of conv2d(x, w) with x [N, C, H, W], w [K, C, kh, kw]; checks everything and names the
// op, the shapes and the expectation on error.
ConvGeometry conv2d_geometry(const char* op, const Shape& x, const Shape& w, Conv2dParams p);

Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& bias, Conv2dParams p);
// dw of conv2d(x, ·) for the output gradient dy, for a kh × kw kernel.
Tensor conv2d_weight_grad(const Tensor& x, const Tensor& dy, std::int64_t kh, std::int64_t kw, Conv2dParams p);

// dx of conv2d for the output gradient dy (conv_transpose2d, folded back for reflection padding).
Tensor conv2d_input_grad(const Tensor& dy, const Tensor& w, const ConvGeometry& g);
// A CPU tensor padded by reflection, straight through the kernel (no op, no autograd): the CPU
// reference convolves this explicitly padded copy.
Tensor reflect_padded_cpu(const Tensor& x, int pad);

template <> struct OpTraits<OpId::conv2d> { static constexpr bool has_cuda = true; };
template <> struct OpTraits<OpId::conv2d_weight_grad> { static constexpr bool has_cuda = true; };

namespace cpu {
// Elements of scratch the CPU conv kernels need (im2col columns of one image; 0 for 1×1 convs).
std::int64_t conv_workspace_elements(const ConvGeometry& g);
// The CPU context's scratch for a conv of geometry g, typed.
template <class T> T* conv_workspace(Context& ctx, const ConvGeometry& g);
// y = conv(x, w) + bias (bias may be null).
template <class T> void conv2d_forward(const ConvGeometry& g, const T* x, const T* w, const T* bias, T* y, T* workspace);
// dx = convᵀ(dy, w): overwrites dx.
template <class T> void conv2d_backward_data(const ConvGeometry& g, const T* dy, const T* w, T* dx, T* workspace);
// dw = Σ_n dy[n] ⋆ x[n]: overwrites dw.
template <class T> void conv2d_backward_weight(const ConvGeometry& g, const T* x, const T* dy, T* dw, T* workspace);
// The textbook seven-loop convolution: the oracle of the tests.
template <class T> void conv2d_forward_direct(const ConvGeometry& g, const T* x, const T* w, const T* bias, T* y);
}  // namespace cpu

// The CUDA entry points; each runs the implementation the context selects (custom implicit GEMM
// on tensor cores, cuDNN, or im2col + cuBLAS; kernels/cuda/conv2d.cu).
namespace cuda {
void conv2d_forward(CudaContext& ctx, const ConvGeometry& g, const float* x, const float* w, const float* bias,
                    float* y);
// dx = convᵀ(dy, w) (+ bias per image channel: the transposed convolution's forward).
void conv2d_backward_data(CudaContext& ctx, const ConvGeometry& g, const float* dy, const float* w, const float* bias,
                          float* dx);
void conv2d_backward_weight(CudaContext& ctx, const ConvGeometry& g, const float* x, const float* dy, float* dw);
}  // namespace cuda

}  // namespace pigment
