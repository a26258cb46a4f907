// smooth_l1_loss(x, t) = mean over n of ½d² for |d| < 1, |d| − ½ otherwise, d = x − t
// (kernels/ops/loss.h; PyTorch's SmoothL1Loss, β = 1): the memory-augmented colorizer's loss on
// ab, quadratic near the target like MSE and linear far from it like L1.
#include "kernels/ops/loss.h"
#include "kernels/ops/spec.h"

namespace pigment {

Tensor smooth_l1_loss(const Tensor& x, const Tensor& target) {
  return detail::loss<OpId::smooth_l1_loss>(LossKind::smooth_l1, x, target);
}

OpSpec make_spec_smooth_l1_loss() {
  // x = t + d with |d| in [0.05, 0.8] (the quadratic zone) or [1.2, 2.5] (the linear one), half
  // each: both pieces are checked, and the finite differences stay off the kink at |d| = 1.
  return detail::loss_spec(OpId::smooth_l1_loss, &smooth_l1_loss, [](const Shape& s, Rng& g, DType t, const Device& d) {
    Tensor target = random_tensor(s, g, t, d, Values::normal, true);
    std::vector<double> x = target.to_vector<double>();
    for (double& v : x) {
      const double magnitude = g.uniform() < 0.5 ? g.uniform(0.05, 0.8) : g.uniform(1.2, 2.5);
      v += g.uniform() < 0.5 ? -magnitude : magnitude;
    }
    Tensor input = Tensor::from_vector(s, x, d, t);
    input.set_requires_grad(true);
    return std::vector<Tensor>{input, target};
  });
}

}  // namespace pigment
