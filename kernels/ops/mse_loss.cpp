#include "kernels/ops/loss.h"
#include "kernels/ops/spec.h"

namespace pigment {

Tensor mse_loss(const Tensor& x, const Tensor& target) { return detail::loss<OpId::mse_loss>(LossKind::mse, x, target); }

OpSpec make_spec_mse_loss() {
  return detail::loss_spec(OpId::mse_loss, &mse_loss, [](const Shape& s, Rng& g, DType t, const Device& d) {
    return std::vector<Tensor>{random_tensor(s, g, t, d), random_tensor(s, g, t, d)};
  });
}

}  // namespace pigment
