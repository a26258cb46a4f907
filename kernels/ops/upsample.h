#pragma once
// Bilinear upsampling by 2 (PyTorch's Upsample(scale_factor=2, mode='bilinear'),
// align_corners=False). Output pixel o samples source coordinate s = max(0, (o + ½)/2 − ½):
// rows i0 = ⌊s⌋ and i1 = min(i0 + 1, H − 1) mixed by λ = s − i0 (and the same along columns).
// Backward scatters each output gradient back with the same four weights.
#include "engine/host_device.h"
#include "kernels/ops/runner.h"
#include "kernels/raw/shape.h"

namespace pigment {

Tensor upsample_bilinear2x(const Tensor& x);


}  // namespace pigment
