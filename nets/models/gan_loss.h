#pragma once
// The GAN objectives, on discriminator logits (mean over every patch logit):
//   vanilla: BCE-with-logits against 1 (real) or 0 (fake)
//   lsgan:   MSE against 1 or 0
//   wgangp:  −mean(pred) for real, +mean(pred) for fake, plus a gradient penalty in D's loss
// and the WGAN-GP penalty λ·mean_n (‖∇_x̂ D(x̂_n)‖₂ − 1)² at x̂ = α·real + (1 − α)·fake, α ~ U(0, 1)
// per sample (Gulrajani et al. 2017). The reference implementation defines the penalty but never
// applies it; Pigment applies it.
#include <string>

#include "engine/adam.h"
#include "engine/names.h"
#include "engine/rng.h"
#include "nets/network.h"

namespace pigment::nets {

enum class GanMode { vanilla, lsgan, wgangp };
inline constexpr EnumNames<GanMode, 3> kGanModeNames{
    {{{"vanilla", GanMode::vanilla}, {"lsgan", GanMode::lsgan}, {"wgangp", GanMode::wgangp}}}};

Tensor gan_loss(GanMode mode, const Tensor& prediction, bool target_is_real);

// The penalty term (already multiplied by lambda). D's parameters get their gradient through
// the double backward of D's layers.
Tensor gradient_penalty(Network& discriminator, const Tensor& real, const Tensor& fake, double lambda, Rng& gen);

// The D step of a conditional GAN (pix2pix, the colorizers): D judges cat(input, fake.detach()) as
// fake and cat(input, real) as real, loss_D = ½·(GAN_fake + GAN_real) [+ the gradient penalty for
// wgangp], one step of `optimizer`. D must be trainable when it is called.
struct DiscriminatorLosses {
  Tensor real, fake, gp;  // gp undefined unless wgangp
};
DiscriminatorLosses conditional_discriminator_step(Network& discriminator, Adam& optimizer, GanMode mode,
                                                   double lambda_gp, Rng& gen, const Tensor& input, const Tensor& real,
                                                   const Tensor& fake);

}  // namespace pigment::nets
