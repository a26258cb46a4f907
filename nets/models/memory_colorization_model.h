#pragma once
// The memory colorizer (Yoo et al. 2019, "Coloring With Limited Data: Few-Shot Colorization via
// Memory-Augmented Networks" — MemoPainter; docs/memory-colorizer.md): a colorization generator G
// conditioned on a colour feature, its discriminator D, and beside them a colour memory M searched
// by a query network K. Networks (checkpoint files): G, D, K, and M (the memory's slots).
//
// Per training step (L = real_A, ab = real_B, v = the images' colour values):
//   1. K: loss_K_dist = KL(distribution(ab) ‖ softmax(fc(features(L)))) (resnet18 only, batch norm
//      on batch statistics); q = normalise(W·f + b) with f = features(L) as inference computes them
//      (batch norm on running statistics, no gradient); loss_K_triplet = the memory's threshold
//      triplet loss; one Adam step on K;
//   2. M: the update with q recomputed by the stepped W, b (sample by sample);
//   3. D step, G step as pix2pix (D conditioned on v, G on v — the image's own value at training
//      time): loss_D = ½·(GAN(D(L, fake)) + GAN(D(L, ab))); loss_G = GAN + λ_L1·smoothL1(fake, ab).
// At test time the colour value comes from the memory: the value of the slot nearest K(L) (or the
// k nearest, for alternatives), or of a reference photo.
#include <memory>
#include <vector>

#include "nets/memory/colour_memory.h"
#include "nets/memory/memory_generator.h"
#include "nets/models/model.h"

namespace pigment::nets {

// The slots retrieved for a batch of gray images, best first.
struct Retrieval {
  Tensor values;                      // [N·k, V]: image n's j-th slot at row n·k + j
  std::vector<std::int64_t> slots;    // −1 past the occupied slots
  std::vector<double> scores;         // cosine similarity of the query and the slot's key
  std::vector<std::int64_t> sources;  // the training image each slot's colours came from (−1: none)
};

class MemoryColorizationModel final : public Model {
 public:
  MemoryColorizationModel(const ModelOptions& options, const Device& device);

  void set_input(const Tensor& a, const Tensor& b) override;
  void set_input_sources(std::span<const std::int64_t> indices) override;
  void optimize_parameters() override;
  void test() override;
  std::vector<Visual> current_visuals() const override;

  // Inference (gan-test, gan-serve). L [N, 1, H, W] in the model's scaling, on any device.
  Retrieval retrieve(const Tensor& L, int k);
  // ab [N, 2, H, W] of G for L and the colour values [N, V].
  Tensor colorize(const Tensor& L, const Tensor& values);
  // The colour values [N, V] of colour images (L, ab): a reference photo's.
  Tensor colour_values(const Tensor& L, const Tensor& ab) const;

  const ColourFeatures& features() const { return features_; }
  ColourMemory& memory() { return *memory_; }
  KeyNetwork& key_network() { return *key_; }
  int top_k() const { return top_k_; }
  double threshold() const { return threshold_; }

 private:
  ColourFeatures features_;
  int top_k_;
  double threshold_;
  Network *G_ = nullptr, *D_ = nullptr, *K_ = nullptr, *M_ = nullptr;
  MemoryGenerator* generator_ = nullptr;
  ConditionedDiscriminator* discriminator_ = nullptr;
  KeyNetwork* key_ = nullptr;
  ColourMemory* memory_ = nullptr;
  Adam *opt_G_ = nullptr, *opt_D_ = nullptr, *opt_K_ = nullptr;
  Tensor real_A_, real_B_, fake_B_, sources_;
};

std::unique_ptr<Model> make_memory_colorization_model(const ModelOptions& options, const Device& device);

}  // namespace pigment::nets
