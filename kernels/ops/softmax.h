#pragma once
// Softmax over the last dimension, max-subtracted for range safety:
//   y_j = exp(x_j − max x) / Σ_k exp(x_k − max x).
// Backward: dx = y ⊙ (dy − Σ_j dy_j·y_j) per row. The rule reads y: no double backward.
#include "kernels/ops/runner.h"
#include "kernels/raw/reduce.h"

namespace pigment {

Tensor softmax(const Tensor& x);


}  // namespace pigment
