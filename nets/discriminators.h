#pragma once
// The discriminators: the PatchGAN (basic = 3 layers, the 70×70 PatchGAN; n_layers), and the
// 1×1 pixel discriminator. None ends in a sigmoid: the losses take logits.
#include <memory>
#include <string>

#include "engine/names.h"
#include "nets/layers.h"
#include "nets/network.h"

namespace pigment::nets {

// --netD: basic (the 70×70 PatchGAN, 3 layers), n_layers (a PatchGAN of --n_layers_D), pixel (1×1).
enum class DiscriminatorArch { basic, n_layers, pixel };
inline constexpr EnumNames<DiscriminatorArch, 3> kDiscriminatorNames{{{{"basic", DiscriminatorArch::basic},
                                                                        {"n_layers", DiscriminatorArch::n_layers},
                                                                        {"pixel", DiscriminatorArch::pixel}}}};

struct DiscriminatorOptions {
  DiscriminatorArch arch = DiscriminatorArch::basic;
  int input_nc = 6;
  int ndf = 64;
  int n_layers = 3;            // for n_layers (basic is 3)
  NormType norm = NormType::instance;
};

std::unique_ptr<Network> make_discriminator(const DiscriminatorOptions& options, const Device& device);
// The PatchGAN (basic or n_layers) as a module, for a network that builds around it (the memory
// colorizer's conditioned discriminator); names as make_discriminator's root.
std::unique_ptr<Module> make_patchgan(const DiscriminatorOptions& options, const Device& device);

// The side of the PatchGAN's output for an input side (−1 if too small), and its receptive field.
std::int64_t patchgan_output_size(std::int64_t input, int n_layers);
std::int64_t patchgan_receptive_field(int n_layers);

}  // namespace pigment::nets
