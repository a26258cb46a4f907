#pragma once
// The generators: the reference's ResNet and U-Net (any depth), and the improved sa_unet —
// the U-Net with instance norm and SAGAN self-attention in the decoder.
#include <memory>
#include <string>
#include <vector>

#include "nets/layers.h"
#include "nets/network.h"

namespace pigment::nets {

struct GeneratorOptions {
  std::string arch = "unet_256";  // resnet_9blocks, resnet_6blocks, unet_256, unet_128, unet_<downs>d, sa_unet_256, sa_unet_128
  int input_nc = 3, output_nc = 3;
  int ngf = 64;
  NormType norm = NormType::batch;  // sa_unet always uses instance norm
  bool dropout = false;
  // sa_unet: self-attention after the decoder blocks whose output is input/d, for each d here
  // (default: 1/4 and 1/8 of the input, i.e. 64×64 and 32×32 at 256²).
  std::vector<int> attention_divisors = {4, 8};
};

// Throws, naming the known architectures, for an unknown one. Dropout layers draw from `dropout_rng`.
std::unique_ptr<Network> make_generator(const GeneratorOptions& options, const Device& device, Rng* dropout_rng);

// The depth (number of stride-2 downsamplings) of a U-Net architecture name, or 0 for others.
int unet_depth(const std::string& arch);

}  // namespace pigment::nets
