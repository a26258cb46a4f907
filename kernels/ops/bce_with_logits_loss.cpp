#include "kernels/ops/loss.h"
#include "kernels/ops/spec.h"

namespace pigment {

Tensor bce_with_logits_loss(const Tensor& x, const Tensor& target) {
  return detail::loss<OpId::bce_with_logits_loss>(LossKind::bce_with_logits, x, target);
}

OpSpec make_spec_bce_with_logits_loss() {
  // Logits over a wide range (|x| up to ~3σ), targets in [0, 1] (soft labels included).
  return detail::loss_spec(OpId::bce_with_logits_loss, &bce_with_logits_loss,
                           [](const Shape& s, Rng& g, DType t, const Device& d) {
                             return std::vector<Tensor>{random_tensor(s, g, t, d),
                                                        random_tensor(s, g, t, d, Values::unit)};
                           });
}

}  // namespace pigment
