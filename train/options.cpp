#include "train/options.h"

#include <cmath>
#include <sstream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "engine/error.h"

namespace pigment::train {

namespace {

std::string show(bool v) { return v ? "True" : "False"; }
std::string show(const std::string& v) { return v; }
std::string show(int v) { return std::to_string(v); }
std::string show(std::int64_t v) { return std::to_string(v); }
std::string show(std::uint64_t v) { return std::to_string(v); }
std::string show(double v) {
  if (std::isinf(v)) return "inf";
  std::string s = fmt::format("{}", v);
  return s;
}
std::string show(const std::vector<int>& v) { return fmt::format("{}", fmt::join(v, ",")); }

// Every option once: its CLI11 registration and its row in the options table come from here.
struct Registry {
  CLI::App& app;
  TrainOptions& o;
  std::vector<std::pair<std::string, std::function<std::string()>>> printers;
  std::map<std::string, std::string> defaults;  // before model-specific defaults

  template <class T> CLI::Option* option(const std::string& name, T& field, const std::string& help) {
    defaults[name] = show(field);
    printers.emplace_back(name, [&field] { return show(field); });
    return app.add_option("--" + name, field, help)->capture_default_str();
  }
  CLI::Option* flag(const std::string& name, bool& field, const std::string& help) {
    defaults[name] = show(field);
    printers.emplace_back(name, [&field] { return show(field); });
    return app.add_flag("--" + name, field, help);
  }
};

// Default overrides that apply to options the user did not give (the reference's
// parser.set_defaults in each model's modify_commandline_options).
struct Override {
  const char* name;
  std::function<void(TrainOptions&)> apply;
  std::string shown;
};

}  // namespace

std::optional<TrainOptions> parse_train_options(int argc, const char* const* argv) {
  TrainOptions o;
  CLI::App app{"gan-train: train pix2pix, CycleGAN or a Lab colorizer. With no --dataroot it trains a small "
               "colorizer on built-in synthetic scenes.",
               "gan-train"};
  app.set_config("--config", "", "read options from a file of 'name = value' lines (TOML/INI); the command line wins");
  app.option_defaults()->always_capture_default();
  Registry r{app, o, {}, {}};
  auto is_generator = [](const std::string& v) -> std::string {
    for (const char* prefix : {"resnet_9blocks", "resnet_6blocks"})
      if (v == prefix) return "";
    for (const char* prefix : {"unet_", "sa_unet_"}) {
      if (!v.starts_with(prefix)) continue;
      const std::string rest = v.substr(std::string(prefix).size());
      if (rest == "256" || rest == "128") return "";
      if (rest.size() >= 2 && rest.back() == 'd') {
        const int n = std::atoi(rest.c_str());
        if (n >= 5 && n <= 12 && std::to_string(n) + "d" == rest) return "";
      }
    }
    return "unknown generator '" + v +
           "': expected resnet_9blocks, resnet_6blocks, unet_256, unet_128, unet_<N>d (5 ≤ N ≤ 12), sa_unet_256, "
           "sa_unet_128 or sa_unet_<N>d";
  };

  // ---- Base options ------------------------------------------------------------------------------
  r.option("dataroot", o.dataroot, "path to images (train/, trainA/ and trainB/, …); empty: built-in synthetic scenes");
  r.option("name", o.name, "name of the experiment: checkpoints go to <checkpoints_dir>/<name>");
  r.option("checkpoints_dir", o.checkpoints_dir, "models are saved here");
  r.option("model", o.model, "which model")->check(CLI::IsMember({"cycle_gan", "pix2pix", "colorization"}));
  r.option("input_nc", o.input_nc, "input image channels: 3 for RGB, 1 for grayscale")->check(CLI::Range(1, 64));
  r.option("output_nc", o.output_nc, "output image channels")->check(CLI::Range(1, 64));
  r.option("ngf", o.ngf, "generator filters in the last conv layer")->check(CLI::Range(1, 4096));
  r.option("ndf", o.ndf, "discriminator filters in the first conv layer")->check(CLI::Range(1, 4096));
  r.option("netD", o.netD, "discriminator: basic (70×70 PatchGAN), n_layers, pixel")
      ->check(CLI::IsMember({"basic", "n_layers", "pixel"}));
  r.option("netG", o.netG, "generator: resnet_9blocks, resnet_6blocks, unet_256, unet_128, unet_<N>d, sa_unet_256, "
                           "sa_unet_128, sa_unet_<N>d")
      ->check(CLI::Validator(is_generator, "GENERATOR"));
  r.option("n_layers_D", o.n_layers_D, "layers of the n_layers discriminator")->check(CLI::Range(1, 8));
  r.option("norm", o.norm, "instance, batch or none")->check(CLI::IsMember({"instance", "batch", "none"}));
  r.option("init_type", o.init_type, "normal, xavier, kaiming or orthogonal")
      ->check(CLI::IsMember({"normal", "xavier", "kaiming", "orthogonal"}));
  r.option("init_gain", o.init_gain, "scaling factor for normal, xavier and orthogonal init");
  r.flag("no_dropout", o.no_dropout, "no dropout in the generator");
  r.option("dataset_mode", o.dataset_mode, "unaligned, aligned, single or colorization")
      ->check(CLI::IsMember({"unaligned", "aligned", "single", "colorization"}));
  r.option("direction", o.direction, "AtoB or BtoA")->check(CLI::IsMember({"AtoB", "BtoA"}));
  r.flag("serial_batches", o.serial_batches, "take images in order instead of shuffling");
  r.option("num_threads", o.num_threads, "threads decoding and augmenting images")->check(CLI::Range(1, 64));
  r.option("batch_size", o.batch_size, "input batch size")->check(CLI::Range(1, 4096));
  r.option("load_size", o.load_size, "scale images to this size")->check(CLI::Range(1, 16384));
  r.option("crop_size", o.crop_size, "then crop to this size")->check(CLI::Range(1, 16384));
  r.option("max_dataset_size", o.max_dataset_size, "maximum samples per epoch (inf: all)")
      ->check(CLI::PositiveNumber);
  r.option("preprocess", o.preprocess, "resize_and_crop, crop, scale_width, scale_width_and_crop or none")
      ->check(CLI::IsMember({"resize_and_crop", "crop", "scale_width", "scale_width_and_crop", "none"}));
  r.flag("no_flip", o.no_flip, "do not flip images for augmentation");
  r.option("display_winsize", o.display_winsize, "display window size (kept for compatibility)");
  r.option("epoch", o.epoch, "which checkpoint --continue_train loads: latest, an epoch number, or iter_<N>");
  r.flag("verbose", o.verbose, "print more: the networks' parameter counts and the data report");
  // ---- Train options -----------------------------------------------------------------------------
  r.option("display_freq", o.display_freq, "save visuals to the web page every this many images")
      ->check(CLI::PositiveNumber);
  r.option("print_freq", o.print_freq, "print and log losses every this many images")->check(CLI::PositiveNumber);
  r.option("save_latest_freq", o.save_latest_freq, "save the latest checkpoint every this many images")
      ->check(CLI::PositiveNumber);
  r.option("save_epoch_freq", o.save_epoch_freq, "save a checkpoint at the end of every this many epochs")
      ->check(CLI::PositiveNumber);
  r.flag("save_by_iter", o.save_by_iter, "name the periodic checkpoints iter_<N> instead of latest");
  r.flag("continue_train", o.continue_train, "resume the experiment from its --epoch checkpoint, exactly");
  r.option("epoch_count", o.epoch_count, "the first epoch's number")->check(CLI::PositiveNumber);
  r.option("phase", o.phase, "train, val, test, …");
  r.option("n_epochs", o.n_epochs, "epochs at the initial learning rate")->check(CLI::NonNegativeNumber);
  r.option("n_epochs_decay", o.n_epochs_decay, "epochs decaying the learning rate to zero")
      ->check(CLI::NonNegativeNumber);
  r.option("beta1", o.beta1, "Adam's β₁")->check(CLI::Range(0.0, 0.999999));
  r.option("lr", o.lr, "initial learning rate for Adam")->check(CLI::Range(0.0, 10.0));
  r.option("gan_mode", o.gan_mode, "vanilla, lsgan or wgangp (with its gradient penalty applied)")
      ->check(CLI::IsMember({"vanilla", "lsgan", "wgangp"}));
  r.option("pool_size", o.pool_size, "images stored in the image pool (0: none)")->check(CLI::Range(0, 100000));
  r.option("lr_policy", o.lr_policy, "linear, step, plateau or cosine")
      ->check(CLI::IsMember({"linear", "step", "plateau", "cosine"}));
  r.option("lr_decay_iters", o.lr_decay_iters, "step policy: multiply by 0.1 every this many epochs")
      ->check(CLI::PositiveNumber);
  r.option("lambda_L1", o.lambda_L1, "pix2pix/colorization: weight of the L1 loss");
  r.option("lambda_A", o.lambda_A, "cycle_gan: weight of the cycle loss A → B → A");
  r.option("lambda_B", o.lambda_B, "cycle_gan: weight of the cycle loss B → A → B");
  r.option("lambda_identity", o.lambda_identity, "cycle_gan: weight of the identity loss, relative to λ_A/λ_B");
  // ---- Pigment's own ---------------------------------------------------------------------------------
  r.option("seed", o.seed, "random seed (weights, data order, augmentation, dropout, pools)");
  r.option("device", o.device, "cpu, cuda, cuda:N, simt (the CUDA kernels on the CPU: SIMT builds) or auto (CUDA when a GPU is present)");
  r.option("conv_impl", o.conv_impl, "CUDA convolutions: custom (Pigment's tensor-core kernels), cudnn, gemm "
                                     "(im2col + cuBLAS) or auto (the fastest, measured once per shape); cudnn "
                                     "and gemm also run attention as bmm-softmax-bmm on the libraries")
      ->check(CLI::IsMember({"auto", "custom", "cudnn", "gemm"}));
  r.option("lambda_gp", o.lambda_gp, "wgangp: weight of the gradient penalty");
  r.option("attention_at", o.attention_at, "sa_unet: self-attention after the decoder blocks at input/d for each d")
      ->delimiter(',');
  r.option("synthetic_train", o.synthetic_train, "built-in data: synthetic training scenes")->check(CLI::PositiveNumber);
  r.option("synthetic_test", o.synthetic_test, "built-in data: synthetic test scenes")->check(CLI::PositiveNumber);
  r.flag("no_progress", o.no_progress, "no progress bar, even on a terminal");
  r.option("max_bad_fraction", o.max_bad_fraction, "stop when more than this share of the images are unreadable")
      ->check(CLI::Range(0.0, 1.0));
  r.option("stop_after", o.stop_after, "stop as if interrupted (saving 'latest') once this many images are trained; "
                                       "0: never")
      ->check(CLI::NonNegativeNumber);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    app.exit(e);
    return std::nullopt;
  } catch (const CLI::ParseError& e) {
    std::string what = e.what();
    PIGMENT_FAIL("gan-train: {} (run gan-train --help for every option and its default)", what);
  }
  auto given = [&](const std::string& name) { return app.get_option("--" + name)->count() > 0; };

  // Model-specific defaults, as the reference's set_defaults (and, with no --dataroot, those of the
  // built-in synthetic colorizer, sized to train on two CPU cores in about five minutes).
  std::vector<Override> overrides;
  auto set = [&](const char* name, auto value, auto TrainOptions::*field) {
    overrides.push_back({name, [value, field](TrainOptions& t) { t.*field = value; }, show(value)});
  };
  const bool synthetic = o.dataroot.empty();
  if (synthetic) {
    set("model", std::string("colorization"), &TrainOptions::model);
    if (!given("model")) o.model = "colorization";
  }
  if (o.model == "pix2pix" || o.model == "colorization") {
    set("norm", std::string("batch"), &TrainOptions::norm);
    set("netG", std::string("unet_256"), &TrainOptions::netG);
    set("dataset_mode", std::string("aligned"), &TrainOptions::dataset_mode);
    set("gan_mode", std::string("vanilla"), &TrainOptions::gan_mode);
    set("pool_size", 0, &TrainOptions::pool_size);
  }
  if (o.model == "colorization") {
    set("dataset_mode", std::string("colorization"), &TrainOptions::dataset_mode);
    set("input_nc", 1, &TrainOptions::input_nc);
    set("output_nc", 2, &TrainOptions::output_nc);
  }
  if (o.model == "cycle_gan") set("no_dropout", true, &TrainOptions::no_dropout);
  if (synthetic) {
    set("name", std::string("synthetic_colorizer"), &TrainOptions::name);
    set("netG", std::string("sa_unet_6d"), &TrainOptions::netG);
    set("norm", std::string("instance"), &TrainOptions::norm);
    set("ngf", 32, &TrainOptions::ngf);
    set("ndf", 32, &TrainOptions::ndf);
    set("load_size", 72, &TrainOptions::load_size);
    set("crop_size", 64, &TrainOptions::crop_size);
    set("batch_size", 4, &TrainOptions::batch_size);
    set("n_epochs", 6, &TrainOptions::n_epochs);
    set("n_epochs_decay", 4, &TrainOptions::n_epochs_decay);
    set("print_freq", 256, &TrainOptions::print_freq);
    set("display_freq", 512, &TrainOptions::display_freq);
    set("save_epoch_freq", 10, &TrainOptions::save_epoch_freq);
    set("save_latest_freq", 1024, &TrainOptions::save_latest_freq);
    set("lr", 0.0005, &TrainOptions::lr);
  }
  for (const Override& ov : overrides) {
    r.defaults[ov.name] = ov.shown;  // the default shown in train_opt.txt is the effective one
    if (!given(ov.name)) ov.apply(o);
  }

  // Cross-option checks.
  PIGMENT_CHECK(o.crop_size <= o.load_size || o.preprocess == "crop" || o.preprocess == "none",
                "gan-train: --crop_size {} is larger than --load_size {}: the crop would not fit (make crop_size ≤ "
                "load_size)",
                o.crop_size, o.load_size);
  PIGMENT_CHECK(o.model != "colorization" || (o.input_nc == 1 && o.output_nc == 2),
                "gan-train: the colorization model maps L (1 channel) to ab (2 channels); got --input_nc {} "
                "--output_nc {}",
                o.input_nc, o.output_nc);
  PIGMENT_CHECK(o.n_epochs + o.n_epochs_decay >= 1, "gan-train: --n_epochs + --n_epochs_decay must be at least 1");
  for (int d : o.attention_at)
    PIGMENT_CHECK(d >= 2 && (d & (d - 1)) == 0, "gan-train: --attention_at takes powers of two ≥ 2, got {}", d);
  if (!o.dataroot.empty())
    PIGMENT_CHECK(std::filesystem::is_directory(o.dataroot),
                  "gan-train: --dataroot '{}' is not a directory (leave it out to train on the built-in synthetic "
                  "scenes)",
                  o.dataroot);

  for (const auto& [name, printer] : r.printers) o.table[name] = {printer(), r.defaults[name]};
  return o;
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
