#pragma once
// The memory colorizer's query network: features f of an image's L channel, and the query
// q = normalise(W·f + b) that the memory is searched with (the `query` layer; MemoPainter's
// ResNet-18 + linear). Two feature extractors:
//   resnet18:   torchvision's ResNet-18 layout and names (conv1, bn1, layer1…layer4, fc) at a
//               chosen width (64 is torchvision's; its weights load with load_torchvision_weights),
//               reading L as the gray sRGB image ImageNet normalisation expects. No pretrained
//               weights can be had here, so it learns: `fc` predicts the image's ab distribution
//               over the gamut bins (kl_divergence_loss) — the property retrieval needs — while
//               the query layer learns by the threshold triplet loss on detached features.
//   descriptor: weight-free and deterministic, the baseline: an 8×8 thumbnail of L and 4×4 cells
//               of histograms of 8 gradient orientations (rectified oriented derivatives), each
//               L2-normalised.
#include <cstdint>
#include <filesystem>
#include <memory>

#include "engine/names.h"
#include "nets/layers.h"
#include "nets/network.h"

namespace pigment::nets {

enum class KeyNetArch { resnet18, descriptor };
inline constexpr EnumNames<KeyNetArch, 2> kKeyNetNames{
    {{{"resnet18", KeyNetArch::resnet18}, {"descriptor", KeyNetArch::descriptor}}}};

struct KeyNetworkOptions {
  KeyNetArch arch = KeyNetArch::resnet18;
  int width = 16;                // the ResNet's first layer's channels (torchvision: 64)
  std::int64_t query_dims = 512;  // q's length (MemoPainter's)
  std::int64_t bins = 0;          // the distribution head's outputs (resnet18)
};

class KeyNetwork final : public Module {
 public:
  KeyNetwork(const KeyNetworkOptions& options, const Device& device);
  // f [N, F] of L [N, 1, H, W] (the model's scaling, L/50 − 1).
  Tensor features(const Tensor& L);
  // Logits over the gamut bins of f (resnet18: the learned target of the features).
  Tensor distribution_logits(const Tensor& f);
  bool learns_features() const { return options_.arch == KeyNetArch::resnet18; }
  // q = normalise(W·f + b).
  Tensor query(const Tensor& f);
  Tensor forward(const Tensor& L) override { return query(features(L)); }
  std::int64_t feature_dims() const;
  const KeyNetworkOptions& options() const { return options_; }

 private:
  KeyNetworkOptions options_;
  Module* extractor_ = nullptr;  // resnet18's trunk (conv1 … layer4) or the descriptor
  Linear* fc_ = nullptr;
  Linear* query_ = nullptr;
};

// A network of the key network (the checkpoint's "K"); H and W multiples of 32 for resnet18, of
// 8 for the descriptor.
std::unique_ptr<Network> make_key_network(const KeyNetworkOptions& options, const Device& device);

// Copies a torchvision ResNet-18's weights (conv1 … layer4, a safetensors file of its state_dict:
// tools/convert_reference_checkpoint.py) into the key network; fc and query keep theirs. Throws,
// naming the tensor, for a missing or misshapen one. Returns how many tensors it copied.
int load_torchvision_weights(Network& key_network, const std::filesystem::path& file);

}  // namespace pigment::nets
