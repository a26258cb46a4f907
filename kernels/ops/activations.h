#pragma once
// Smooth activations. Their backward rules read the output y (saved detached), so they do not
// support double backward (gradient penalties run through discriminators, which use neither):
//   tanh(x):     dx = dy · (1 − y²)
//   sigmoid(x):  dx = dy · y · (1 − y)
// relu and leaky_relu are in kernels/ops/leaky_relu.h.
#include "kernels/ops/runner.h"
#include "kernels/raw/pointwise.h"

namespace pigment {

Tensor tanh(const Tensor& x);
Tensor sigmoid(const Tensor& x);

namespace detail {
// The shared body of tanh and sigmoid (kernels/ops/activations.cpp), and their spec.
template <OpId op> Tensor smooth_activation(const Tensor& x);
}  // namespace detail


}  // namespace pigment
