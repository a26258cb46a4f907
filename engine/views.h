#pragma once
// View ops: new shapes over the same storage, no kernel. They are recorded by autograd (named,
// outside the op registry, which lists ops with kernels).
#include "engine/tensor.h"

namespace pigment {

// The same elements in a new shape (equal element count). Backward: reshape back.
Tensor reshape(const Tensor& x, const Shape& shape);

}  // namespace pigment
