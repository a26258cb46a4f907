#include "kernels/ops/loss.h"
#include "kernels/ops/spec.h"

namespace pigment {

Tensor l1_loss(const Tensor& x, const Tensor& target) { return detail::loss<OpId::l1_loss>(LossKind::l1, x, target); }

OpSpec make_spec_l1_loss() {
  // Inputs kept off the kink: x = t ± [0.2, 1.5].
  return detail::loss_spec(OpId::l1_loss, &l1_loss, [](const Shape& s, Rng& g, DType t, const Device& d) {
    Tensor target = random_tensor(s, g, t, d, Values::normal, true);
    Tensor offset = random_tensor(s, g, DType::f64, Device::cpu(), Values::away_from_zero, false);
    std::vector<double> x = target.to_vector<double>(), o = offset.to_vector<double>();
    for (std::size_t i = 0; i < x.size(); ++i) x[i] += o[i];
    Tensor input = Tensor::from_vector(s, x, d, t);
    input.set_requires_grad(true);
    return std::vector<Tensor>{input, target};
  });
}

}  // namespace pigment
