#pragma once
// Checkpoints, as safetensors, in <checkpoints_dir>/<name>/:
//   <tag>_net_<G|D|G_A|G_B|D_A|D_B>.safetensors   each network's state_dict (the reference's keys),
//                                                 for gan-test and for PyTorch
//   <tag>_state.safetensors                        everything an exact resume needs, self-contained:
//                                                 every network's weights and buffers (net_<name>.<key>),
//                                                 Adam moments and steps, image pools, the model's RNG
//                                                 position, the scheduler, epoch, batch cursor, counts
// <tag> is latest, an epoch number, or iter_<N>.
//
// Generations. One save writes one generation: the net files, then the state file, each atomically
// (temporary <file>.tmp.<pid>, fsync, rename). The state file is the commit record: its metadata
// holds total_iters (the step) and, for each network, net_<name>_checksum, the data checksum
// (engine/safetensors.h, pigment_data_checksum) of the net file written in the same save. A net
// file belongs to the state's generation when its checksum is the recorded one; otherwise a save was
// interrupted after writing it (or it is missing or damaged), and the state's copy of the weights,
// the last whole generation, is the one to use:
//   resume (load_checkpoint) reads the state alone and warns about a net file of another generation;
//   gan-test (load_network) uses the net file when it matches, else the state's weights, saying so.
// A state from before generations (no net_<name>_checksum) leaves the net files trusted as they are.
//
// Values. A save first copies every tensor it would write to the host and refuses inf/NaN there
// (NonFiniteState; nothing is written, the previous checkpoints stay), and every load refuses a
// file holding inf/NaN, naming the tensor. Every file carries a data checksum, verified on reading.
#include <cstdint>
#include <filesystem>
#include <string>

#include "engine/error.h"
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

// A tensor to be saved holds inf or NaN: the message names the first one and how many values.
class NonFiniteState : public Error {
 public:
  using Error::Error;
};

// Data parallelism: the state file of a run of W ranks holds, besides rank 0's state, each other
// rank's (Model::save_rank_state: its RNG position and image pools) under "rank<r>." — its tensors'
// names and its metadata keys — and world_size = W. `other_ranks` are ranks 1 … W−1's rank states,
// each serialized as safetensors.
struct RankPlace {
  int rank = 0, world_size = 1;
};

// Writes one generation (above). Throws NonFiniteState, having written nothing, when any weight,
// buffer, optimizer moment or pooled image is not finite.
void save_checkpoint(const std::filesystem::path& dir, const std::string& tag, const nets::Model& model,
                     const LrScheduler& scheduler, const Progress& progress, const std::string& options_json,
                     const std::vector<std::vector<std::byte>>& other_ranks = {});

// Restores model weights, optimizer state, pools, RNG and scheduler from <tag>_state.safetensors;
// returns the progress to continue from. Errors name the file and what does not match. Prints a
// warning line for each net file of that tag that is not of the state's generation.
// `place` says which rank of how many loads: rank r of a run of the same world size takes its own
// rank state; another world size takes rank 0's weights, optimizer and schedule (ranks other than 0
// keep their fresh random streams and empty pools) and `exact` is false. `state_bytes`, when given,
// are the state file's bytes (rank 0 reads the file and broadcasts it: no shared filesystem needed).
// <tag>_state.safetensors in `dir`; an error naming the fix when there is none.
std::filesystem::path existing_state_file(const std::filesystem::path& dir, const std::string& tag);

struct LoadedCheckpoint {
  Progress progress;
  int saved_world_size = 1;
  bool exact = true;
};
LoadedCheckpoint load_checkpoint(const std::filesystem::path& dir, const std::string& tag, nets::Model& model,
                                 LrScheduler& scheduler, RankPlace place = {},
                                 const std::vector<std::byte>* state_bytes = nullptr);

// What load_network used.
struct LoadedNetwork {
  std::filesystem::path file;  // the net file, or the state file when from_state
  std::int64_t step = -1;      // its total_iters (-1: not recorded, e.g. a file converted from PyTorch)
  bool from_state = false;     // the net file was of an interrupted save, missing or damaged
};

// Loads one network's weights (gan-test): from <tag>_net_<name>.safetensors when it is of the
// generation of <tag>_state.safetensors (or there is no state to compare with), else from the
// state file's copy, printing one line that names both files and both steps.
LoadedNetwork load_network(const std::filesystem::path& dir, const std::string& tag, const std::string& name,
                           nets::Network& net);

// Removes the files in `dir` named *.tmp.<pid> (write_file_atomically's temporaries) whose process
// is gone, left by a writer that was killed; a live process's are kept. Returns how many it removed.
int remove_stale_temporaries(const std::filesystem::path& dir);

}  // namespace pigment::train
