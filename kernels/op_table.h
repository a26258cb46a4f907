#pragma once
// Queries over the registry that need every op's traits (kernels/op_table.cpp).
#include "engine/op_registry.h"

namespace pigment {

// Whether this build has a CUDA kernel for `op`.
bool op_has_cuda_kernel(OpId op);
// Whether every op has one: a whole network can then run on CUDA.
bool cuda_backend_complete();

}  // namespace pigment
