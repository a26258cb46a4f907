#pragma once
// One spec per op drives its gradient check (tests/), its verification (gan-check) and its
// benchmark (bench/): a list of cases, each able to make its inputs on any device and dtype and
// to run the op through its public, differentiable API.
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <vector>

#include "engine/rng.h"
#include "engine/tensor.h"
#include "kernels/ops/registry.h"

namespace pigment {

// How far the CUDA kernels may be from the CPU reference, relative to the reference's magnitude
// (tools/verify/crosscheck.h), and why: it follows from the precision of their arithmetic.
struct CudaTolerance {
  double value;
  const char* reason;
};
inline constexpr CudaTolerance kSameFormula{1e-6, "FP32 element-wise, the same formula on both devices"};
inline constexpr CudaTolerance kDeviceMath{
    1e-5, "FP32 element-wise math; device exp/tanh/pow differ from the host's by a few ulp"};
inline constexpr CudaTolerance kFp32Sums{1e-4, "FP32 reductions in another order than the CPU's double accumulation: ≈K·ε"};
// A norm over groups of 2 values normalises them to ±x̂ with 1 − x̂² = ε/(σ² + ε), and the input
// gradient r·γ·(dy_i − mean dy − x̂_i·mean(dy·x̂)) = r·γ·(dy_i − dy_j)/2·(1 − x̂²) is what is left of
// terms σ²/ε times larger: float32 rounds those terms, the CPU reference works in double.
inline constexpr CudaTolerance kTwoValueNorm{
    1e-3, "2 values per norm group: the input gradient cancels to ε/σ² of its terms, float32 against double"};
inline constexpr CudaTolerance kTf32Products{
    5e-3, "TF32 tensor-core products (10-bit mantissa) summed over K up to thousands: ≈1e-3"};

struct OpCase {
  std::string label;  // the shapes and parameters, e.g. "x[3,5,7,7] w[4,5,3,3] s2 p1"
  // All inputs, fresh random values from `gen`; the differentiable ones have requires_grad set.
  std::function<std::vector<Tensor>(Rng& gen, DType dtype, const Device& device)> make_inputs;
  // Runs the op on the inputs; returns its outputs.
  std::function<std::vector<Tensor>(const std::vector<Tensor>& inputs)> run;
  double flops = 0;  // per forward: 2 × multiply-adds (true MACs), for benchmarks
  double bytes = 0;  // minimum bytes a forward moves (float32), for benchmarks
  // The CUDA-against-CPU tolerance of this case when it is not the op's (tools/verify/crosscheck.cpp),
  // and why; 0 keeps the op's.
  double cuda_tolerance = 0;
  const char* cuda_tolerance_reason = "";
};

struct OpSpec {
  explicit OpSpec(OpId id) : op(id) {}
  OpId op;
  // Whether the op has a CUDA kernel (its definition passes run_kernels a CUDA half rather than
  // no_cuda_kernel). A network whose every op has one runs on CUDA.
  bool has_cuda = true;
  // false: a forward-only op (retrieval, colour statistics, distances) that records no backward
  // rule. Its float64 check is then that the forward is finite and the same on a second run; the
  // CUDA check compares its outputs as for any op.
  bool differentiable = true;
  std::vector<OpCase> cases;  // awkward shapes: 1×1, odd sizes, channels not divisible by 4, batch 1 and 3
  CudaTolerance cuda_tolerance = kSameFormula;
  // An op that runs another computation when the CUDA context runs it composed of library ops
  // (AttentionImpl::composed) may be held to another tolerance there.
  CudaTolerance library_tolerance = {0, ""};
  // The reference networks' real layer shapes at 256², batch 1 (gan-check --cases layers and the
  // simt-slow checks; too large for the float64 gradient check).
  std::vector<OpCase> layer_cases;
};

// The spec of every op, in registry order; defined in each op's definition (kernels/ops/<op>.cpp).
#define PIGMENT_DECLARE_SPEC(name) OpSpec make_spec_##name();
PIGMENT_FOR_EACH_OP(PIGMENT_DECLARE_SPEC)
#undef PIGMENT_DECLARE_SPEC

const std::vector<OpSpec>& all_op_specs();
const OpSpec& op_spec(OpId op);

// Whether this build has a CUDA kernel for `op`; whether every op has one (a whole network can
// then run on CUDA).
bool op_has_cuda_kernel(OpId op);
bool cuda_backend_complete();

// ---- Helpers for writing specs ---------------------------------------------------------------------
enum class Values {
  normal,         // N(0, 1)
  away_from_zero, // |x| in [0.2, 1.5] with a random sign: inputs of ReLU-like kinks
  positive,       // U(0.5, 1.5)
  unit,           // U(0, 1)
  kaiming,        // N(0, 2/fan_in), fan_in = shape[1]·shape[2]·…: a weight as --init_type kaiming draws it
};

Tensor random_tensor(const Shape& shape, Rng& gen, DType dtype, const Device& device,
                     Values values = Values::normal, bool requires_grad = true);

}  // namespace pigment

namespace pigment::detail {
// A case of the given shapes, each input N(0, 1) with a gradient, run by `run`.
OpCase tensor_case(const std::string& label, std::vector<Shape> shapes,
                   std::function<std::vector<Tensor>(const std::vector<Tensor>&)> run, double flops, double bytes);
// The cases shared by tanh and sigmoid.
OpSpec smooth_activation_spec(OpId op, Tensor (*fn)(const Tensor&));
// The cases of the reductions (sum, mean): over everything, or over some dims.
struct ReductionCase {
  Shape x;
  std::vector<int> dims;
  bool all;
};
OpSpec reduction_spec(OpId op, std::initializer_list<ReductionCase> cases);
// The cases shared by the binary element-wise ops (add, sub, mul): scalars, 1×1, odd sizes.
OpSpec binary_spec(OpId op, Tensor (*fn)(const Tensor&, const Tensor&));
// The inputs of a SAGAN block on x: x ~ N(0, 1); the three 1×1 projection weights as the networks
// draw them with the largest of their inits (kaiming: N(0, 2/C)); biases N(0, 0.1²) (zero at init,
// small after training); γ ~ N(0, 1). Order: x, wq, bq, wk, bk, wv, bv, γ.
std::vector<Tensor> attention_inputs(const Shape& x, std::int64_t qk_dim, Rng& gen, DType dtype,
                                     const Device& device);
// The cases shared by the losses; `make` builds an (input, target) pair of a shape.
OpSpec loss_spec(OpId op, Tensor (*fn)(const Tensor&, const Tensor&),
                 std::vector<Tensor> (*make)(const Shape&, Rng&, DType, const Device&));
}  // namespace pigment::detail
