// The SIMT device's options change how the harness runs the kernels, never what they compute:
// every op's spec cases pass at 1, 7 and 132 SMs (other grids, other split-K depths), in reversed
// and shuffled block and thread orders, and with the tensor cores' TF32 rounding on or off.
#include <catch2/catch.hpp>

#include "tools/verify/crosscheck.h"
#include "tools/verify/gradcheck.h"
#include "kernels/ops/spec.h"
#include "tests/simt/simt_test_support.h"

using namespace pigment;

namespace {
void check_every_op(const SimtOptions& options, const char* what) {
  const Device simt = Device::simt(options);
  set_allocator_checks(simt, {true, 256});
  set_kernel_choice(simt, KernelChoice{ConvImpl::custom});
  for (int op = 0; op < kNumOps; ++op) {
    const OpSpec& spec = op_spec(static_cast<OpId>(op));
    if (!op_has_cuda_kernel(spec.op)) continue;
    for (std::size_t i = 0; i < spec.cases.size(); ++i) {
      const std::uint64_t seed = case_seed(20261124, spec.op, i);
      const CrossCheckResult r = crosscheck(spec, spec.cases[i], seed, simt);
      INFO(what << ": " << r.op << " case #" << i << " " << r.label << " (seed " << seed << "): " << r.describe());
      CHECK(r.passed);
    }
  }
}
}  // namespace

TEST_CASE("every op's spec cases pass at 1, 7 and 132 SMs", "[simt][options]") {
  for (int sms : {1, 7, 132}) {
    SimtOptions o;
    o.sm_count = sms;
    CHECK(Device::simt(o).context().type() == DeviceType::simt);
    check_every_op(o, sms == 1 ? "1 SM" : sms == 7 ? "7 SMs" : "132 SMs");
  }
}

TEST_CASE("every op's spec cases pass with blocks and threads in reversed and shuffled orders", "[simt][options]") {
  SimtOptions reverse;
  reverse.block_order = BlockOrder::reverse;
  check_every_op(reverse, "reverse order");
  for (std::uint64_t seed : {1, 2}) {
    SimtOptions shuffled;
    shuffled.block_order = BlockOrder::shuffle;
    shuffled.shuffle_seed = seed;
    shuffled.sm_count = 7;
    check_every_op(shuffled, "shuffled order");
  }
}

TEST_CASE("every op's spec cases pass with float32 products (TF32 rounding off)", "[simt][options]") {
  SimtOptions o;
  o.tf32 = false;
  check_every_op(o, "TF32 off");
}

TEST_CASE("a SIMT device reports its options, and refuses cuDNN by name", "[simt][options]") {
  SimtOptions o;
  o.sm_count = 7;
  o.block_order = BlockOrder::shuffle;
  o.shuffle_seed = 3;
  const Device d = Device::simt(o);
  CHECK(d.str() == "simt");
  CHECK(d.is_cuda());
  CHECK(simt_options(d).sm_count == 7);
  CHECK(as_cuda(d.context()).sm_count() == 7);
  CHECK(block_order_name(simt_options(d)) == "shuffle:3");
  CHECK_THROWS_WITH(set_kernel_choice(d, KernelChoice{ConvImpl::cudnn}), Catch::Contains("cuDNN is not available on the SIMT device"));
  CHECK_THROWS_WITH(Device::parse("cuda"), Catch::Contains("--device simt"));
  SimtOptions parsed;
  parse_block_order("shuffle:42", parsed);
  CHECK((parsed.block_order == BlockOrder::shuffle && parsed.shuffle_seed == 42));
  CHECK_THROWS_WITH(parse_block_order("sideways", parsed), Catch::Contains("in_order, reverse, shuffle"));
}
