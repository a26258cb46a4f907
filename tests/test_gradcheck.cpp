// The float64 gradient check of every differentiable op, every case of its spec. The test list is
// generated from the op registry: an op cannot be added without being checked here.
#include "helpers.h"
#include "kernels/ops/pointwise.h"
#include "tools/verify/gradcheck.h"

using namespace pigment;

namespace {
constexpr std::uint64_t kSeed = 20261124;  // replay a failure with: gan-check --op <op> --case <i> --seed 20261124

void check_op(OpId op) {
  const OpSpec& spec = op_spec(op);
  REQUIRE(spec.op == op);
  REQUIRE_FALSE(spec.cases.empty());
  for (std::size_t i = 0; i < spec.cases.size(); ++i) {
    const std::uint64_t seed = case_seed(kSeed, op, i);
    const GradCheckResult r = gradcheck(spec, spec.cases[i], seed);
    INFO(fmt::format("{} case #{} {} (seed {}): max rel error {:.3g} = {:.1f}% of the tolerance; {}", r.op, i, r.label,
                     seed, r.max_rel, 100 * r.share_of_tolerance(), r.describe()));
    CHECK(r.error.empty());
    CHECK(r.passed);
  }
}
}  // namespace

#define PIGMENT_GRADCHECK_TEST(name) \
  TEST_CASE("gradcheck " #name, "[gradcheck]") { check_op(OpId::name); }
PIGMENT_FOR_EACH_OP(PIGMENT_GRADCHECK_TEST)
#undef PIGMENT_GRADCHECK_TEST

TEST_CASE("gradcheck detects a wrong backward rule", "[gradcheck]") {
  // The harness must be able to fail: a "square" op whose rule forgets the factor 2.
  OpCase wrong{"x[5]",
               [](Rng& g, DType t, const Device& d) { return std::vector<Tensor>{random_tensor({5}, g, t, d)}; },
               [](const std::vector<Tensor>& in) {
                 const Tensor& x = in[0];
                 Tensor y = Tensor::empty_like(x);
                 for (std::int64_t i = 0; i < x.numel(); ++i) y.data<double>()[i] = x.data<double>()[i] * x.data<double>()[i];
                 if (autograd::needs_grad({&x})) {
                   const Tensor inputs[] = {x};
                   Tensor outputs[] = {y};
                   autograd::record("square_with_a_bug", inputs, outputs, {x},
                                    [](const autograd::BackwardContext& ctx) {
                                      return std::vector<Tensor>{mul(ctx.grad(), ctx.saved(0))};  // should be 2·x·dy
                                    },
                                    autograd::DoubleBackward::unsupported);
                 }
                 return std::vector<Tensor>{y};
               }};
  OpSpec spec{OpId::mul};
  spec.cases = {wrong};
  const GradCheckResult r = gradcheck(spec, spec.cases[0], 7);
  CHECK_FALSE(r.passed);
  CHECK(r.max_rel > 0.3);
}
