#pragma once
// Ops that move values without arithmetic on them (but the bilinear upsampling's weights):
// padding, concatenation and its adjoint, upsampling.
// Each op's math is with its declaration below.
#include <vector>

#include "engine/host_device.h"
#include "kernels/ops/runner.h"
#include "kernels/raw/shape.h"

// This family's ops, on the registry (kernels/ops/registry.h).
#define PIGMENT_SHAPE_OPS(X) X(reflection_pad2d) X(concat) X(split) X(upsample_bilinear2x) X(max_pool2d)

namespace pigment {

// ---- reflection_pad2d --------------------------------------------------------------------------
// Reflection padding by `pad` pixels on every side (PyTorch's ReflectionPad2d): the border is
// mirrored without repeating the edge pixel, so row −1 reads row 1 and row H reads row H − 2.
// Needs pad < H and pad < W. Backward: each output gradient is added back into the pixel it was
// read from.
Tensor reflection_pad2d(const Tensor& x, int pad);
// The padding's adjoint (its backward, not recorded): dy of the padded shape → dx of x_shape,
// each padded pixel's gradient added into the pixel it mirrors.
Tensor reflection_pad2d_adjoint(const Tensor& dy, const Shape& x_shape, int pad);

// ---- concat, split -----------------------------------------------------------------------------
// Concatenation along one dimension (the channels of NCHW in the U-Net's skips) and its adjoint,
// split. backward(concat) = split(dy, sizes); backward(split) = concat(dys). Both are linear, so
// double backward holds.
Tensor concat(const std::vector<Tensor>& xs, int dim = 1);
std::vector<Tensor> split(const Tensor& x, const std::vector<std::int64_t>& sizes, int dim = 1);

// ---- upsample_bilinear2x -----------------------------------------------------------------------
// Bilinear upsampling by 2 (PyTorch's Upsample(scale_factor=2, mode='bilinear'),
// align_corners=False). Output pixel o samples source coordinate s = max(0, (o + ½)/2 − ½):
// rows i0 = ⌊s⌋ and i1 = min(i0 + 1, H − 1) mixed by λ = s − i0 (and the same along columns).
// Backward scatters each output gradient back with the same four weights.
Tensor upsample_bilinear2x(const Tensor& x);

// ---- max_pool2d --------------------------------------------------------------------------------
// Max pooling (PyTorch's MaxPool2d; ResNet's 3×3, stride 2, padding 1 after its first conv): each
// output is the largest pixel of its window, padding never chosen. Backward: each output's
// gradient goes to the pixel that won (the first in row-major order among equals); the rule reads
// the winners' indices: no double backward.
Tensor max_pool2d(const Tensor& x, int kernel, int stride, int padding);

}  // namespace pigment
