#pragma once
// Sum-reduction and broadcast over up to 4 dimensions, the kernels of sum, mean and expand.
// `reduced` has the rank of `full` with 1 in every reduced (or broadcast) dimension.
#include "engine/shape.h"

namespace pigment::cpu {

// y[reduced] = scale · Σ x[full] over the dimensions where reduced has 1. Accumulates in double.
template <class T> void reduce_sum(const Shape& full, const Shape& reduced, const T* x, T* y, double scale);
// y[full] = x[reduced] repeated along the dimensions where reduced has 1.
template <class T> void broadcast(const Shape& reduced, const Shape& full, const T* x, T* y);

}  // namespace pigment::cpu
