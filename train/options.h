#pragma once
// gan-train's options: the reference implementation's names and defaults (base_options.py,
// train_options.py and each model's modify_commandline_options), plus Pigment's --seed, --device,
// --config and a few of its own. With no --dataroot, gan-train trains a small colorizer on the
// built-in synthetic scenes.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace pigment::train {

struct TrainOptions {
  // Base options.
  std::string dataroot;  // empty: built-in synthetic scenes
  std::string name = "experiment_name";
  std::string checkpoints_dir = "./checkpoints";
  std::string model = "cycle_gan";
  int input_nc = 3, output_nc = 3;
  int ngf = 64, ndf = 64;
  std::string netD = "basic", netG = "resnet_9blocks";
  int n_layers_D = 3;
  std::string norm = "instance";
  std::string init_type = "normal";
  double init_gain = 0.02;
  bool no_dropout = false;
  std::string dataset_mode = "unaligned";
  std::string direction = "AtoB";
  bool serial_batches = false;
  int num_threads = 4;
  int batch_size = 1;
  int load_size = 286, crop_size = 256;
  double max_dataset_size = 1.0 / 0.0;  // inf
  std::string preprocess = "resize_and_crop";
  bool no_flip = false;
  int display_winsize = 256;
  std::string epoch = "latest";
  bool verbose = false;
  // Train options.
  int display_freq = 400, print_freq = 100, save_latest_freq = 5000, save_epoch_freq = 5;
  bool save_by_iter = false, continue_train = false;
  int epoch_count = 1;
  std::string phase = "train";
  int n_epochs = 100, n_epochs_decay = 100;
  double beta1 = 0.5, lr = 0.0002;
  std::string gan_mode = "lsgan";
  int pool_size = 50;
  std::string lr_policy = "linear";
  int lr_decay_iters = 50;
  // Model options (pix2pix / colorization / cycle_gan).
  double lambda_L1 = 100.0, lambda_A = 10.0, lambda_B = 10.0, lambda_identity = 0.5;
  // Pigment's own.
  std::uint64_t seed = 0;
  std::string device = "auto";
  std::string conv_impl = "auto";  // CUDA convolutions: custom, cudnn, gemm, or auto (fastest per shape)
  std::string config;
  double lambda_gp = 10.0;
  std::vector<int> attention_at = {4, 8};  // sa_unet: attention after decoder blocks at input/d
  std::int64_t synthetic_train = 512, synthetic_test = 32;  // built-in data: scenes per phase
  bool no_progress = false;                                 // no progress bar even on a terminal
  double max_bad_fraction = 0.05;
  std::int64_t stop_after = 0;  // > 0: stop as if interrupted once this many images were trained (tests resume)

  // Option name → value as printed in train_opt.txt, and whether it differs from the default.
  std::map<std::string, std::pair<std::string, std::string>> table;  // name → (value, default)

  std::filesystem::path experiment_dir() const { return std::filesystem::path(checkpoints_dir) / name; }
};

// Parses argv into options (CLI11; --help lists every option with its default). Model-specific
// defaults apply to options not given explicitly, as in the reference; with no --dataroot the
// built-in synthetic colorizer's defaults apply likewise. Returns nothing when --help was
// printed; throws pigment::Error with the problem and the fix on bad input.
std::optional<TrainOptions> parse_train_options(int argc, const char* const* argv);

// The reference's options block ('{:>25}: {:<30}{}' with [default: X] where a value differs).
std::string format_options(const TrainOptions& options);

}  // namespace pigment::train
