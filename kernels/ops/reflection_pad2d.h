#pragma once
// Reflection padding by `pad` pixels on every side (PyTorch's ReflectionPad2d): the border is
// mirrored without repeating the edge pixel, so row −1 reads row 1 and row H reads row H − 2.
// Needs pad < H and pad < W. Backward: each output gradient is added back into the pixel it was
// read from.
#include "kernels/ops/runner.h"
#include "kernels/raw/shape.h"

namespace pigment {

Tensor reflection_pad2d(const Tensor& x, int pad);
// The padding's adjoint (its backward, not recorded): dy of the padded shape → dx of x_shape,
// each padded pixel's gradient added into the pixel it mirrors.
Tensor reflection_pad2d_adjoint(const Tensor& dy, const Shape& x_shape, int pad);


}  // namespace pigment
