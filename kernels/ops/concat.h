#pragma once
// Concatenation along one dimension (the channels of NCHW in the U-Net's skips) and its adjoint,
// split. backward(concat) = split(dy, sizes); backward(split) = concat(dys). Both are linear, so
// double backward holds.
#include <vector>

#include "kernels/ops/runner.h"
#include "kernels/raw/shape.h"

namespace pigment {

Tensor concat(const std::vector<Tensor>& xs, int dim = 1);
std::vector<Tensor> split(const Tensor& x, const std::vector<std::int64_t>& sizes, int dim = 1);


}  // namespace pigment
