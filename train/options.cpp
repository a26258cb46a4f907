#include "train/options.h"

#include <algorithm>
#include <charconv>
#include <limits>
#include <type_traits>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <set>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "engine/distributed/launch.h"
#include "engine/error.h"
#include "engine/parse_number.h"

namespace pigment::train {

namespace {

std::string show(bool v) { return v ? "True" : "False"; }
std::string show(const std::string& v) { return v; }
std::string show(int v) { return std::to_string(v); }
std::string show(std::int64_t v) { return std::to_string(v); }
std::string show(std::uint64_t v) { return std::to_string(v); }
std::string show(double v) { return std::isinf(v) ? "inf" : fmt::format("{}", v); }
std::string show(const std::vector<int>& v) { return fmt::format("{}", fmt::join(v, ",")); }

// Every option once: its CLI11 registration, its typed parse and its row in the options table
// (train_opt.txt) come from here.
struct Registry {
  CLI::App& app;
  std::vector<std::pair<std::string, std::function<std::string()>>> printers;
  std::map<std::string, std::string> defaults;  // before model-specific defaults
  std::set<std::string> flags;                  // options that take no value

  void row(const std::string& name, std::function<std::string()> printer) {
    defaults[name] = printer();
    printers.emplace_back(name, std::move(printer));
  }
  template <class T> CLI::Option* option(const std::string& name, T& field, const std::string& help) {
    row(name, [&field] { return show(field); });
    return app.add_option("--" + name, field, help)->capture_default_str();
  }
  CLI::Option* flag(const std::string& name, bool& field, const std::string& help) {
    row(name, [&field] { return show(field); });
    flags.insert(name);
    return app.add_flag("--" + name, field, help);
  }
  // A "--no_X" flag of a positive setting: given, it clears `enabled`.
  CLI::Option* negative_flag(const std::string& name, bool& enabled, const std::string& help) {
    row(name, [&enabled] { return show(!enabled); });
    flags.insert(name);
    return app.add_flag_callback("--" + name, [&enabled] { enabled = false; }, help);
  }
  // A value parsed by `parse` (which throws pigment::Error with the valid values) and printed by `print`.
  template <class T, class Parse, class Print>
  CLI::Option* typed(const std::string& name, T& field, Parse parse, Print print, const std::string& help) {
    row(name, [&field, print] { return print(field); });
    return app
        .add_option_function<std::string>(
            "--" + name,
            [&field, parse, name](const std::string& text) {
              try {
                field = parse(text);
              } catch (const Error& e) {
                throw CLI::ValidationError("--" + name, e.what());
              }
            },
            help)
        ->default_str(print(field));
  }
  template <class T> CLI::Option* number(const std::string& name, T& field, const std::string& help, Bounds<T> b = {}) {
    return typed(
        name, field, [b](const std::string& t) { return parse_number<T>(t, b); }, [](T v) { return show(v); }, help);
  }
  template <class E, std::size_t N>
  CLI::Option* choice(const std::string& name, E& field, const EnumNames<E, N>& names, const std::string& what,
                      const std::string& help) {
    return typed(
        name, field, [&names, what](const std::string& t) { return names.parse(t, what); },
        [&names](E v) { return std::string(names.name(v)); }, help + " (" + names.list() + ")");
  }
};

// The model-specific defaults (the reference's parser.set_defaults in each model's
// modify_commandline_options): applied to options the user did not give.
struct Override {
  std::string name;
  std::string shown;  // the effective default, as train_opt.txt shows it
  std::function<void(TrainOptions&)> apply;
};

std::vector<Override> model_defaults(nets::ModelKind model, bool synthetic) {
  using nets::ModelKind;
  std::vector<Override> v;
  auto set = [&](const char* name, std::string shown, std::function<void(TrainOptions&)> apply) {
    v.push_back({name, std::move(shown), std::move(apply)});
  };
  if (model == ModelKind::pix2pix || model == ModelKind::colorization) {
    set("norm", "batch", [](TrainOptions& t) { t.model.generator.norm = nets::NormType::batch; });
    set("netG", "unet_256", [](TrainOptions& t) { t.model.generator.arch = "unet_256"; });
    set("dataset_mode", "aligned", [](TrainOptions& t) { t.data.mode = data::DatasetMode::aligned; });
    set("gan_mode", "vanilla", [](TrainOptions& t) { t.model.gan_mode = nets::GanMode::vanilla; });
    set("pool_size", "0", [](TrainOptions& t) { t.model.pool_size = 0; });
  }
  if (nets::is_colorization(model)) {
    set("dataset_mode", "colorization", [](TrainOptions& t) { t.data.mode = data::DatasetMode::colorization; });
    set("input_nc", "1", [](TrainOptions& t) { t.model.generator.input_nc = 1; });
    set("output_nc", "2", [](TrainOptions& t) { t.model.generator.output_nc = 2; });
  }
  if (model == ModelKind::memory_colorization) {  // MemoPainter: a 256² U-Net, BCE, Adam 1e-4
    set("netG", "unet_256", [](TrainOptions& t) { t.model.generator.arch = "unet_256"; });
    set("gan_mode", "vanilla", [](TrainOptions& t) { t.model.gan_mode = nets::GanMode::vanilla; });
    set("pool_size", "0", [](TrainOptions& t) { t.model.pool_size = 0; });
    set("lr", "0.0001", [](TrainOptions& t) { t.model.adam.lr = 0.0001; });
    set("batch_size", "4", [](TrainOptions& t) { t.data.batch_size = 4; });
  }
  if (model == ModelKind::cycle_gan) set("no_dropout", "True", [](TrainOptions& t) { t.model.generator.dropout = false; });
  if (synthetic) {  // the built-in colorizer, sized to train on two CPU cores in about five minutes
    set("name", "synthetic_colorizer", [](TrainOptions& t) { t.name = "synthetic_colorizer"; });
    set("netG", "sa_unet_6d", [](TrainOptions& t) { t.model.generator.arch = "sa_unet_6d"; });
    set("norm", "instance", [](TrainOptions& t) { t.model.generator.norm = nets::NormType::instance; });
    set("ngf", "32", [](TrainOptions& t) { t.model.generator.ngf = 32; });
    set("ndf", "32", [](TrainOptions& t) { t.model.discriminator.ndf = 32; });
    set("load_size", "72", [](TrainOptions& t) { t.data.load_size = 72; });
    set("crop_size", "64", [](TrainOptions& t) { t.data.crop_size = 64; });
    set("batch_size", "4", [](TrainOptions& t) { t.data.batch_size = 4; });
    set("n_epochs", "6", [](TrainOptions& t) { t.n_epochs = 6; });
    set("n_epochs_decay", "4", [](TrainOptions& t) { t.n_epochs_decay = 4; });
    set("print_freq", "256", [](TrainOptions& t) { t.print_freq = 256; });
    set("display_freq", "512", [](TrainOptions& t) { t.display_freq = 512; });
    set("save_epoch_freq", "10", [](TrainOptions& t) { t.save_epoch_freq = 10; });
    set("save_latest_freq", "1024", [](TrainOptions& t) { t.save_latest_freq = 1024; });
    set("lr", "0.0005", [](TrainOptions& t) { t.model.adam.lr = 0.0005; });
    if (model == ModelKind::memory_colorization) {  // the same scenes, in palette families to remember
      set("name", "synthetic_memory_colorizer", [](TrainOptions& t) { t.name = "synthetic_memory_colorizer"; });
      set("synthetic_palettes", "8", [](TrainOptions& t) { t.data.synthetic_palettes = 8; });
    }
  }
  return v;
}

// --max_dataset_size: a count, or inf for all.
std::int64_t parse_count_or_inf(const std::string& text) {
  if (text == "inf") return INT64_MAX;
  std::size_t used = 0;
  double v = 0;
  try {
    v = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  PIGMENT_CHECK(used == text.size() && v >= 1 && std::isfinite(v) && v < 9.2e18,
                "'{}' is not a number of samples: give a whole number ≥ 1, or inf for all", text);
  return static_cast<std::int64_t>(v);
}
std::string show_count_or_inf(std::int64_t v) { return v == INT64_MAX ? "inf" : std::to_string(v); }

// The reference's options that have no meaning here: what each was for.
struct IgnoredOption {
  const char* name;
  const char* what;
};
constexpr IgnoredOption kIgnoredOptions[] = {
    {"display_id", "visdom"},       {"display_server", "visdom"},   {"display_env", "visdom"},
    {"display_port", "visdom"},     {"display_ncols", "visdom"},    {"update_html_freq", "the HTML page"},
    {"no_html", "the HTML page"},   {"use_wandb", "wandb"},         {"wandb_project_name", "wandb"},
};

// "a,b" → the numbers, each checked.
std::vector<int> parse_int_list(const std::string& t, Bounds<int> b) {
  std::vector<int> v;
  std::size_t start = 0;
  while (start <= t.size()) {
    const std::size_t comma = std::min(t.find(',', start), t.size());
    v.push_back(parse_number<int>(t.substr(start, comma - start), b));
    start = comma + 1;
  }
  return v;
}

// --suffix: each {option} replaced by the option's value as train_opt.txt prints it (the
// reference formats opt.suffix with vars(opt)).
std::string expand_suffix(const std::string& suffix, const std::map<std::string, std::pair<std::string, std::string>>& table) {
  std::string out;
  for (std::size_t i = 0; i < suffix.size(); ++i) {
    if (suffix[i] != '{') {
      out += suffix[i];
      continue;
    }
    const std::size_t close = suffix.find('}', i);
    PIGMENT_CHECK(close != std::string::npos, "--suffix '{}': a '{{' without its '}}'", suffix);
    const std::string key = suffix.substr(i + 1, close - i - 1);
    const auto it = table.find(key);
    PIGMENT_CHECK(it != table.end(), "--suffix '{}': {{{}}} is not an option (write e.g. {{model}}_{{netG}})", suffix,
                  key);
    out += it->second.first;
    i = close;
  }
  return out;
}

}  // namespace

std::vector<int> parse_gpu_ids(const std::string& gpu_ids) {
  const std::vector<int> ids = parse_int_list(gpu_ids, {-1, 1023});
  for (std::size_t i = 0; i < ids.size(); ++i) {
    PIGMENT_CHECK(ids.size() == 1 || ids[i] >= 0, "'{}': -1 (the CPU) stands alone; list GPUs as 0,1,…", gpu_ids);
    for (std::size_t j = 0; j < i; ++j)
      PIGMENT_CHECK(ids[i] != ids[j], "'{}': GPU {} is listed twice; one process per GPU", gpu_ids, ids[i]);
  }
  return ids;
}

namespace {

// --gpu_ids (-1, N, or a comma list) → a --device name. Several GPUs: the process of local rank r
// (started by gan-train --gpu_ids itself, torchrun or mpirun) takes the r-th; before the processes
// are started (local_rank < 0), "cuda".
std::string device_from_gpu_ids(const std::string& gpu_ids, int local_rank = -1) {
  const std::vector<int> ids = parse_gpu_ids(gpu_ids);
  if (ids.size() == 1) return ids[0] < 0 ? "cpu" : fmt::format("cuda:{}", ids[0]);
  if (local_rank < 0) return "cuda";
  PIGMENT_CHECK(static_cast<std::size_t>(local_rank) < ids.size(),
                "'{}' lists {} GPUs, but this is local rank {}: start one process per listed GPU", gpu_ids, ids.size(),
                local_rank);
  return fmt::format("cuda:{}", ids[static_cast<std::size_t>(local_rank)]);
}

struct Parser {
  std::string tool;
  CLI::App app;
  TrainOptions o;
  Registry r{app, {}, {}, {}};

  explicit Parser(std::string_view tool_name = "gan-train")
      : tool(tool_name),
        app("gan-train: train pix2pix, CycleGAN or a Lab colorizer. With no --dataroot it trains a small colorizer on "
            "built-in synthetic scenes.",
            "gan-train") {
    app.set_config("--config", "",
                   "read options from a file of 'name = value' lines (TOML/INI); the command line wins");
    app.option_defaults()->always_capture_default();
    // As argparse: an option given twice takes its last value (scripts append overrides).
    app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
    app.allow_config_extras(CLI::config_extras_mode::error);
    data::DataOptions& d = o.data;
    nets::ModelOptions& m = o.model;
    nets::GeneratorOptions& g = m.generator;
    nets::DiscriminatorOptions& D = m.discriminator;
    // ---- Base options --------------------------------------------------------------------------------
    r.typed(
        "dataroot", d.dataroot, [](const std::string& t) { return std::filesystem::path(t); },
        [](const std::filesystem::path& p) { return p.string(); },
        "path to images (train/, trainA/ and trainB/, …); empty: built-in synthetic scenes");
    r.option("name", o.name, "name of the experiment: checkpoints go to <checkpoints_dir>/<name>");
    r.typed(
        "gpu_ids", o.gpu_ids,
        [](const std::string& t) {
          if (!t.empty()) device_from_gpu_ids(t);  // checked here, resolved into --device after parsing
          return t;
        },
        [](const std::string& v) { return v; },
        "the reference's GPU choice: -1 for the CPU, N for cuda:N (as --device), 0,1,… for one process per GPU "
        "(data parallel); unset: --device decides");
    r.option("checkpoints_dir", o.checkpoints_dir, "models are saved here");
    r.choice("model", m.kind, nets::kTrainableModelNames, "model", "which model");
    r.number("input_nc", g.input_nc, "input image channels: 3 for RGB, 1 for grayscale", {1, 64});
    r.number("output_nc", g.output_nc, "output image channels", {1, 64});
    r.number("ngf", g.ngf, "generator filters in the last conv layer", {1, 4096});
    r.number("ndf", D.ndf, "discriminator filters in the first conv layer", {1, 4096});
    r.choice("netD", D.arch, nets::kDiscriminatorNames, "discriminator",
             "discriminator: basic (70×70 PatchGAN), n_layers, pixel");
    r.typed(
        "netG", g.arch, [](const std::string& t) { return nets::GeneratorArch::parse(t); },
        [](const nets::GeneratorArch& a) { return a.name(); },
        "generator: resnet_9blocks, resnet_6blocks, unet_256, unet_128, unet_<N>d, sa_unet_256, sa_unet_128, "
        "sa_unet_<N>d");
    r.number("n_layers_D", D.n_layers, "layers of the n_layers discriminator", {1, 8});
    r.choice("norm", g.norm, nets::kNormNames, "norm", "normalisation of both networks");
    r.choice("init_type", m.init_type, kInitTypeNames, "init type", "weight initialisation");
    r.number("init_gain", m.init_gain, "scaling factor for normal, xavier and orthogonal init", {0.0});
    r.negative_flag("no_dropout", g.dropout, "no dropout in the generator");
    r.choice("dataset_mode", d.mode, data::kDatasetModeNames, "dataset mode", "how images are read");
    r.choice("direction", d.a_to_b, kDirectionNames, "direction", "which side of an aligned pair is the input");
    r.flag("serial_batches", d.serial_batches, "take images in order instead of shuffling");
    r.number("num_threads", d.num_threads, "threads decoding and augmenting images (0: in the training thread)", {0, 256});
    r.number("batch_size", d.batch_size, "input batch size (of each process, when several train: mpirun, --gpu_ids 0,1)", {1, 4096});
    r.number("load_size", d.load_size, "scale images to this size", {1, 16384});
    r.number("crop_size", d.crop_size, "then crop to this size", {1, 16384});
    r.typed("max_dataset_size", d.max_dataset_size, parse_count_or_inf, show_count_or_inf,
            "maximum samples per epoch (inf: all)");
    r.choice("preprocess", d.preprocess, data::kPreprocessNames, "preprocess", "how images are resized and cropped");
    r.flag("no_flip", d.no_flip, "do not flip images for augmentation");
    r.number("display_winsize", o.display_winsize, "display window size (kept for compatibility)", {1});
    r.option("epoch", o.epoch, "which checkpoint --continue_train loads: latest, an epoch number, or iter_<N>");
    r.number("load_iter", o.load_iter, "> 0: --continue_train loads the checkpoint iter_<load_iter> (in place of --epoch)",
             {0});
    r.option("suffix", o.suffix, "appended to --name as _<suffix>, each {option} replaced by its value: {model}_{netG}");
    r.flag("verbose", o.verbose, "print more: the networks' parameter counts and the data report");
    // ---- Train options -------------------------------------------------------------------------------
    r.number("display_freq", o.display_freq, "save visuals to the web page every this many images", {1});
    TrainOptions::ReferenceDisplay& rd = o.reference_display;
    const std::string ignored = " (the reference's; accepted and ignored: see TensorBoard and the web page)";
    r.number("display_ncols", rd.display_ncols, "visdom: images per row" + ignored);
    r.number("display_id", rd.display_id, "visdom: window id" + ignored);
    r.option("display_server", rd.display_server, "visdom: server" + ignored);
    r.option("display_env", rd.display_env, "visdom: environment" + ignored);
    r.number("display_port", rd.display_port, "visdom: port" + ignored);
    r.number("update_html_freq", rd.update_html_freq, "HTML: save images every this many images" + ignored);
    r.flag("no_html", rd.no_html, "do not write the HTML page" + ignored);
    r.flag("use_wandb", rd.use_wandb, "log to Weights & Biases" + ignored);
    r.option("wandb_project_name", rd.wandb_project_name, "wandb: project" + ignored);
    r.number("print_freq", o.print_freq, "print and log losses every this many images", {1});
    r.number("save_latest_freq", o.save_latest_freq, "save the latest checkpoint every this many images", {1});
    r.number("save_epoch_freq", o.save_epoch_freq, "save a checkpoint at the end of every this many epochs", {1});
    r.flag("save_by_iter", o.save_by_iter, "name the periodic checkpoints iter_<N> instead of latest");
    r.flag("continue_train", o.continue_train, "resume the experiment from its --epoch checkpoint, exactly");
    r.flag("force", o.force, "--continue_train even with changed options that make the resume inexact (batch size, "
                             "data, losses, seed)");
    r.flag("overwrite", o.overwrite,
           "start over in an experiment that already holds a trained run; the old run is moved to <name>.old-<time>");
    r.number("epoch_count", o.epoch_count, "the first epoch's number", {1});
    r.option("phase", d.phase, "train, val, test, …");
    r.number("n_epochs", o.n_epochs, "epochs at the initial learning rate", {0});
    r.number("n_epochs_decay", o.n_epochs_decay, "epochs decaying the learning rate to zero", {0});
    r.number("beta1", m.adam.beta1, "Adam's β₁", {0.0, 0.999999});
    r.number("lr", m.adam.lr, "initial learning rate for Adam", {0.0, 10.0});
    r.choice("gan_mode", m.gan_mode, nets::kGanModeNames, "gan_mode",
             "the GAN objective (wgangp with its gradient penalty applied)");
    r.number("pool_size", m.pool_size, "images stored in the image pool (0: none)", {0, 100000});
    r.choice("lr_policy", o.lr_policy, kLrPolicyNames, "lr_policy", "learning-rate schedule");
    r.number("lr_decay_iters", o.lr_decay_iters, "step policy: multiply by 0.1 every this many epochs", {1});
    r.number("lambda_L1", m.lambda_L1, "pix2pix/colorization: weight of the L1 loss", {0.0});
    r.number("lambda_A", m.lambda_A, "cycle_gan: weight of the cycle loss A → B → A", {0.0});
    r.number("lambda_B", m.lambda_B, "cycle_gan: weight of the cycle loss B → A → B", {0.0});
    r.number("lambda_identity", m.lambda_identity, "cycle_gan: weight of the identity loss, relative to λ_A/λ_B", {0.0});
    // ---- Pigment's own -------------------------------------------------------------------------------
    r.number("seed", m.seed, "random seed (weights, data order, augmentation, dropout, pools)");
    r.option("device", o.device,
             "cpu, cuda, cuda:N, simt (the CUDA kernels on the CPU: SIMT builds) or auto (CUDA when a GPU is present)");
    r.choice("conv_impl", o.kernels.conv, kConvImplNames, "convolution implementation",
             "CUDA convolutions: custom (Pigment's tensor-core kernels), cudnn, gemm (im2col + cuBLAS) or auto (the "
             "fastest, measured once per shape)");
    r.choice("matmul_impl", o.kernels.matmul, kMatmulImplNames, "matmul implementation",
             "CUDA matrix products: custom (Pigment's TF32 tensor-core GEMM) or cublas (FP32, as PyTorch)");
    r.choice("attention_impl", o.kernels.attention, kAttentionImplNames, "attention implementation",
             "CUDA self-attention: fused (one pass, no N×N matrix) or composed (convs, bmm, softmax, bmm)");
    r.number("lambda_gp", m.lambda_gp, "wgangp: weight of the gradient penalty", {0.0});
    r.typed(
        "attention_at", g.attention_divisors,
        [](const std::string& t) { return parse_int_list(t, {2, 4096}); },
        [](const std::vector<int>& v) { return show(v); },
        "sa_unet: self-attention after the decoder blocks at input/d for each d (a comma list)");
    // ---- The memory colorizer (--model memory_colorization; MemoPainter's option in brackets) ------
    nets::MemoryOptions& mem = m.memory;
    r.choice("value_kind", mem.value_kind, nets::kValueKindNames, "value kind",
             "memory_colorization: what a memory slot remembers of an image's colours: distribution (its ab "
             "histogram over the gamut bins, compared by KL) or colors (its 10 dominant colours, compared by "
             "CIEDE2000) [--color_info dist|RGB]");
    r.number("mem_size", mem.memory_size, "memory_colorization: memory slots (0: 1.2 × the training images)",
             {0, (1 << 24) - 1});
    r.number("top_k", mem.top_k,
             "memory_colorization: the neighbours the threshold triplet loss looks among (0: 256 for distribution, "
             "32 for colors)",
             {0, 1 << 20});
    r.number("alpha", mem.margin, "memory_colorization: the triplet loss's margin α", {0.0, 2.0});
    r.number("color_thres", mem.threshold,
             "memory_colorization: δ, the colour distance under which two images count as the same colours (0: 0.5 "
             "for distribution, KL in log10 units; 8 for colors, ΔE2000)",
             {0.0, 1000.0});
    r.choice("key_net", mem.key.arch, nets::kKeyNetNames, "key network",
             "memory_colorization: the query network's features: resnet18 (learned from the images' ab "
             "distributions; torchvision's layout) or descriptor (a weight-free thumbnail and gradient histograms)");
    r.number("key_width", mem.key.width, "memory_colorization: the ResNet-18's first-layer channels (torchvision: 64)",
             {1, 1024});
    r.option("key_net_weights", mem.key_weights,
             "memory_colorization: start the key network from a torchvision ResNet-18 converted to safetensors "
             "(tools/convert_reference_checkpoint.py; with --key_width 64)");
    r.number("synthetic_palettes", d.synthetic_palettes,
             "built-in data: 0, or scenes in this many palette families, each recognisable in gray (time of day, "
             "water, horizon) and with its own hues: colours to remember and retrieve",
             {0, 64});
    r.number("synthetic_train", d.synthetic_train, "built-in data: synthetic training scenes", {1});
    r.number("synthetic_test", d.synthetic_test, "built-in data: synthetic test scenes", {1});
    r.flag("no_progress", o.no_progress, "no progress bar, even on a terminal");
    r.flag("sync_bn", m.sync_bn,
           "data parallelism: batch norm takes its statistics over every process's batch; "
           "default: per process, as PyTorch's DDP");
    r.number("dist_timeout", o.dist_timeout,
             "data parallelism: seconds a rank waits in a collective (for a rank that died or hangs) before every "
             "rank stops", {1.0, 86400.0});
    r.negative_flag("no_tensorboard", o.tensorboard,
                    "no TensorBoard event files (by default losses, learning rate and visuals go to "
                    "<checkpoints_dir>/<name>/events.out.tfevents.*: tensorboard --logdir <checkpoints_dir>)");
    r.number("max_bad_fraction", d.max_bad_fraction, "stop when more than this share of the images are unreadable",
             {0.0, 1.0});
    r.number("stop_after", o.stop_after, "stop as if interrupted (saving 'latest') once this many images are trained; 0: never", {0});
  }

  bool given(const std::string& name) const { return app.get_option("--" + name)->count() > 0; }

  std::optional<TrainOptions> parse(std::vector<std::string> args) {
    std::reverse(args.begin(), args.end());  // CLI11 takes a vector in reverse order
    try {
      app.parse(args);
    } catch (const CLI::CallForHelp& e) {
      app.exit(e);
      return std::nullopt;
    } catch (const CLI::ParseError& e) {
      std::string what = e.what();
      // A key of --config that is no option: named, with the closest option, as on the command line.
      const std::string extra = "INI was not able to parse ";
      if (what.starts_with(extra)) {
        const std::string key = what.substr(extra.size());
        std::vector<std::string_view> names;
        for (const auto& [name, printer] : r.printers) names.push_back(name);
        const std::string closest = closest_name(key, names);
        const CLI::Option* config = app.get_config_ptr();
        PIGMENT_FAIL("--config {}: '{}' is not an option{} (run {} --help for every option)",
                     config && config->count() ? config->as<std::string>() : std::string(), key,
                     closest.empty() ? "" : "; did you mean " + closest + "?", tool);
      }
      PIGMENT_FAIL("{} (run {} --help for every option and its default)", what, tool);
    }
    if (o.synthetic() && !given("model")) o.model.kind = nets::ModelKind::colorization;
    for (const Override& ov : model_defaults(o.model.kind, o.synthetic())) {
      r.defaults[ov.name] = ov.shown;  // the default shown in train_opt.txt is the effective one
      if (!given(ov.name)) ov.apply(o);
    }
    // The options the reference shares between the networks and the data, stored once above.
    o.model.discriminator.norm = o.model.generator.norm;
    o.data.input_nc = o.model.generator.input_nc;
    o.data.output_nc = o.model.generator.output_nc;
    o.data.seed = o.model.seed;
    o.model.is_train = true;
    o.device = resolve_device(o.gpu_ids, o.device, given("device"), true);
    if (o.load_iter > 0) o.epoch = fmt::format("iter_{}", o.load_iter);
    for (const IgnoredOption& ig : kIgnoredOptions)
      if (given(ig.name)) o.ignored.push_back(ig.name);
    check(o);
    for (const auto& [name, printer] : r.printers) o.table[name] = {printer(), r.defaults[name]};
    if (!o.suffix.empty()) {  // the reference: opt.name += '_' + opt.suffix.format(**vars(opt))
      o.name += "_" + expand_suffix(o.suffix, o.table);
      o.table["name"].first = o.name;
    }
    return o;
  }

  void check(const TrainOptions& t) const {
    const data::DataOptions& d = t.data;
    PIGMENT_CHECK(tool != "gan-train" || d.crop_size <= d.load_size || d.preprocess == data::Preprocess::crop ||
                      d.preprocess == data::Preprocess::none,
                  "--crop_size {} is larger than --load_size {}: the crop would not fit (make crop_size ≤ "
                  "load_size)",
                  d.crop_size, d.load_size);
    PIGMENT_CHECK(!nets::is_colorization(t.model.kind) || (d.input_nc == 1 && d.output_nc == 2),
                  "the {} model maps L (1 channel) to ab (2 channels); got --input_nc {} --output_nc {}",
                  nets::kModelNames.name(t.model.kind), d.input_nc, d.output_nc);
    if (t.model.kind == nets::ModelKind::memory_colorization) {
      PIGMENT_CHECK(t.model.generator.arch.is_unet(),
                    "memory_colorization: its generator is a U-Net with AdaIN layers; --netG {} is not a U-Net (use "
                    "unet_256, unet_128, unet_<N>d or sa_unet_…)",
                    t.model.generator.arch.name());
      const int multiple = t.model.memory.key.arch == nets::KeyNetArch::resnet18 ? 32 : 8;
      PIGMENT_CHECK(d.crop_size % multiple == 0, "memory_colorization: the {} key network takes sides that are "
                    "multiples of {}; --crop_size {} is not (try {})", nets::kKeyNetNames.name(t.model.memory.key.arch),
                    multiple, d.crop_size, (d.crop_size + multiple - 1) / multiple * multiple);
      PIGMENT_CHECK(t.model.memory.key_weights.empty() || std::filesystem::is_regular_file(t.model.memory.key_weights),
                    "--key_net_weights '{}' is not a file", t.model.memory.key_weights);
    }
    PIGMENT_CHECK(t.n_epochs + t.n_epochs_decay >= 1, "--n_epochs + --n_epochs_decay must be at least 1");
    for (int div : t.model.generator.attention_divisors)
      PIGMENT_CHECK(div >= 2 && (div & (div - 1)) == 0, "--attention_at takes powers of two ≥ 2, got {}",
                    div);
    PIGMENT_CHECK(!(t.continue_train && t.overwrite),
                  "--continue_train resumes the experiment and --overwrite starts it over: give one");
    if (!t.synthetic())
      PIGMENT_CHECK(std::filesystem::is_directory(d.dataroot),
                    "--dataroot '{}' is not a directory (leave it out to train on the built-in synthetic "
                    "scenes)",
                    d.dataroot.string());
  }
};

}  // namespace

std::optional<TrainOptions> parse_train_options(std::span<const std::string> args) {
  Parser p;
  return p.parse(std::vector<std::string>(args.begin(), args.end()));
}

std::optional<TrainOptions> parse_train_options(int argc, const char* const* argv) {
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
  return parse_train_options(args);
}

std::string expand_name_suffix(const std::string& suffix, const TrainOptions& options) {
  return expand_suffix(suffix, options.table);
}

std::string resolve_device(const std::string& gpu_ids, const std::string& device, bool device_given,
                           bool several_gpus) {
  if (gpu_ids.empty()) return device;
  std::string from_ids;
  try {
    const auto launch = distributed::detect_launch();
    from_ids = device_from_gpu_ids(gpu_ids, launch.distributed() ? launch.local_rank : -1);
    PIGMENT_CHECK(several_gpus || parse_gpu_ids(gpu_ids).size() == 1,
                  "'{}': this tool runs on one GPU: give one (--gpu_ids 0) or -1 for the CPU", gpu_ids);
  } catch (const Error& e) {
    PIGMENT_FAIL("--gpu_ids {}", e.what());
  }
  PIGMENT_CHECK(!device_given || device == from_ids,
                "--gpu_ids {} means --device {}, but --device {} was given: give one of them", gpu_ids, from_ids, device);
  return from_ids;
}

bool gives_option(std::span<const std::string> args, std::string_view name) {
  const std::string flag = "--" + std::string(name);
  return std::any_of(args.begin(), args.end(),
                     [&](const std::string& a) { return a == flag || a.starts_with(flag + "="); });
}

std::string ignored_options_note(const TrainOptions& o, std::string_view tool) {
  if (o.ignored.empty()) return "";
  std::string list;
  for (const std::string& name : o.ignored)
    for (const IgnoredOption& ig : kIgnoredOptions)
      if (name == ig.name) list += fmt::format("{}--{} ({})", list.empty() ? "" : ", ", name, ig.what);
  return fmt::format("{}: ignored {}: Pigment has no live display; watch training with tensorboard --logdir {} and "
                     "on {}",
                     tool, list, o.experiment_dir().string(), (o.experiment_dir() / "web" / "index.html").string());
}

TrainOptions default_train_options(std::optional<nets::ModelKind> model, std::span<const std::string> overrides,
                                   std::string_view tool) {
  Parser p(tool);
  std::vector<std::string> args;
  if (model) {
    // A folder run: any existing folder selects its defaults; none is read.
    args = {"--dataroot", "."};
    if (*model != nets::ModelKind::test) args.insert(args.end(), {"--model", std::string(nets::kModelNames.name(*model))});
  }
  args.insert(args.end(), overrides.begin(), overrides.end());
  TrainOptions o = *p.parse(args);
  o.data.dataroot.clear();
  if (model) o.model.kind = *model;
  return o;
}

TrainOptions read_train_options(const std::filesystem::path& file, std::span<const std::string> overrides,
                                std::string_view tool) {
  std::ifstream in(file);
  PIGMENT_CHECK(in.good(), "cannot read '{}': {}", file.string(), std::strerror(errno));
  // '{:>25}: {:<30}[\t[default: …]]' lines between the dashed rulers.
  std::map<std::string, std::string> values;
  for (std::string line; std::getline(in, line);) {
    const auto colon = line.find(": ");
    if (colon == std::string::npos || line.starts_with("---")) continue;
    auto trim = [](const std::string& s) {
      const auto b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
      return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
    };
    std::string value = line.substr(colon + 2);
    if (const auto tab = value.find("\t[default:"); tab != std::string::npos) value = value.substr(0, tab);
    values[trim(line.substr(0, colon))] = trim(value);
  }
  PIGMENT_CHECK(values.count("model") && values.count("netG"),
                "'{}' is not an options file written by gan-train (no 'model' and 'netG' lines)", file.string());
  Parser p(tool);
  std::vector<std::string> args;
  for (const auto& [name, value] : values) {
    // Where the training read its data and config from need not exist here; old options are
    // skipped; the recorded name already carries its suffix.
    if (name == "dataroot" || name == "config" || name == "suffix" || !p.app.get_option_no_throw("--" + name))
      continue;
    if (p.r.flags.count(name)) {
      if (value == "True") args.push_back("--" + name);
      continue;
    }
    args.push_back("--" + name);
    args.push_back(value);
  }
  // A synthetic run and a folder run differ in their defaults, not in what was recorded: every
  // recorded value is given here, so none of the model defaults applies.
  args.insert(args.end(), overrides.begin(), overrides.end());
  std::optional<TrainOptions> o = p.parse(args);
  // Ignored options are reported for what this command gave, not for what the training recorded.
  o->ignored.clear();
  for (const IgnoredOption& ig : kIgnoredOptions)
    if (gives_option(overrides, ig.name)) o->ignored.push_back(ig.name);
  o->data.dataroot = values.count("dataroot") ? std::filesystem::path(values["dataroot"]) : std::filesystem::path();
  o->table["dataroot"].first = o->data.dataroot.string();
  return *o;
}

std::string format_options(const TrainOptions& options) {
  std::string out = "----------------- Options ---------------\n";
  for (const auto& [name, vd] : options.table) {  // sorted by name, as the reference sorts vars(opt)
    const auto& [value, def] = vd;
    out += fmt::format("{:>25}: {:<30}{}\n", name, value, value != def ? "\t[default: " + def + "]" : "");
  }
  out += "----------------- End -------------------\n";
  return out;
}

}  // namespace pigment::train
