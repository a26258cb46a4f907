#pragma once
// Element-wise power with a constant exponent: y = x^e. Gives sqrt (e = ½), rsqrt (e = −½) and
// reciprocal (e = −1), which the norms' double backward and the gradient penalty's ‖∇‖ need.
// Non-integer exponents need x > 0. Backward: dx = dy · e·x^(e−1), written with pow, mul and
// scale, so it supports double backward.
#include "kernels/ops/runner.h"
#include "kernels/raw/pointwise.h"

namespace pigment {

Tensor pow(const Tensor& x, double exponent);


}  // namespace pigment
