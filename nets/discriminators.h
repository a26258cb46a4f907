#pragma once
// The discriminators: the PatchGAN (basic = 3 layers, the 70×70 PatchGAN; n_layers), and the
// 1×1 pixel discriminator. None ends in a sigmoid: the losses take logits.
#include <memory>
#include <string>

#include "nets/layers.h"
#include "nets/network.h"

namespace pigment::nets {

struct DiscriminatorOptions {
  std::string arch = "basic";  // basic, n_layers, pixel
  int input_nc = 6;
  int ndf = 64;
  int n_layers = 3;            // for n_layers (basic is 3)
  NormType norm = NormType::batch;
};

std::unique_ptr<Network> make_discriminator(const DiscriminatorOptions& options, const Device& device);

// The side of the PatchGAN's output for an input side (−1 if too small), and its receptive field.
std::int64_t patchgan_output_size(std::int64_t input, int n_layers);
std::int64_t patchgan_receptive_field(int n_layers);

}  // namespace pigment::nets
