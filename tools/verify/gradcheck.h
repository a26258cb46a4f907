#pragma once
// The float64 gradient check of one op case on the CPU reference (tests/ and gan-check share it).
//
// With random inputs and a random cotangent R_k for each output Y_k (never all ones), the scalar
// L = Σ_k Σ Y_k ⊙ R_k has the analytic gradient that backward() computes from dY_k = R_k. Each
// sampled input element is also differentiated numerically with the 4-point central stencil
//   L'(x) ≈ (−L(x+2h) + 8L(x+h) − 8L(x−h) + L(x−2h)) / 12h,   h = 1e-4·max(1, |x|),
// whose truncation error is O(h⁴) and rounding error ~ε·|L|/h ≈ 1e-12·|L|.
// An element's error is |a − n| / max(|a|, |n|, floor) with
//   floor = max(1e-2 · max|n| over the tensor,  1e-5 · Σ|Y⊙R|).
// The stencil's rounding error is about 1.5·ε·Σ|Y⊙R|/h ≈ 2e-12·Σ|Y⊙R|, the same for every
// element; the second term keeps that noise at ≤ 20% of the tolerance, so gradients that are
// exactly zero (a key bias under softmax) are not judged by noise. The first term judges elements
// a hundred times smaller than the tensor's largest gradient at that scale.
#include <cstdint>
#include <string>
#include <vector>

#include "kernels/ops/spec.h"

namespace pigment {

struct GradCheckOptions {
  std::int64_t max_samples = 200;  // numerically differentiated elements per input
  double tolerance = 1e-6;         // on the relative error defined above
};

struct InputCheck {
  int input = 0;
  Shape shape;
  std::int64_t checked = 0;
  double max_abs = 0, max_rel = 0;
  std::int64_t worst_index = -1;
  double analytic_at_worst = 0, numeric_at_worst = 0;
};

struct GradCheckResult {
  std::string op, label;
  std::uint64_t seed = 0;
  std::vector<InputCheck> inputs;
  double max_abs = 0, max_rel = 0;
  double tolerance = 0;
  bool passed = false;
  bool forward_only = false;  // the op is not differentiable: only finiteness and determinism checked
  std::string error;  // an exception thrown by the op, if any
  double share_of_tolerance() const { return tolerance > 0 ? max_rel / tolerance : 0; }
  std::string describe() const;  // one line for failures: worst input, index, values
};

GradCheckResult gradcheck(const OpSpec& spec, const OpCase& c, std::uint64_t seed, const GradCheckOptions& options = {});

// The seed of case `index` of op `op` for a run with base seed `seed`, from the op's name (so adding
// an op to the registry changes no other op's cases): every case draws fresh values, and a failing
// case replays alone from the seed printed beside it.
std::uint64_t case_seed(std::uint64_t seed, OpId op, std::size_t index);

}  // namespace pigment
