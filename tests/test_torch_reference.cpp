// Forward values and input gradients of several ops against PyTorch, in float64
// (fixtures/make_torch_fixtures.py wrote them with Debian's python3-torch).
#include <functional>

#include "engine/safetensors.h"
#include "helpers.h"
#include "kernels/ops.h"

using namespace pigment;

namespace {
const SafetensorsContents& fixture() {
  static const SafetensorsContents f =
      load_safetensors(std::string(PIGMENT_FIXTURES_DIR) + "/torch_ops.safetensors", Device::cpu());
  return f;
}

// Runs `op` on the fixture's inputs of `name`, backward with its cotangent, and compares the
// output and the gradients of the first `differentiable` inputs (all by default) with PyTorch's.
void compare(const std::string& name, int n_inputs, const std::function<Tensor(const std::vector<Tensor>&)>& op,
             int differentiable = -1) {
  if (differentiable < 0) differentiable = n_inputs;
  std::vector<Tensor> inputs;
  for (int i = 0; i < n_inputs; ++i) {
    Tensor t = fixture().find(name + ".in" + std::to_string(i)).clone();
    REQUIRE(t.defined());
    t.set_requires_grad(i < differentiable);
    inputs.push_back(t);
  }
  Tensor out = op(inputs);
  const Tensor expected = fixture().find(name + ".out");
  REQUIRE(out.shape() == expected.shape());
  INFO(name);
  CHECK(test::max_abs_diff(test::values(out), test::values(expected)) < 1e-10);
  out.backward(fixture().find(name + ".cot"));
  for (int i = 0; i < differentiable; ++i) {
    INFO("gradient of input " << i);
    const Tensor g = fixture().find(name + ".grad" + std::to_string(i));
    REQUIRE(inputs[static_cast<std::size_t>(i)].grad().defined());
    CHECK(test::max_abs_diff(test::values(inputs[static_cast<std::size_t>(i)].grad()), test::values(g)) < 1e-10);
  }
}
}  // namespace

TEST_CASE("ops agree with PyTorch in value and gradient", "[torch]") {
  compare("conv2d", 3, [](const auto& in) { return conv2d(in[0], in[1], in[2], {2, 1}); });
  compare("conv_transpose2d", 3, [](const auto& in) { return conv_transpose2d(in[0], in[1], in[2], {2, 1, 1, 1}); });
  compare("instance_norm", 3, [](const auto& in) { return instance_norm(in[0], in[1], in[2]); });
  compare("batch_norm", 3, [](const auto& in) {
    return batch_norm(in[0], in[1], in[2], Tensor(), Tensor(), {true, 0.1, 1e-5});
  });
  compare("reflection_pad2d", 1, [](const auto& in) { return reflection_pad2d(in[0], 3); });
  compare("upsample_bilinear2x", 1, [](const auto& in) { return upsample_bilinear2x(in[0]); });
  compare("bce_with_logits_loss", 2, [](const auto& in) { return bce_with_logits_loss(in[0], in[1]); });
  compare("smooth_l1_loss", 2, [](const auto& in) { return smooth_l1_loss(in[0], in[1]); });
  compare("l2_normalize", 1, [](const auto& in) { return l2_normalize(in[0]); });
  compare("adain", 3, [](const auto& in) { return adain(in[0], in[1], in[2]); });
  compare("max_pool2d", 1, [](const auto& in) { return max_pool2d(in[0], 3, 2, 1); });
  compare("linear", 3, [](const auto& in) { return linear(in[0], in[1], in[2]); });
  // The target's gradient is PyTorch's only: Pigment's target takes none.
  compare("kl_divergence_loss", 2, [](const auto& in) { return kl_divergence_loss(in[0], in[1]); }, 1);
  compare("self_attention", 8,
          [](const auto& in) { return self_attention(in[0], in[1], in[2], in[3], in[4], in[5], in[6], in[7]); });
}
