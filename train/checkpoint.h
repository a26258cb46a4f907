#pragma once
// Checkpoints, as safetensors, in <checkpoints_dir>/<name>/:
//   <tag>_net_<G|D|G_A|G_B|D_A|D_B>.safetensors   each network's state_dict (the reference's keys),
//                                                 for gan-test and for PyTorch
//   <tag>_state.safetensors                        everything an exact resume needs, self-contained:
//                                                 every network's weights and buffers, Adam moments
//                                                 and steps, image pools, the model's RNG position,
//                                                 the scheduler, epoch, batch cursor, iteration counts
// <tag> is latest, an epoch number, or iter_<N>. Every file is written atomically (temporary file,
// fsync, rename), the state file last; resuming reads the state file alone, so a save interrupted
// between files can never pair weights of one step with optimizer moments of another.
#include <cstdint>
#include <filesystem>
#include <string>

#include "nets/models/model.h"
#include "train/scheduler.h"

namespace pigment::train {

struct Progress {
  std::int64_t epoch = 1;           // the epoch in progress (or the next one, at an epoch boundary)
  std::int64_t next_batch = 0;      // the first batch of `epoch` not yet trained
  std::int64_t epoch_iter = 0;      // images trained in `epoch`
  std::int64_t total_iters = 0;     // images trained in the whole run
  double epoch_loss_sum = 0;        // for the plateau policy: Σ generator loss this epoch …
  std::int64_t epoch_loss_count = 0;  // … over this many printed steps
};

void save_checkpoint(const std::filesystem::path& dir, const std::string& tag, const nets::Model& model,
                     const LrScheduler& scheduler, const Progress& progress, const std::string& options_json);

// Restores model weights, optimizer state, pools, RNG and scheduler from <tag>_state.safetensors;
// returns the progress to continue from. Errors name the file and what does not match.
Progress load_checkpoint(const std::filesystem::path& dir, const std::string& tag, nets::Model& model,
                         LrScheduler& scheduler);

// Loads one network's weights from <tag>_net_<name>.safetensors (gan-test).
void load_network(const std::filesystem::path& dir, const std::string& tag, const std::string& name,
                  nets::Network& net);

}  // namespace pigment::train
