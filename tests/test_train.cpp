// gan-train end to end, in process: options, exact resume, logs, pages, bad input.
#include <filesystem>
#include <fstream>
#include <regex>

#include "engine/safetensors.h"
#include "helpers.h"
#include "train/data/synthetic.h"
#include "train/options.h"
#include "train/resume_options.h"
#include "train/scheduler.h"
#include "train/trainer.h"

using namespace pigment;
using namespace pigment::train;
namespace fs = std::filesystem;
using test::error_of;
using test::StderrCapture;

namespace {
fs::path fresh_dir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("pigment_test_train_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::optional<TrainOptions> parse(std::vector<std::string> args) {
  args.insert(args.begin(), "gan-train");
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  return parse_train_options(static_cast<int>(argv.size()), argv.data());
}

// A tiny colorizer on synthetic scenes: a few seconds on the CPU.
std::vector<std::string> tiny_args(const fs::path& dir, const std::string& name) {
  return {"--checkpoints_dir", dir.string(), "--name", name, "--netG", "unet_5d", "--ngf", "4", "--ndf", "4",
          "--netD", "n_layers", "--n_layers_D", "2", "--load_size", "36", "--crop_size", "32", "--batch_size", "2",
          "--synthetic_train", "6", "--n_epochs", "2", "--n_epochs_decay", "1", "--print_freq", "2",
          "--display_freq", "4", "--save_latest_freq", "1000", "--save_epoch_freq", "1", "--num_threads", "2",
          "--no_progress", "--seed", "3"};
}

// The "NAME: value" parts of every loss line of a loss_log.txt.
std::vector<std::string> loss_values(const fs::path& log) {
  std::ifstream in(log);
  std::vector<std::string> out;
  static const std::regex line(R"(^\(epoch: (\d+), iters: (\d+), [^)]*\) (.*)$)");
  for (std::string s; std::getline(in, s);) {
    std::smatch m;
    if (std::regex_match(s, m, line)) out.push_back(std::string(m[1]) + "/" + std::string(m[2]) + " " + std::string(m[3]));
  }
  return out;
}
}  // namespace

TEST_CASE("gan-train options: reference names, model defaults, clear errors", "[train][options]") {
  auto o = parse({"--dataroot", ".", "--model", "pix2pix"});
  REQUIRE(o);
  CHECK(o->model.generator.norm == nets::NormType::batch);  // pix2pix's set_defaults
  CHECK(o->model.discriminator.norm == nets::NormType::batch);  // --norm is both networks'
  CHECK(o->model.generator.arch == nets::GeneratorArch("unet_256"));
  CHECK(o->data.mode == data::DatasetMode::aligned);
  CHECK(o->model.gan_mode == nets::GanMode::vanilla);
  o = parse({"--dataroot", ".", "--model", "pix2pix", "--norm", "instance"});
  CHECK(o->model.generator.norm == nets::NormType::instance);  // an explicit value wins
  const std::string text = format_options(*o);
  CHECK(text.find("                     norm: instance                      \t[default: batch]") != std::string::npos);
  o = parse({});  // no dataroot: the built-in synthetic colorizer
  CHECK(o->model.kind == nets::ModelKind::colorization);
  CHECK(o->model.generator.input_nc == 1);
  CHECK(o->model.generator.output_nc == 2);
  CHECK(o->data.input_nc == 1);  // the data reads what the generator takes
  CHECK(o->data.output_nc == 2);
  // The reference's defaults hold in the layers' own structs (one set of them).
  o = parse({"--dataroot", "."});
  CHECK(o->model.kind == nets::ModelKind::cycle_gan);
  CHECK(o->model.gan_mode == nets::kGanModeNames.parse(o->table.at("gan_mode").second, "gan_mode"));
  CHECK(o->data.num_threads == 4);
  CHECK(o->data.num_threads == std::stoi(o->table.at("num_threads").second));
  CHECK(!o->model.generator.dropout);  // CycleGAN's set_defaults: no_dropout
  CHECK(o->table.at("no_dropout").first == "True");
  CHECK(error_of([] { parse({"--norm", "instnace"}); }).find("did you mean instance?") != std::string::npos);
  CHECK(error_of([] { parse({"--netG", "resnet_9block"}); }).find("did you mean resnet_9blocks?") != std::string::npos);
  CHECK(error_of([] { parse({"--conv_impl", "cudn"}); }).find("did you mean cudnn?") != std::string::npos);
  CHECK(error_of([] { parse({"--max_dataset_size", "lots"}); }).find("'lots' is not a number of samples") !=
        std::string::npos);
  CHECK(error_of([] { parse({"--no_such_option"}); }).find("--no_such_option") != std::string::npos);
  CHECK(error_of([] { parse({"--netG", "unet_300"}); }).find("unknown generator 'unet_300'") != std::string::npos);
  CHECK(error_of([] { parse({"--lr_policy", "exp"}); }).find("lr_policy") != std::string::npos);
  CHECK(error_of([] { parse({"--batch_size", "zero"}); }).find("batch_size") != std::string::npos);
  CHECK(error_of([] { parse({"--crop_size", "300"}); }).find("larger than --load_size") != std::string::npos);
  CHECK(error_of([] { parse({"--dataroot", "/no/such/dir"}); }).find("is not a directory") != std::string::npos);
}

namespace {
// Trains `extra` options from the start, and again interrupted after 8 images and resumed; both
// runs' final states must be equal bit for bit and their loss logs line for line.
void check_exact_resume(const fs::path& dir, const std::vector<std::string>& extra) {
  auto args = [&](const std::string& name) {
    auto a = tiny_args(dir, name);
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  };
  REQUIRE(run_training(*parse(args("full"))) == 0);
  auto first = args("split");
  first.insert(first.end(), {"--stop_after", "8"});  // 4 batches: stops inside epoch 2 (3 batches each)
  REQUIRE(run_training(*parse(first)) == 130);
  CHECK(fs::exists(dir / "split" / "latest_state.safetensors"));
  auto second = args("split");
  second.push_back("--continue_train");
  REQUIRE(run_training(*parse(second)) == 0);

  // Weights, buffers, optimizer moments, pools, counters: equal bit for bit.
  const auto a = load_safetensors(dir / "full" / "latest_state.safetensors", Device::cpu());
  const auto b = load_safetensors(dir / "split" / "latest_state.safetensors", Device::cpu());
  REQUIRE(a.tensors.size() == b.tensors.size());
  for (const auto& [name, t] : a.tensors) {
    INFO(name);
    CHECK(t.to_vector<double>() == b.find(name).to_vector<double>());
  }
  for (const char* key : {"epoch", "next_batch", "total_iters", "rng_offset", "optimizer_steps", "scheduler_lr"})
    CHECK(a.metadata.at(key) == b.metadata.at(key));
  // The same losses were logged, step for step.
  CHECK(loss_values(dir / "full" / "loss_log.txt") == loss_values(dir / "split" / "loss_log.txt"));
}
}  // namespace

TEST_CASE("an interrupted run resumes exactly", "[train][resume]") {
  const fs::path dir = fresh_dir("resume");
  check_exact_resume(dir, {});
  // The files a user expects.
  for (const char* f : {"train_opt.txt", "loss_log.txt", "latest_net_G.safetensors", "latest_net_D.safetensors",
                        "1_net_G.safetensors", "3_state.safetensors", "web/index.html", "web/images/epoch001_fake_B_rgb.png"})
    CHECK(fs::exists(dir / "full" / f));
}

TEST_CASE("the memory colorizer resumes exactly, its memory with it", "[train][resume][memory]") {
  const fs::path dir = fresh_dir("resume_memory");
  check_exact_resume(dir, {"--model", "memory_colorization", "--key_width", "4", "--synthetic_palettes", "3",
                           "--lr", "0.0005"});
  const auto state = load_safetensors(dir / "full" / "latest_state.safetensors", Device::cpu());
  const Tensor ages = state.find("net_M.ages");
  REQUIRE(ages.defined());
  CHECK(ages.shape() == Shape{7});  // 1.2 × the 6 training scenes
  int occupied = 0;
  for (double a : ages.to_vector<double>()) occupied += a >= 0;
  CHECK(occupied >= 3);
  // Its slots name the training images their colours came from.
  std::ifstream names(dir / "full" / "train_images.txt");
  int lines = 0;
  for (std::string line; std::getline(names, line);) lines += line.starts_with("synthetic:");
  CHECK(lines == 6);
}

TEST_CASE("resuming a finished run or a missing checkpoint says so", "[train][resume]") {
  const fs::path dir = fresh_dir("missing");
  auto args = tiny_args(dir, "nothing");
  args.push_back("--continue_train");
  CHECK(error_of([&] { run_training(*parse(args)); }).find("no training state") != std::string::npos);
}

TEST_CASE("an unwritable checkpoints directory fails clearly", "[train][errors]") {
  auto args = tiny_args("/proc/pigment_cannot_write_here", "x");
  const std::string msg = error_of([&] { run_training(*parse(args)); });
  CHECK(!msg.empty());
}

TEST_CASE("a diverging run stops with the step and the loss, and saves nothing", "[train][errors]") {
  const fs::path dir = fresh_dir("nan");
  auto args = tiny_args(dir, "diverge");
  args.insert(args.end(), {"--init_gain", "1e30"});  // weights so large that the first losses overflow
  CHECK(run_training(*parse(args)) == 3);
  CHECK_FALSE(fs::exists(dir / "diverge" / "latest_state.safetensors"));
}

TEST_CASE("every step's losses are watched: the first non-finite step is named, however long since the last print",
          "[train][errors]") {
  const fs::path dir = fresh_dir("nan_step");
  auto args = tiny_args(dir, "diverge");
  args.insert(args.end(), {"--print_freq", "1000"});  // the watch is read only at the saves
  auto options = *parse(args);
  options.poison_at_step = 5;  // 3 batches of 2 per epoch: epoch 2, iteration 2, 10 images
  std::string err;
  {
    StderrCapture capture;
    CHECK(run_training(options) == 3);
    err = capture.text();
  }
  CHECK_THAT(err, Catch::Contains("loss G_GAN is not finite (inf or NaN) at epoch 2, iteration 2 (10 images)") &&
                      Catch::Contains("the last good checkpoint is '1 (at 6 images)'"));  // latest and 1, at the end of epoch 1
  // The end of epoch 1 was saved; the end of epoch 2, after the bad step, was not.
  const auto state = load_safetensors(dir / "diverge" / "latest_state.safetensors", Device::cpu());
  CHECK(state.metadata.at("total_iters") == "6");
  CHECK_FALSE(fs::exists(dir / "diverge" / "2_state.safetensors"));
}

TEST_CASE("an interruption at an epoch's last batch ends that epoch once: the resume starts the next",
          "[train][resume]") {
  const fs::path dir = fresh_dir("stop_at_epoch_end");
  auto options = *parse(tiny_args(dir, "run"));
  options.stop_after = 6;  // 3 batches of 2: the last of epoch 1
  CHECK(run_training(options) == 130);
  const auto state = load_safetensors(dir / "run" / "latest_state.safetensors", Device::cpu());
  CHECK(state.metadata.at("epoch") == "2");  // the epoch's end was done: saves, visuals, its line
  CHECK(state.metadata.at("next_batch") == "0");
  CHECK(fs::exists(dir / "run" / "1_net_G.safetensors"));  // --save_epoch_freq 1
  options.stop_after = 0;
  options.continue_train = true;
  CHECK(run_training(options) == 0);
}

TEST_CASE("a state that is not finite is never saved, though every loss is", "[train][errors]") {
  const fs::path dir = fresh_dir("inf_adam");
  auto options = *parse(tiny_args(dir, "diverge"));
  options.poison_at_step = 5;
  options.poison_adam = true;  // exp_avg_sq = +inf: Adam's updates are 0, the losses finite
  std::string err;
  {
    StderrCapture capture;
    CHECK(run_training(options) == 3);
    err = capture.text();
  }
  CHECK_THAT(err, Catch::Contains("training diverged") && Catch::Contains("inf/NaN") &&
                      Catch::Contains("the last good checkpoint is '1 (at 6 images)'"));
  const auto state = load_safetensors(dir / "diverge" / "latest_state.safetensors", Device::cpu());
  CHECK(state.metadata.at("total_iters") == "6");
}

TEST_CASE("corrupt images are skipped and counted; too many stop training with the reason", "[train][data]") {
  const fs::path dir = fresh_dir("corrupt");
  const fs::path root = dir / "photos";
  fs::create_directories(root / "train");
  for (int i = 0; i < 6; ++i)
    data::save_png(root / "train" / fmt::format("scene_{}.png", i), data::synthetic_scene(7, i, 40, 40));
  std::ofstream(root / "train" / "broken.png") << "this is not a PNG";
  std::ofstream(root / "train" / "empty.jpg");
  auto args = tiny_args(dir, "with_bad_files");
  args.insert(args.end(), {"--dataroot", root.string(), "--model", "colorization", "--max_bad_fraction", "0.5"});
  CHECK(run_training(*parse(args)) == 0);
  auto strict = tiny_args(dir, "strict");
  strict.insert(strict.end(), {"--dataroot", root.string(), "--model", "colorization", "--max_bad_fraction", "0.01"});
  const std::string msg = error_of([&] { run_training(*parse(strict)); });
  CHECK(msg.find("bad files") != std::string::npos);
  CHECK(msg.find("max_bad_fraction") != std::string::npos);
}

TEST_CASE("learning-rate policies follow the reference's schedules", "[train][schedule]") {
  // linear, defaults: λ(e) = 1 − max(0, e + 1 − 100)/101 after e steps, one per epoch at its start:
  // full rate for epochs 1–99, then down to 0 at epoch 200 (the reference's quirk).
  LrScheduler linear(LrPolicy::linear, 2e-4, 1, 100, 100, 50);
  std::vector<double> lr(201);
  for (int epoch = 1; epoch <= 200; ++epoch) lr[static_cast<std::size_t>(epoch)] = linear.step(0);
  CHECK(lr[1] == 2e-4);
  CHECK(lr[99] == 2e-4);
  CHECK(lr[100] == Approx(2e-4 * (1 - 1.0 / 101)));
  CHECK(lr[150] == Approx(2e-4 * (1 - 51.0 / 101)));
  CHECK(lr[200] == Approx(0.0).margin(1e-20));
  // step: ×0.1 every lr_decay_iters epochs.
  LrScheduler step(LrPolicy::step, 1.0, 1, 100, 100, 3);
  std::vector<double> s;
  for (int i = 0; i < 7; ++i) s.push_back(step.step(0));
  CHECK(s[0] == 1.0);
  CHECK(s[2] == Approx(0.1));
  CHECK(s[5] == Approx(0.01));
  // cosine over n_epochs: half way at n_epochs/2, zero at n_epochs.
  LrScheduler cosine(LrPolicy::cosine, 1.0, 1, 10, 0, 50);
  std::vector<double> c;
  for (int i = 0; i < 10; ++i) c.push_back(cosine.step(0));
  CHECK(c[4] == Approx(0.5));
  CHECK(c[9] == Approx(0.0).margin(1e-12));
  // plateau: ×0.2 after more than 5 epochs without a 1% improvement.
  LrScheduler plateau(LrPolicy::plateau, 1.0, 1, 10, 0, 50);
  CHECK(plateau.step(10.0) == 1.0);
  for (int i = 0; i < 5; ++i) CHECK(plateau.step(9.95) == 1.0);  // 0.5% better: not an improvement
  CHECK(plateau.step(9.95) == Approx(0.2));
  CHECK(plateau.step(5.0) == Approx(0.2));  // a real improvement resets the count
  // The schedule's position is training state.
  Metadata m;
  linear.save(m);
  LrScheduler restored(LrPolicy::linear, 2e-4, 1, 100, 100, 50);
  restored.load(m);
  CHECK(restored.steps() == 200);
  CHECK(restored.lr() == linear.lr());
  // A finished run continued with more epochs trains on at the new schedule's rate, not the old
  // run's final 0 (as the reference's schedulers, rebuilt at a resume, do).
  LrScheduler finished(LrPolicy::linear, 2e-4, 1, 1, 0, 50);
  CHECK(finished.step(0) == Approx(0.0).margin(1e-20));  // n_epochs 1, decay 0: the one epoch at lr 0
  finished.save(m);
  LrScheduler extended(LrPolicy::linear, 2e-4, 1, 3, 0, 50);
  extended.load(m);
  CHECK(extended.lr() == 2e-4);
  CHECK(extended.step(0) == 2e-4);  // epoch 2 of 3
  // Plateau's rate is state: restored as saved.
  plateau.save(m);
  LrScheduler plateau_restored(LrPolicy::plateau, 1.0, 1, 10, 0, 50);
  plateau_restored.load(m);
  CHECK(plateau_restored.lr() == plateau.lr());
  CHECK(plateau_restored.lr() != 1.0);
}

TEST_CASE("options can come from a config file; the command line wins", "[train][options]") {
  const fs::path dir = fresh_dir("config");
  std::ofstream(dir / "run.toml") << "model = \"pix2pix\"\nngf = 48\nlr = 0.001\n";
  auto o = parse({"--dataroot", dir.string(), "--config", (dir / "run.toml").string(), "--ngf", "16"});
  REQUIRE(o);
  CHECK(o->model.kind == nets::ModelKind::pix2pix);
  CHECK(o->model.adam.lr == 0.001);
  CHECK(o->model.generator.ngf == 16);
  CHECK(error_of([&] { parse({"--config", (dir / "missing.toml").string()}); }).find("missing.toml") !=
        std::string::npos);
}

TEST_CASE("options as a person writes them: the last of a repeated one wins, bounds read plainly", "[train][options]") {
  auto o = parse({"--dataroot", ".", "--ngf", "8", "--ngf", "16", "--norm", "batch", "--norm", "none",
                  "--attention_at", "4", "--attention_at", "2,16"});
  REQUIRE(o);
  CHECK(o->model.generator.ngf == 16);  // scripts append overrides, as with argparse
  CHECK(o->model.generator.norm == nets::NormType::none);
  CHECK(o->model.generator.attention_divisors == std::vector<int>{2, 16});
  auto message = [](std::vector<std::string> args) { return error_of([&] { parse(args); }); };
  CHECK_THAT(message({"--batch_size", "0"}), Catch::Contains("--batch_size: must be between 1 and 4096, got 0"));
  CHECK_THAT(message({"--batch_size", "abc"}), Catch::Contains("'abc' is not a whole number"));
  CHECK_THAT(message({"--batch_size", "99999999999999999999"}), Catch::Contains("must be between 1 and 4096"));
  CHECK_THAT(message({"--print_freq", "0"}), Catch::Contains("--print_freq: must be at least 1, got 0"));
  CHECK_THAT(message({"--lr", "x"}), Catch::Contains("'x' is not a number"));
  for (const char* weight : {"--lambda_L1", "--lambda_A", "--lambda_B", "--lambda_identity", "--lambda_gp"})
    CHECK_THAT(message({weight, "-1"}), Catch::Contains(std::string(weight) + ": must be at least 0, got -1"));
  CHECK_THAT(message({"--attention_at", "4,x"}), Catch::Contains("'x' is not a whole number"));
  // No message carries a machine bound ("… to 1.79769e+308") or the value inside a range phrase.
  for (const std::vector<std::string>& args : {std::vector<std::string>{"--init_gain", "-1"}, {"--seed", "-3"}})
    CHECK(message(args).find("e+") == std::string::npos);

  const fs::path dir = fresh_dir("config_typo");
  std::ofstream(dir / "run.toml") << "ngff = 3\n";
  CHECK_THAT(message({"--config", (dir / "run.toml").string()}),
             Catch::Contains("'ngff' is not an option; did you mean ngf?") && Catch::Contains("run.toml"));
}

TEST_CASE("the reference's options: --gpu_ids, --load_iter, --suffix; visdom and wandb accepted and ignored",
          "[train][options]") {
  auto message = [](std::vector<std::string> args) { return error_of([&] { parse(args); }); };
  CHECK(parse({"--gpu_ids", "-1"})->device == "cpu");
  CHECK(parse({"--gpu_ids", "1"})->device == "cuda:1");
  CHECK(parse({"--gpu_ids", "0", "--device", "cuda:0"})->device == "cuda:0");
  CHECK(parse({})->device == "auto");  // not given: --device decides
  CHECK(parse({"--gpu_ids", "0,1"})->device == "cuda");  // one process per GPU, which gan-train starts
  CHECK_THAT(message({"--gpu_ids", "0,-1"}), Catch::Contains("-1 (the CPU) stands alone"));
  CHECK_THAT(message({"--gpu_ids", "1,1"}), Catch::Contains("GPU 1 is listed twice"));
  CHECK_THAT(message({"--gpu_ids", "0,1", "--device", "cpu"}), Catch::Contains("give one of them"));
  CHECK_THAT(message({"--gpu_ids", "-1", "--device", "cuda"}), Catch::Contains("give one of them"));
  CHECK_THAT(message({"--gpu_ids", "x"}), Catch::Contains("'x' is not a whole number"));
  CHECK(parse({"--load_iter", "300"})->epoch == "iter_300");
  CHECK(parse({"--load_iter", "0", "--epoch", "5"})->epoch == "5");  // 0: --epoch decides, as in the reference
  // The reference: opt.name += '_' + opt.suffix.format(**vars(opt)).
  const auto suffixed = parse({"--name", "run", "--suffix", "{netG}_ngf{ngf}", "--ngf", "8"});
  CHECK(suffixed->name == "run_sa_unet_6d_ngf8");
  CHECK(suffixed->table.at("name").first == "run_sa_unet_6d_ngf8");
  CHECK_THAT(message({"--suffix", "{nfg}"}), Catch::Contains("{nfg} is not an option"));

  const auto quiet = parse({"--display_id", "0", "--display_port", "8097", "--display_ncols", "4", "--no_html",
                            "--update_html_freq", "1000", "--use_wandb", "--wandb_project_name", "x"});
  REQUIRE(quiet);
  CHECK(quiet->ignored == std::vector<std::string>{"display_id", "display_port", "display_ncols", "update_html_freq",
                                                   "no_html", "use_wandb", "wandb_project_name"});
  const std::string note = ignored_options_note(*quiet, "gan-train");
  CHECK_THAT(note, Catch::StartsWith("gan-train: ignored --display_id (visdom), --display_port (visdom)") &&
                       Catch::Contains("--use_wandb (wandb)") && Catch::Contains("tensorboard --logdir"));
  CHECK(note.find('\n') == std::string::npos);  // one line
  CHECK(ignored_options_note(*parse({}), "gan-train").empty());
  CHECK(parse({"--num_threads", "0"})->data.num_threads == 0);  // the reference's test.py value
}

TEST_CASE("continue_train with changed options: refused where the resume would not be exact, else a warning",
          "[train][options]") {
  const auto run = parse({"--batch_size", "2", "--lr", "0.0002"});
  std::map<std::string, std::string> recorded;
  for (const auto& [name, row] : run->table) recorded[name] = row.first;
  CHECK(check_resume_options(recorded, run->table, false).warning.empty());  // the same options
  CHECK(check_resume_options(recorded, parse({"--batch_size", "2", "--lr", "0.0002", "--print_freq", "7",
                                              "--name", "other", "--continue_train"})->table,
                             false)
            .warning.empty());  // logging, names: the run's own business

  const auto longer = parse({"--batch_size", "2", "--lr", "0.0001", "--n_epochs", "50"});
  const std::string warning = check_resume_options(recorded, longer->table, false).warning;
  CHECK_THAT(warning, Catch::Contains("the schedule changes from here on: --lr 0.0001 (the run: 0.0002), --n_epochs 50"));

  const auto changed = parse({"--batch_size", "4", "--lr", "0.0002", "--seed", "9"});
  CHECK_THAT(error_of([&] { check_resume_options(recorded, changed->table, false); }),
             Catch::Contains("--batch_size 4 (the run: 2), --seed 9 (the run: 0)") && Catch::Contains("--force"));
  CHECK_THAT(check_resume_options(recorded, changed->table, true).warning,
             Catch::Contains("--force: continuing with --batch_size 4") && Catch::Contains("not exact"));
  CHECK_THAT(check_resume_options(recorded, parse({"--batch_size", "2", "--lr", "0.0002", "--device", "cpu"})->table,
                                  false)
                 .warning,
             Catch::Contains("--device cpu (the run: auto)") && Catch::Contains("not bit-identical"));
}

TEST_CASE("train_opt.txt reads back into the options it was written from", "[train][options]") {
  const fs::path dir = fresh_dir("read_options");
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{},
        {"--dataroot", dir.string(), "--model", "cycle_gan", "--netG", "resnet_6blocks", "--direction", "BtoA",
         "--attention_at", "2,16", "--max_dataset_size", "7", "--conv_impl", "gemm", "--lr_policy", "cosine"},
        {"--dataroot", dir.string(), "--model", "pix2pix", "--norm", "instance", "--no_flip", "--serial_batches"}}) {
    const auto written = parse(args);
    REQUIRE(written);
    std::ofstream(dir / "train_opt.txt") << format_options(*written);
    const TrainOptions read = read_train_options(dir / "train_opt.txt");
    for (const auto& [name, row] : written->table)
      if (name != "config") CHECK(read.table.at(name).first == row.first);
    CHECK(read.model.generator.arch == written->model.generator.arch);
    CHECK(read.data.a_to_b == written->data.a_to_b);
    CHECK(read.kernels == written->kernels);
  }
  std::ofstream(dir / "not_options.txt") << "hello\n";
  CHECK(error_of([&] { read_train_options(dir / "not_options.txt"); }).find("not an options file") !=
        std::string::npos);
  // With no train_opt.txt, gan-test assumes what gan-train would have used.
  CHECK(default_train_options(std::nullopt).model.generator.arch == parse({})->model.generator.arch);
  CHECK(default_train_options(nets::ModelKind::pix2pix).model.generator.arch == nets::GeneratorArch("unet_256"));
  CHECK(default_train_options(nets::ModelKind::test).model.kind == nets::ModelKind::test);
}

TEST_CASE("a trained experiment is never replaced by accident; a failed start writes nothing", "[train][safety]") {
  const fs::path dir = fresh_dir("keep");
  auto args = tiny_args(dir, "run");
  REQUIRE(run_training(*parse(args)) == 0);
  const fs::path run = dir / "run";
  const auto log_size = fs::file_size(run / "loss_log.txt");
  const std::string options_before = [&] {
    std::ifstream in(run / "train_opt.txt");
    return std::string(std::istreambuf_iterator<char>(in), {});
  }();
  // Again without --continue_train: refused, naming both ways on; nothing changed.
  const std::string refused = error_of([&] { run_training(*parse(args)); });
  CHECK_THAT(refused, Catch::Contains("already holds a trained run") && Catch::Contains("--continue_train") &&
                          Catch::Contains("--overwrite"));
  CHECK(fs::file_size(run / "loss_log.txt") == log_size);
  // A start that fails on its input (a data folder with no images) changes no file either.
  fs::create_directories(dir / "empty" / "train");
  auto failing = args;
  failing.insert(failing.end(), {"--dataroot", (dir / "empty").string(), "--overwrite"});
  CHECK_THAT(error_of([&] { run_training(*parse(failing)); }), Catch::Contains("check --dataroot"));
  std::ifstream in(run / "train_opt.txt");
  CHECK(std::string(std::istreambuf_iterator<char>(in), {}) == options_before);
  CHECK(fs::file_size(run / "loss_log.txt") == log_size);
  for (const auto& e : fs::directory_iterator(dir)) CHECK(e.path().filename().string().find(".old-") == std::string::npos);
  // A failed first start leaves no experiment folder at all.
  auto fresh = tiny_args(dir, "never");
  fresh.insert(fresh.end(), {"--dataroot", (dir / "empty").string()});
  CHECK_THROWS(run_training(*parse(fresh)));
  CHECK(!fs::exists(dir / "never"));
  // --overwrite starts over and keeps the old run aside.
  auto over = args;
  over.push_back("--overwrite");
  REQUIRE(run_training(*parse(over)) == 0);
  int aside = 0;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().starts_with("run.old-")) {
      ++aside;
      CHECK(fs::exists(e.path() / "latest_net_G.safetensors"));
    }
  CHECK(aside == 1);
  CHECK(fs::exists(run / "latest_net_G.safetensors"));
  CHECK_THAT(error_of([&] {
               auto both = args;
               both.insert(both.end(), {"--continue_train", "--overwrite"});
               parse(both);
             }),
             Catch::Contains("give one"));
}

// ---- Checkpoints: one generation per save, no inf/NaN in or out, stale temporaries ----
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <map>

#include "train/checkpoint.h"

namespace {
// A tiny colorizer's model and scheduler, as gan-train builds them, without training.
struct TinyModel {
  std::unique_ptr<nets::Model> model;
  std::unique_ptr<LrScheduler> scheduler;
  nets::Network& net(const std::string& name) const { return *model->network(name); }
};
TinyModel tiny_model(int seed) {
  auto args = tiny_args(fs::temp_directory_path(), "unused");
  args.insert(args.end(), {"--seed", std::to_string(seed)});
  const TrainOptions o = *parse(args);
  return {nets::Model::create(o.model, Device::cpu()),
          std::make_unique<LrScheduler>(o.lr_policy, o.model.adam.lr, o.epoch_count, o.n_epochs, o.n_epochs_decay,
                                        o.lr_decay_iters)};
}

Progress at_step(std::int64_t images) {
  Progress p;
  p.epoch = 2;
  p.total_iters = images;
  return p;
}

std::vector<std::vector<double>> weights_of(const nets::Network& net) {
  std::vector<std::vector<double>> out;
  for (const auto& [key, t] : net.state_dict()) out.push_back(t.to_vector<double>());
  return out;
}

// What fn prints to stdout.
template <class F> std::string stdout_of(F&& fn) {
  std::fflush(stdout);
  std::FILE* file = std::tmpfile();
  const int saved = ::dup(1);
  ::dup2(::fileno(file), 1);
  auto restore = [&] {
    std::fflush(stdout);
    ::dup2(saved, 1);
    ::close(saved);
  };
  try {
    fn();
  } catch (...) {
    restore();
    std::fclose(file);
    throw;
  }
  restore();
  std::rewind(file);
  std::string out;
  for (int c; (c = std::fgetc(file)) != EOF;) out += static_cast<char>(c);
  std::fclose(file);
  return out;
}

// Every file of a folder with its bytes and modification time.
std::map<std::string, std::pair<std::string, fs::file_time_type>> files_of(const fs::path& dir) {
  std::map<std::string, std::pair<std::string, fs::file_time_type>> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    std::ifstream in(e.path(), std::ios::binary);
    out[e.path().filename().string()] = {std::string(std::istreambuf_iterator<char>(in), {}), e.last_write_time()};
  }
  return out;
}
}  // namespace

TEST_CASE("a net file of an interrupted save is not used: the state's generation is", "[train][checkpoint]") {
  const fs::path dir = fresh_dir("generation");
  const fs::path run = dir / "run", other = dir / "other";
  const fs::path net_G = run / "latest_net_G.safetensors", net_D = run / "latest_net_D.safetensors";
  const fs::path state = run / "latest_state.safetensors";
  TinyModel a = tiny_model(1);
  save_checkpoint(run, "latest", *a.model, *a.scheduler, at_step(6), "{}");
  const auto weights_at_6 = weights_of(a.net("G"));

  // A whole generation: its own net file is used, silently.
  {
    TinyModel b = tiny_model(2);
    LoadedNetwork loaded;
    CHECK(stdout_of([&] { loaded = load_network(run, "latest", "G", b.net("G")); }).empty());
    CHECK(!loaded.from_state);
    CHECK(loaded.file == net_G);
    CHECK(loaded.step == 6);
    CHECK(weights_of(b.net("G")) == weights_at_6);
  }

  // The next save, at step 12 with other weights, interrupted after writing G's net file.
  a.net("G").parameters().entries().front().second.fill_(0.25);
  save_checkpoint(other, "latest", *a.model, *a.scheduler, at_step(12), "{}");
  fs::copy_file(other / "latest_net_G.safetensors", net_G, fs::copy_options::overwrite_existing);
  {
    TinyModel b = tiny_model(2);
    LoadedNetwork loaded;
    const std::string said = stdout_of([&] { loaded = load_network(run, "latest", "G", b.net("G")); });
    CHECK(loaded.from_state);
    CHECK(loaded.file == state);
    CHECK(loaded.step == 6);
    CHECK(weights_of(b.net("G")) == weights_at_6);
    CHECK_THAT(said, Catch::Contains("'" + net_G.string() + "' (step 12) is from an interrupted save") &&
                         Catch::Contains("'" + state.string() + "' (step 6)"));
    CHECK(std::count(said.begin(), said.end(), '\n') == 1);
  }
  // A missing or damaged net file: the same.
  fs::remove(net_D);
  {
    TinyModel b = tiny_model(2);
    LoadedNetwork loaded;
    CHECK_THAT(stdout_of([&] { loaded = load_network(run, "latest", "D", b.net("D")); }),
               Catch::Contains("'" + net_D.string() + "' is missing"));
    CHECK(loaded.from_state);
    CHECK(weights_of(b.net("D")) == weights_of(a.net("D")));
  }

  // Resuming reads the state alone: step 6, saying which net files the next save rewrites.
  TinyModel c = tiny_model(3);
  Progress resumed;
  const std::string said = stdout_of([&] { resumed = load_checkpoint(run, "latest", *c.model, *c.scheduler).progress; });
  CHECK(resumed.total_iters == 6);
  CHECK(weights_of(c.net("G")) == weights_at_6);
  CHECK_THAT(said, Catch::Contains("'" + net_G.string() + "' (step 12) is from an interrupted save") &&
                       Catch::Contains("'" + net_D.string() + "' is missing") &&
                       Catch::Contains("resuming from the state's generation at step 6; the next save rewrites it"));
  // Saving again makes the generation whole.
  save_checkpoint(run, "latest", *c.model, *c.scheduler, resumed, "{}");
  TinyModel d = tiny_model(4);
  CHECK(stdout_of([&] { load_checkpoint(run, "latest", *d.model, *d.scheduler); }).empty());
  CHECK(!load_network(run, "latest", "G", d.net("G")).from_state);
}

TEST_CASE("inf/NaN is never saved, and a file holding it is refused naming the tensor", "[train][checkpoint]") {
  const fs::path dir = fresh_dir("nonfinite");
  const fs::path run = dir / "run";
  TinyModel t = tiny_model(1);
  save_checkpoint(run, "latest", *t.model, *t.scheduler, at_step(6), "{}");
  const auto before = files_of(run);

  // One value of one Adam moment becomes inf: nothing is written, the error names it.
  const auto& [optimizer, adam] = t.model->optimizers().front();
  REQUIRE(adam->exp_avg_sq().dtype() == DType::f32);
  adam->exp_avg_sq().data<float>()[3] = INFINITY;
  std::string message;
  try {
    save_checkpoint(run, "latest", *t.model, *t.scheduler, at_step(12), "{}");
  } catch (const NonFiniteState& e) {
    message = e.what();
  }
  CHECK_THAT(message, Catch::Contains("'optimizer_" + optimizer + ".exp_avg_sq' holds inf/NaN in 1 of its"));
  CHECK(files_of(run) == before);
  adam->exp_avg_sq().data<float>()[3] = 0;
  // A weight: the same.
  const auto& [key, weight] = t.net("G").parameters().entries().front();
  weight.data<float>()[0] = NAN;
  CHECK_THROWS_AS(save_checkpoint(run, "1", *t.model, *t.scheduler, at_step(12), "{}"), NonFiniteState);
  CHECK_THAT(error_of([&] { save_checkpoint(run, "1", *t.model, *t.scheduler, at_step(12), "{}"); }),
             Catch::Contains("'net_G." + key + "' holds inf/NaN in 1 of its"));
  CHECK(files_of(run) == before);

  // A net file with a NaN, written by hand (no state beside it): refused, naming the tensor.
  const fs::path hand = dir / "hand";
  fs::create_directories(hand);
  save_safetensors(hand / "latest_net_G.safetensors", t.net("G").state_dict());
  TinyModel u = tiny_model(2);
  CHECK_THAT(error_of([&] { load_network(hand, "latest", "G", u.net("G")); }),
             Catch::Contains("holds inf/NaN in '" + key + "' (1 of its") &&
                 Catch::Contains("a diverged or corrupted save; use another --epoch"));
  // A state with an inf moment: resuming refuses it too.
  SafetensorsContents s = load_safetensors(run / "latest_state.safetensors", Device::cpu());
  s.find("optimizer_" + optimizer + ".exp_avg").data<float>()[0] = -INFINITY;
  save_safetensors(hand / "latest_state.safetensors", s.tensors, s.metadata);
  CHECK_THAT(error_of([&] { load_checkpoint(hand, "latest", *u.model, *u.scheduler); }),
             Catch::Contains("holds inf/NaN in 'optimizer_" + optimizer + ".exp_avg'"));
}

TEST_CASE("temporaries of a killed writer are removed; a live writer's are kept", "[train][checkpoint]") {
  const fs::path dir = fresh_dir("stale");
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  REQUIRE(child > 0);
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);  // reaped: its pid names no process now
  const fs::path dead = dir / ("latest_state.safetensors.tmp." + std::to_string(child));
  const fs::path live = dir / ("latest_net_G.safetensors.tmp." + std::to_string(::getpid()));
  for (const fs::path& f : {dead, live, dir / "latest_net_G.safetensors", dir / "notes.tmp.txt", dir / "x.tmp.0"})
    std::ofstream(f) << "x";
  CHECK(remove_stale_temporaries(dir) == 1);
  CHECK(!fs::exists(dead));
  CHECK(fs::exists(live));
  CHECK(fs::exists(dir / "latest_net_G.safetensors"));
  CHECK(fs::exists(dir / "notes.tmp.txt"));
  CHECK(fs::exists(dir / "x.tmp.0"));
  CHECK(remove_stale_temporaries(dir / "absent") == 0);
}
