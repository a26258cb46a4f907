#pragma once
// Inverted dropout with a Philox mask: element i is kept, and scaled by 1/(1 − p), when word
// offset + i of the Philox stream with key `seed` is at least p·2³², and zeroed otherwise.
// The test is in integers, so the CPU and CUDA backends draw the same mask for the same
// (seed, offset). The op is linear in x with that fixed mask, so its backward is the same op
// applied to dy (double backward included).
#include "engine/rng.h"
#include "kernels/ops/runner.h"
#include "kernels/raw/pointwise.h"

namespace pigment {

Tensor dropout(const Tensor& x, double p, std::uint64_t seed, std::uint64_t offset);
// Reserves x.numel() words of `gen` for the mask.
Tensor dropout(const Tensor& x, double p, Rng& gen);


}  // namespace pigment
