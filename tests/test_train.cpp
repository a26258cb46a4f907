// gan-train end to end, in process: options, exact resume, logs, pages, bad input.
#include <filesystem>
#include <fstream>
#include <regex>

#include "engine/safetensors.h"
#include "helpers.h"
#include "train/options.h"
#include "train/trainer.h"

using namespace pigment;
using namespace pigment::train;
namespace fs = std::filesystem;
using test::error_of;

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
  CHECK(o->norm == "batch");  // pix2pix's set_defaults
  CHECK(o->netG == "unet_256");
  CHECK(o->dataset_mode == "aligned");
  CHECK(o->gan_mode == "vanilla");
  o = parse({"--dataroot", ".", "--model", "pix2pix", "--norm", "instance"});
  CHECK(o->norm == "instance");  // an explicit value wins
  const std::string text = format_options(*o);
  CHECK(text.find("                     norm: instance                      \t[default: batch]") != std::string::npos);
  o = parse({});  // no dataroot: the built-in synthetic colorizer
  CHECK(o->model == "colorization");
  CHECK(o->input_nc == 1);
  CHECK(o->output_nc == 2);
  CHECK(error_of([] { parse({"--no_such_option"}); }).find("--no_such_option") != std::string::npos);
  CHECK(error_of([] { parse({"--netG", "unet_300"}); }).find("unknown generator 'unet_300'") != std::string::npos);
  CHECK(error_of([] { parse({"--lr_policy", "exp"}); }).find("lr_policy") != std::string::npos);
  CHECK(error_of([] { parse({"--batch_size", "zero"}); }).find("batch_size") != std::string::npos);
  CHECK(error_of([] { parse({"--crop_size", "300"}); }).find("larger than --load_size") != std::string::npos);
  CHECK(error_of([] { parse({"--dataroot", "/no/such/dir"}); }).find("is not a directory") != std::string::npos);
}

TEST_CASE("an interrupted run resumes exactly", "[train][resume]") {
  const fs::path dir = fresh_dir("resume");
  auto full = parse(tiny_args(dir, "full"));
  REQUIRE(run_training(*full) == 0);

  auto first = tiny_args(dir, "split");
  first.insert(first.end(), {"--stop_after", "8"});  // 4 batches: stops inside epoch 2 (3 batches each)
  REQUIRE(run_training(*parse(first)) == 130);
  CHECK(fs::exists(dir / "split" / "latest_state.safetensors"));
  auto second = tiny_args(dir, "split");
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
  // The files a user expects.
  for (const char* f : {"train_opt.txt", "loss_log.txt", "latest_net_G.safetensors", "latest_net_D.safetensors",
                        "1_net_G.safetensors", "3_state.safetensors", "web/index.html", "web/images/epoch001_fake_B_rgb.png"})
    CHECK(fs::exists(dir / "full" / f));
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
