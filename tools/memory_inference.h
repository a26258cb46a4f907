#pragma once
// A trained memory colorizer for inference (gan-test, gan-serve): the networks G, K and the memory
// M of a checkpoint, and what a user asks of them — the colours of the nearest memory slot, the k
// alternatives of the k nearest, or those of a reference photo — each colorization at the image's
// own size, with the slot it used and the training image that slot's colours came from.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "nets/models/memory_colorization_model.h"
#include "train/data/image.h"
#include "train/options.h"

namespace pigment::inference {

struct Coloring {
  data::Image image;
  std::int64_t slot = -1;    // the memory slot whose colours were used (−1: a reference photo's)
  double similarity = 0;     // the cosine of the image's query and the slot's key
  std::string source;        // the training image the slot's colours came from ("" if unknown)
};

class MemoryColorizer {
 public:
  // Loads <dir>/<tag>_net_{G,K,M}.safetensors as train::load_network does; the memory's size is
  // the checkpoint's. Names the training images from <dir>/train_images.txt when it exists.
  MemoryColorizer(const train::TrainOptions& trained, const std::filesystem::path& dir, const std::string& tag,
                  const Device& device);

  // The colorizations with the colours of the k nearest occupied slots, nearest first (fewer when
  // fewer slots are occupied).
  std::vector<Coloring> colorize(const data::Image& rgb, int k);
  // The colorization with the colours of a reference photo (any size; its colour feature is taken
  // at the model's size).
  Coloring colorize_like(const data::Image& rgb, const data::Image& reference);
  // The colorization with the colours of memory slot `slot`; a uniformly drawn occupied slot.
  Coloring colorize_with_slot(const data::Image& rgb, std::int64_t slot);
  std::int64_t random_occupied_slot(Rng& rng);
  // The colour distance (KL in log10 units, or ΔE2000) of each of `slots`' values to the colour
  // image's own, and the threshold under which the model calls them the same colours.
  std::vector<double> value_distances(const data::Image& truth, const std::vector<std::int64_t>& slots);
  double threshold() const { return model_->threshold(); }

  std::int64_t memory_slots();
  std::int64_t occupied_slots();
  int model_size() const { return model_size_; }
  std::string source_name(std::int64_t index) const;
  nets::MemoryColorizationModel& model() { return *model_; }

 private:
  std::unique_ptr<nets::MemoryColorizationModel> model_;
  int model_size_;
  std::vector<std::string> training_images_;
};

// The memory size of a checkpoint's memory file <dir>/<tag>_net_M.safetensors.
std::int64_t checkpoint_memory_size(const std::filesystem::path& dir, const std::string& tag);

}  // namespace pigment::inference
