#pragma once
// gan-train's options: the reference implementation's names and defaults (base_options.py,
// train_options.py and each model's modify_commandline_options), plus Pigment's --seed, --device,
// --config and a few of its own. With no --dataroot, gan-train trains a small colorizer on the
// built-in synthetic scenes.
//
// Every option is parsed once, at the command line, into its type (an enum through the name table
// beside it, a GeneratorArch, a number) and stored straight into the struct of the layer that
// uses it: DataOptions for the data, ModelOptions for the networks and losses, KernelChoice for
// the CUDA implementations. Their defaults are the reference's and exist only there; what is left
// here is the run's own (names, schedule, logs). gan-test reads train_opt.txt back through the
// same parser (read_train_options).
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/kernel_choice.h"
#include "nets/models/model.h"
#include "train/data/dataset.h"
#include "train/scheduler.h"

namespace pigment::train {

// --direction: which side of an aligned pair is the input.
inline constexpr EnumNames<bool, 2> kDirectionNames{{{{"AtoB", true}, {"BtoA", false}}}};

struct TrainOptions {
  // What the layers take. Options the reference shares between them (--norm, --input_nc,
  // --output_nc, --seed) are stored in one place and copied to the others by the parser.
  data::DataOptions data;     // --dataroot, --phase, --dataset_mode, --direction, --preprocess, …
  nets::ModelOptions model;   // --model, --netG, --netD, --norm, --gan_mode, --lr, --lambda_*, …
  KernelChoice kernels;       // --conv_impl, --matmul_impl, --attention_impl (CUDA only)

  // The run's own.
  std::string name = "experiment_name";
  std::string checkpoints_dir = "./checkpoints";
  std::string epoch = "latest";  // which checkpoint --continue_train loads
  int display_winsize = 256;
  bool verbose = false;
  int display_freq = 400, print_freq = 100, save_latest_freq = 5000, save_epoch_freq = 5;
  bool save_by_iter = false, continue_train = false;
  bool overwrite = false;  // start over in an experiment that holds a trained run (the old one moved aside)
  int epoch_count = 1;
  int n_epochs = 100, n_epochs_decay = 100;
  LrPolicy lr_policy = LrPolicy::linear;
  int lr_decay_iters = 50;
  std::string device = "auto";
  std::string gpu_ids;        // the reference's GPU choice (-1: cpu, N: cuda:N), resolved into `device`
  int load_iter = 0;          // > 0: the checkpoint iter_<N> (in place of --epoch), as the reference
  std::string suffix;         // appended to --name as _<suffix>, each {option} replaced by its value
  bool force = false;         // --continue_train even with options that make the resume inexact
  std::string config;
  bool no_progress = false;     // no progress bar even on a terminal
  double dist_timeout = 600;    // data parallelism: a collective waiting longer stops every rank
  bool tensorboard = true;      // TensorBoard event files in the experiment's folder (--no_tensorboard)
  std::int64_t stop_after = 0;  // > 0: stop as if interrupted once this many images were trained (tests resume)
  // Tests only, not options: before step poison_at_step (1, 2, …) the first network's first
  // weight becomes NaN (its losses diverge), or with poison_adam the first optimizer's second
  // moments become +inf (the losses stay finite: Adam's steps are 0, but the state is unusable).
  std::int64_t poison_at_step = 0;
  bool poison_adam = false;

  // The reference's live-display options (visdom, wandb, the HTML switch): accepted with their
  // defaults so its command lines run, and reported once as ignored.
  struct ReferenceDisplay {
    int display_ncols = 4, display_id = 1, display_port = 8097, update_html_freq = 1000;
    std::string display_server = "http://localhost", display_env = "main", wandb_project_name = "CycleGAN-and-pix2pix";
    bool no_html = false, use_wandb = false;
  } reference_display;
  std::vector<std::string> ignored;  // those of them given (option names), in the order of --help

  // Option name → (value as printed in train_opt.txt, default), sorted by name.
  std::map<std::string, std::pair<std::string, std::string>> table;

  std::filesystem::path experiment_dir() const { return std::filesystem::path(checkpoints_dir) / name; }
  bool synthetic() const { return data.dataroot.empty(); }
};

// Parses argv into options (CLI11; --help lists every option with its default). Model-specific
// defaults apply to options not given explicitly, as in the reference; with no --dataroot the
// built-in synthetic colorizer's defaults apply likewise. Returns nothing when --help was
// printed; throws pigment::Error with the problem and the fix on bad input.
std::optional<TrainOptions> parse_train_options(int argc, const char* const* argv);
std::optional<TrainOptions> parse_train_options(std::span<const std::string> args);  // without argv[0]

// The one line that reports the given options Pigment ignores ("" when none): `tool: ignored
// --display_id (visdom) …: what Pigment offers instead`.
std::string ignored_options_note(const TrainOptions& options, std::string_view tool);

// --suffix as the reference applies it to --name: each {option} replaced by the option's value as
// train_opt.txt prints it ({model}_{netG}_size{load_size}); an unknown {option} is an error.
std::string expand_name_suffix(const std::string& suffix, const TrainOptions& options);

// The device a command asks for: --device, or --gpu_ids as the reference spells it (-1 → cpu,
// N → cuda:N) when given. A list of several GPUs (several_gpus: gan-train only) is one process per
// GPU: in the process of local rank r, the r-th GPU; before gan-train starts them, "cuda". A list
// where one GPU is expected is refused, and so are --gpu_ids and a --device that disagrees with it,
// each naming the fix.
std::string resolve_device(const std::string& gpu_ids, const std::string& device, bool device_given,
                           bool several_gpus = false);
// --gpu_ids's numbers: -1 alone, or distinct GPU numbers.
std::vector<int> parse_gpu_ids(const std::string& gpu_ids);

// Whether command-line arguments give option `name`, as --name or --name=value.
bool gives_option(std::span<const std::string> args, std::string_view name);

// The reference's options block ('{:>25}: {:<30}{}' with [default: X] where a value differs).
std::string format_options(const TrainOptions& options);

// The options a training ran with, from its train_opt.txt (format_options' output), through the
// same parser: every value typed and checked as on the command line. Options that no longer
// exist are ignored; a file that is not an options block is an error naming it.
// `overrides` are command-line arguments given after the recorded values (the last wins), parsed
// as gan-train would parse them; errors name `tool`.
TrainOptions read_train_options(const std::filesystem::path& file, std::span<const std::string> overrides = {},
                                std::string_view tool = "gan-train");
// The options gan-train would have used by default: for `model` trained on a folder of images
// (the reference's defaults with that model's own), or with no model the built-in synthetic
// colorizer's (the README's main command).
TrainOptions default_train_options(std::optional<nets::ModelKind> model, std::span<const std::string> overrides = {},
                                   std::string_view tool = "gan-train");

}  // namespace pigment::train
