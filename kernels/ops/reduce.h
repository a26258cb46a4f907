#pragma once
// Reductions: softmax over rows, sums and means, and their adjoint expand.
// Each op's math is with its declaration below.
#include <vector>

#include "kernels/ops/runner.h"
#include "kernels/raw/reduce.h"

// This family's ops, on the registry (kernels/ops/registry.h).
#define PIGMENT_REDUCE_OPS(X) X(softmax) X(sum) X(mean) X(expand)

namespace pigment {

// ---- softmax -----------------------------------------------------------------------------------
// Softmax over the last dimension, max-subtracted for range safety:
//   y_j = exp(x_j − max x) / Σ_k exp(x_k − max x).
// Backward: dx = y ⊙ (dy − Σ_j dy_j·y_j) per row. The rule reads y: no double backward.
Tensor softmax(const Tensor& x);

// ---- sum, mean, expand -------------------------------------------------------------------------
// Reductions and their adjoint:
//   sum(x)            Σ over every element → a scalar (shape [])
//   sum(x, dims)      Σ over `dims`, keeping them with size 1 (x [N,C,H,W], dims {0,2,3} → [1,C,1,1])
//   mean(x), mean(x, dims)   the same divided by the number of elements summed
//   expand(x, shape)  repeats x along its size-1 dimensions (a scalar along all) up to `shape`
// sum and expand are adjoint: backward(sum) = expand(dy), backward(expand) = sum(dy over the
// expanded dims). Accumulation is in double on the CPU.
Tensor sum(const Tensor& x);
Tensor sum(const Tensor& x, const std::vector<int>& dims);
Tensor mean(const Tensor& x);
Tensor mean(const Tensor& x, const std::vector<int>& dims);
Tensor expand(const Tensor& x, const Shape& shape);

namespace detail {
// Σ over dims (over everything when `all`), divided by the count for mean. Shared by sum and mean.
template <OpId op> Tensor reduce(const Tensor& x, const std::vector<int>& dims, bool all);
}  // namespace detail

// The shape of x with each of `dims` set to 1 (checks that dims are valid and distinct).
Shape reduced_shape(const char* op, const Shape& x, const std::vector<int>& dims);

}  // namespace pigment
