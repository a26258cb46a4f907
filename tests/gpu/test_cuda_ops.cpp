// Every op with a CUDA kernel against the CPU reference, forward and backward, over its spec's
// awkward shapes, with poisoned outputs and guard bytes after every allocation. One test per op,
// generated from the registry; and the cuDNN paths.
#include <catch2/catch.hpp>

#include "tests/gpu/gpu_device.h"

#include "tools/verify/crosscheck.h"
#include "tools/verify/gradcheck.h"
#include "kernels/ops/spec.h"

using namespace pigment;

namespace {
constexpr std::uint64_t kSeed = 20261124;  // replay: gan-check --device cuda --op <op> --case <i> --seed 20261124

Device checked_gpu(const char* impl) {
  Device gpu = test_gpu();
  set_allocator_checks(gpu, {true, 256});
  set_kernel_choice(gpu, KernelChoice::preset(kConvImplNames.parse(impl, "implementation")));
  return gpu;
}

void check_op(OpId op, const char* impl = "custom") {
  if (!op_has_cuda_kernel(op)) {
    WARN(op_name(op) << " has no CUDA kernel in this build");
    return;
  }
  const Device gpu = checked_gpu(impl);
  const OpSpec& spec = op_spec(op);
  for (std::size_t i = 0; i < spec.cases.size(); ++i) {
    const std::uint64_t seed = case_seed(kSeed, op, i);
    const CrossCheckResult r = crosscheck(spec, spec.cases[i], seed, gpu);
    INFO(fmt::format("{} case #{} {} (seed {}): error {:.3g} = {:.1f}% of {:.0e}; {}", r.op, i, r.label, seed, r.max_rel,
                     100 * r.share_of_tolerance(), r.tolerance, r.describe()));
    CHECK(r.error.empty());
    CHECK(r.passed);
  }
}
}  // namespace

#define PIGMENT_CUDA_OP_TEST(name) \
  TEST_CASE("cuda matches cpu: " #name, "[gpu][ops]") { check_op(OpId::name); }
PIGMENT_FOR_EACH_OP(PIGMENT_CUDA_OP_TEST)
#undef PIGMENT_CUDA_OP_TEST

// The convolutions and the attention block through cuDNN (a GPU only: the SIMT device cannot run it).
TEST_CASE("cuda matches cpu through cuDNN: convolutions and attention", "[gpu][ops][cudnn]") {
  for (OpId op : {OpId::conv2d, OpId::conv2d_weight_grad, OpId::conv_transpose2d, OpId::self_attention})
    check_op(op, "cudnn");
}
