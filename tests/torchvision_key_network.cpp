// The key network's ResNet-18 with torchvision's weights: reads a torchvision ResNet-18 state_dict
// (converted to safetensors) and L images, writes the key network's features in evaluation mode,
// for tests/python/check_torchvision_resnet.py to compare with torchvision's own forward.
//   pigment-torchvision-key-check WEIGHTS.safetensors INPUT.safetensors OUTPUT.safetensors
#include <cstdio>

#include "engine/safetensors.h"
#include "nets/memory/key_network.h"

using namespace pigment;
using namespace pigment::nets;

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s WEIGHTS INPUT OUTPUT\n", argv[0]);
    return 2;
  }
  try {
    const Device cpu = Device::cpu();
    auto net = make_key_network({KeyNetArch::resnet18, 64, 16, 10}, cpu);
    const int copied = load_torchvision_weights(*net, argv[1]);
    net->set_training(false);
    const Tensor L = load_safetensors(argv[2], cpu).find("L");
    Tensor f;
    {
      autograd::NoGradGuard no_grad;
      f = dynamic_cast<KeyNetwork&>(net->root()).features(L);
    }
    save_safetensors(argv[3], {{"features", f}}, {{"copied", std::to_string(copied)}});
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pigment-torchvision-key-check: %s\n", e.what());
    return 1;
  }
}
