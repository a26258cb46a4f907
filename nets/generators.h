#pragma once
// The generators: the reference's ResNet and U-Net (any depth), and the improved sa_unet —
// the U-Net with instance norm and SAGAN self-attention in the decoder.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "nets/layers.h"
#include "nets/network.h"

namespace pigment::nets {

// A generator architecture as the reference names it (--netG): resnet_9blocks, resnet_6blocks,
// unet_256, unet_128, unet_<N>d (N stride-2 levels, 5 ≤ N ≤ 12; unet_256 is unet_8d), and the
// improved generator sa_unet_256, sa_unet_128, sa_unet_<N>d. The one grammar of those names.
struct GeneratorArch {
  enum class Family : std::uint8_t { resnet, unet, sa_unet };
  Family family = Family::unet;
  int size = 8;  // resnet: residual blocks (6 or 9); unet, sa_unet: stride-2 levels

  GeneratorArch() = default;
  GeneratorArch(Family f, int n) : family(f), size(n) {}
  // From a name written in the code ("unet_5d"); names from users go through parse().
  GeneratorArch(const char* name) : GeneratorArch(parse(name)) {}  // NOLINT: implicit on purpose

  // Throws, naming the grammar (and the closest name for a slip), for anything else.
  static GeneratorArch parse(std::string_view name);
  // The canonical name: resnet_9blocks, unet_256 (8 levels), unet_128 (7), unet_<N>d otherwise.
  std::string name() const;
  bool is_unet() const { return family != Family::resnet; }
  // H and W must be multiples of this: 2^levels for a U-Net, 4 for a ResNet (two stride-2 convs).
  int input_multiple() const { return is_unet() ? 1 << size : 4; }
  bool operator==(const GeneratorArch&) const = default;
};

struct GeneratorOptions {
  GeneratorArch arch{GeneratorArch::Family::resnet, 9};  // resnet_9blocks, the reference's default
  int input_nc = 3, output_nc = 3;
  int ngf = 64;
  NormType norm = NormType::instance;  // sa_unet always uses instance norm
  bool dropout = true;                 // the reference's --no_dropout is off by default
  // sa_unet: self-attention after the decoder blocks whose output is input/d, for each d here
  // (default: 1/4 and 1/8 of the input, i.e. 64×64 and 32×32 at 256²).
  std::vector<int> attention_divisors = {4, 8};
};

// Throws, naming the known architectures, for an unknown one. Dropout layers draw from `dropout_rng`.
std::unique_ptr<Network> make_generator(const GeneratorOptions& options, const Device& device, Rng* dropout_rng);

// The U-Net (or SA-U-Net) of a U-Net architecture as a module, for a network that builds around it
// (the memory colorizer's generator: options.norm adain); names as make_generator's root.
std::unique_ptr<Module> make_unet(const GeneratorOptions& options, const Device& device, Rng* dropout_rng);


}  // namespace pigment::nets
