#pragma once
// The CUDA backend against the CPU reference (gan-check --device cuda|simt, the GPU tests and the
// SIMT device's tests): an op case runs on both devices from the same float32 inputs; its outputs,
// and the input gradients after a backward pass from the same random cotangents, are compared.
//
// Error of a tensor: max |cuda − cpu| / max(max|cpu|, floor), floor = 1e-3 · the largest |cpu|
// value of any tensor of the case (so gradients that are zero in exact arithmetic, like the
// attention key bias's, are not judged against their own rounding noise). NaN never passes.
// Tolerances follow from the precision of each op's CUDA path: each op's spec states its own, with
// the reason (kernels/ops/spec.h).
#include <cstdint>
#include <string>
#include <vector>

#include "kernels/ops/spec.h"

namespace pigment {

// The tolerance of case `c` of `spec` on `device`: the case's own when it sets one, else the op's
// for the implementation the device runs (library_tolerance when attention runs composed).
CudaTolerance cuda_tolerance(const OpSpec& spec, const OpCase& c, const Device& device);

struct TensorComparison {
  std::string what;  // "output 0", "grad of input 1"
  Shape shape;
  double max_abs = 0, rel = 0;
  std::int64_t worst = -1;
  double cpu_at_worst = 0, cuda_at_worst = 0;
};

struct CrossCheckResult {
  std::string op, label;
  std::uint64_t seed = 0;
  std::vector<TensorComparison> tensors;
  double max_abs = 0, max_rel = 0, tolerance = 0;
  bool passed = false;
  std::string error;
  double share_of_tolerance() const { return tolerance > 0 ? max_rel / tolerance : 0; }
  std::string describe() const;
};

// Runs case `c` of `spec` on the CPU and on `cuda` (allocations there poisoned and guarded; the
// guards are verified after the forward and after the backward).
CrossCheckResult crosscheck(const OpSpec& spec, const OpCase& c, std::uint64_t seed, const Device& cuda);

}  // namespace pigment
