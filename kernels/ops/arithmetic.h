#pragma once
// Element-wise arithmetic on tensors of one shape, and their backward rules (all linear or
// bilinear, so all support double backward):
//   add(a, b) = a + b        da = dy,       db = dy
//   sub(a, b) = a − b        da = dy,       db = −dy
//   mul(a, b) = a ⊙ b        da = dy ⊙ b,   db = dy ⊙ a
//   scale(x, α, β) = α·x + β dx = α·dy
// Broadcasting is explicit: expand() the smaller operand first.
#include "kernels/ops/runner.h"
#include "kernels/raw/pointwise.h"

namespace pigment {

Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor scale(const Tensor& x, double alpha, double beta = 0.0);

}  // namespace pigment
