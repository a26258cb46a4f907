#include "nets/models/gan_loss.h"

#include "kernels/ops.h"

namespace pigment::nets {

Tensor gan_loss(GanMode mode, const Tensor& prediction, bool target_is_real) {
  switch (mode) {
    case GanMode::vanilla:
    case GanMode::lsgan: {
      const Tensor target = Tensor::full(prediction.shape(), target_is_real ? 1.0 : 0.0, prediction.dtype(),
                                         prediction.device());
      return mode == GanMode::vanilla ? bce_with_logits_loss(prediction, target) : mse_loss(prediction, target);
    }
    case GanMode::wgangp:
      return scale(mean(prediction), target_is_real ? -1.0 : 1.0);
  }
  return Tensor();
}

Tensor gradient_penalty(Network& discriminator, const Tensor& real, const Tensor& fake, double lambda, Rng& gen) {
  const Shape& shape = real.shape();
  const std::int64_t n = shape[0];
  // x̂ = α·real + (1 − α)·fake = fake + α·(real − fake), a fresh leaf.
  Tensor alpha = Tensor::empty({n, 1, 1, 1}, real.dtype(), real.device());
  gen.fill_uniform(alpha, 0.0, 1.0);
  Tensor interpolated;
  {
    autograd::NoGradGuard no_grad;
    interpolated = add(fake, mul(expand(alpha, shape), sub(real, fake)));
  }
  interpolated.set_requires_grad(true);
  const Tensor out = discriminator(interpolated);
  const Tensor roots[] = {out};
  const Tensor ones[] = {Tensor::full(out.shape(), 1.0, out.dtype(), out.device())};
  const Tensor inputs[] = {interpolated};
  const Tensor g = autograd::grad(roots, ones, inputs, /*create_graph=*/true)[0];
  // ‖g_n‖ over each sample's C·H·W values; the 1e-12 keeps the square root's derivative finite at 0.
  const Tensor norms = pow(scale(sum(mul(g, g), {1, 2, 3}), 1.0, 1e-12), 0.5);
  const Tensor deviation = scale(norms, 1.0, -1.0);
  return scale(mean(mul(deviation, deviation)), lambda);
}

DiscriminatorLosses conditional_discriminator_step(Network& discriminator, Adam& optimizer, GanMode mode,
                                                   double lambda_gp, Rng& gen, const Tensor& input, const Tensor& real,
                                                   const Tensor& fake) {
  optimizer.zero_grad();
  const Tensor fake_pair = concat({input, fake.detach()}, 1);
  const Tensor real_pair = concat({input, real}, 1);
  DiscriminatorLosses l;
  l.fake = gan_loss(mode, discriminator.forward(fake_pair), false);
  l.real = gan_loss(mode, discriminator.forward(real_pair), true);
  Tensor loss = scale(add(l.fake, l.real), 0.5);
  if (mode == GanMode::wgangp) {
    l.gp = gradient_penalty(discriminator, real_pair, fake_pair, lambda_gp, gen);
    loss = add(loss, l.gp);
  }
  loss.backward();
  optimizer.step();
  return l;
}

}  // namespace pigment::nets
