#pragma once
// Convolutions: conv2d with its weight gradient as an op of its own, and the transposed
// convolution.
// Each op's math is with its declaration below.
#include "kernels/ops/runner.h"
#include "kernels/raw/conv.h"

// This family's ops, on the registry (kernels/ops/registry.h).
#define PIGMENT_CONV_OPS(X) X(conv2d) X(conv2d_weight_grad) X(conv_transpose2d)

namespace pigment {

// ---- conv2d, conv2d_weight_grad ----------------------------------------------------------------
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
enum class PadMode : std::uint8_t { zeros, reflect };

struct Conv2dParams {
  int stride = 1;
  int padding = 0;
  PadMode pad_mode = PadMode::zeros;
};

// Geometry of conv2d(x, w) with x [N, C, H, W], w [K, C, kh, kw]; checks everything and names the
// op, the shapes and the expectation on error.
ConvGeometry conv2d_geometry(const char* op, const Shape& x, const Shape& w, Conv2dParams p);
// The checks conv2d and conv_transpose2d share: 4-D input and weight (laid out as weight_layout
// says), stride ≥ 1, padding ≥ 0, and the input's channels equal to w[weight_channel_dim].
void check_conv_operands(const char* op, const Shape& x, const Shape& w, const char* weight_layout, int stride,
                         int padding, int weight_channel_dim);

Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& bias, Conv2dParams p);
// Checks an optional bias of a conv (or transposed conv) with `channels` outputs.
void check_conv_bias(const char* op, const Tensor& bias, std::int64_t channels, const Tensor& w);
// dw of conv2d(x, ·) for the output gradient dy, for a kh × kw kernel.
Tensor conv2d_weight_grad(const Tensor& x, const Tensor& dy, std::int64_t kh, std::int64_t kw, Conv2dParams p);

// dx of conv2d for the output gradient dy (conv_transpose2d, folded back for reflection padding).
Tensor conv2d_input_grad(const Tensor& dy, const Tensor& w, const ConvGeometry& g);
// A CPU tensor padded by reflection, straight through the kernel (no op, no autograd): the CPU
// reference convolves this explicitly padded copy.
Tensor reflect_padded_cpu(const Tensor& x, int pad);

namespace detail {
// The conv layers of resnet_9blocks, unet_256 and the 70×70 PatchGAN at 256², batch 1, as each conv
// sees its input (after an explicit reflection padding, or before the one it reads through): the
// layer cases of conv2d and conv2d_weight_grad, and the GPU conv benchmarks' layers.
struct ReferenceConvLayer {
  const char* net;
  Shape x, w;
  Conv2dParams p;
};
const std::vector<ReferenceConvLayer>& reference_conv_layers();
}  // namespace detail

// ---- conv_transpose2d --------------------------------------------------------------------------
// 2-D transposed convolution, NCHW (PyTorch's ConvTranspose2d): the adjoint of the convolution
// with the same weight, stride and padding, from an input (N, Cin, H, W) to an output
// (N, Cout, (H−1)·s − 2p + kh + op_h, (W−1)·s − 2p + kw + op_w). Weight [Cin, Cout, kh, kw].
//   y = convᵀ(x, w) + b         ⟨conv(u, w), x⟩ = ⟨u, convᵀ(x, w)⟩ for all u
// Backward (docs/backward.md):
//   dx = conv2d(dy, w)          dw = conv2d_weight_grad(dy, x)        db = Σ_{n,y,x} dy
struct ConvTranspose2dParams {
  int stride = 1;
  int padding = 0;
  int output_padding_h = 0;  // extra rows at the bottom, < stride: picks one of the sizes that
  int output_padding_w = 0;  // a stride-s conv maps to the same input size
};

// The geometry of the convolution this transposed convolution is the adjoint of: its image side is
// the transposed conv's output, its output side the transposed conv's input.
ConvGeometry conv_transpose2d_geometry(const char* op, const Shape& x, const Shape& w, ConvTranspose2dParams p);

Tensor conv_transpose2d(const Tensor& x, const Tensor& w, const Tensor& bias, ConvTranspose2dParams p);

// The parameters of the transposed convolution that maps the output side of g back to exactly its
// image size: same stride and padding, output padding (H + 2P − kh) − (OH − 1)·s per axis.
ConvTranspose2dParams adjoint_params(const ConvGeometry& g);

}  // namespace pigment
