// Every op with a CUDA kernel against the CPU reference, forward and backward, over its spec's
// awkward shapes, with poisoned outputs and guard bytes after every allocation. One test per op,
// generated from the registry.
#include <catch2/catch.hpp>

#include "kernels/crosscheck.h"
#include "kernels/gradcheck.h"
#include "kernels/op_table.h"

using namespace pigment;

namespace {
constexpr std::uint64_t kSeed = 20261124;  // replay: gan-check --device cuda --op <op> --case <i> --seed 20261124

Device checked_gpu() {
  Device gpu = Device::cuda(0);
  set_allocator_checks(gpu, {true, 256});
  set_conv_implementation(gpu, "custom");
  return gpu;
}

void check_op(OpId op) {
  if (!op_has_cuda_kernel(op)) {
    WARN(op_name(op) << " has no CUDA kernel in this build");
    return;
  }
  const Device gpu = checked_gpu();
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
