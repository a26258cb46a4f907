#pragma once
// leaky_relu(x) = x for x > 0, slope·x otherwise (slope 0.2 in the U-Net and PatchGAN).
// relu(x) = leaky_relu(x) with slope 0.
// Backward: dx = dy · (x > 0 ? 1 : slope), itself the differentiable op leaky_relu_backward so
// that gradients of gradients (WGAN-GP) flow through it.
#include "kernels/ops/runner.h"
#include "kernels/raw/pointwise.h"

namespace pigment {

Tensor leaky_relu(const Tensor& x, double slope);
Tensor relu(const Tensor& x);
// dx = dy · (x > 0 ? 1 : slope). Linear in dy; its derivative in x is zero almost everywhere.
Tensor leaky_relu_backward(const Tensor& dy, const Tensor& x, double slope);

namespace detail {
// The shared forward of relu and leaky_relu (they differ in slope and registry entry).
template <OpId op> Tensor leaky_relu_like(const Tensor& x, double slope);
}  // namespace detail


}  // namespace pigment
