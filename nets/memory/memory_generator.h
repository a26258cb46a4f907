#pragma once
// The memory colorizer's generator and discriminator (MemoPainter), both conditioned on a colour
// feature (nets/memory/colour_features.h):
//   G: a U-Net whose normalisations are AdaIN layers, their per-sample (γ, β) computed by an MLP of
//      the colour feature — γ = 1 + the MLP's output, so that a freshly initialised MLP (outputs
//      near 0) starts as instance norm. The MLP is MUNIT's (Linear, ReLU ×2, Linear) at width 256:
//      ~2.7 M numbers for the 256² U-Net, where MemoPainter's port, whose width is its output
//      size, has 197 M.
//   D: a PatchGAN on (L, ab) and a learned projection of the colour feature to 8 channels tiled
//      over the image (the port tiles the raw feature: 313 extra input channels).
// set_colour / set_condition before each forward.
#include <cstdint>
#include <memory>
#include <vector>

#include "nets/discriminators.h"
#include "nets/generators.h"

namespace pigment::nets {

class MemoryGenerator final : public Module {
 public:
  // `options` a U-Net architecture (its norm becomes AdaIN); `value_dims` the colour feature's length.
  MemoryGenerator(const GeneratorOptions& options, std::int64_t value_dims, const Device& device, Rng* dropout_rng);
  // Sets every AdaIN layer's (γ, β) from the colour features [N, value_dims].
  void set_colour(const Tensor& values);
  Tensor forward(const Tensor& L) override { return unet_->forward(L); }
  std::int64_t adain_numbers() const { return adain_numbers_; }  // Σ 2·channels over the AdaIN layers

 private:
  Module* unet_;
  Sequential* mlp_;
  std::vector<AdaIN2d*> adain_;
  std::int64_t adain_numbers_ = 0;
};

class ConditionedDiscriminator final : public Module {
 public:
  static constexpr std::int64_t kConditionChannels = 8;
  // `options.input_nc` the image's channels (L + ab = 3); the PatchGAN takes 8 more.
  ConditionedDiscriminator(const DiscriminatorOptions& options, std::int64_t value_dims, const Device& device);
  void set_condition(const Tensor& values);
  Tensor forward(const Tensor& image) override;

 private:
  Linear* condition_;
  Module* patchgan_;
  Tensor projected_;  // [N, 8] of the last set_condition
};

// The networks (the checkpoint's "G" and "D"), with the U-Net's size checks.
std::unique_ptr<Network> make_memory_generator(const GeneratorOptions& options, std::int64_t value_dims,
                                               const Device& device, Rng* dropout_rng);
std::unique_ptr<Network> make_conditioned_discriminator(const DiscriminatorOptions& options, std::int64_t value_dims,
                                                        const Device& device);

}  // namespace pigment::nets
