#pragma once
// 2-D transposed convolution, NCHW (PyTorch's ConvTranspose2d): the adjoint of the convolution
// with the same weight, stride and padding, from an input (N, Cin, H, W) to an output
// (N, Cout, (H−1)·s − 2p + kh + op_h, (W−1)·s − 2p + kw + op_w). Weight [Cin, Cout, kh, kw].
//   y = convᵀ(x, w) + b         ⟨conv(u, w), x⟩ = ⟨u, convᵀ(x, w)⟩ for all u
// Backward (docs/backward.md):
//   dx = conv2d(dy, w)          dw = conv2d_weight_grad(dy, x)        db = Σ_{n,y,x} dy
#include "kernels/ops/conv2d.h"
#include "kernels/ops/runner.h"

namespace pigment {

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
