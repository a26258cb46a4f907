// Learning, not just running: a small colorizer trained on the CPU for a bounded number of steps
// must colour held-out synthetic scenes better than leaving them gray.
//
// The margin: on these scenes the gray baseline (Lab L with a = b = 0) scores ≈ 18.3 dB PSNR, and a
// constant colour cast (the mean ab of the scenes) scores no better (≈ 18.1 dB), so only colour that
// depends on the content (sky, water, foliage, sunsets, each with its own palette) can gain. A gain
// of ≥ 2 dB means the squared colour error fell by ≥ 37%; the default colorizer of gan-train gains
// ≈ 5 dB.
#include <filesystem>

#include "helpers.h"
#include "tools/inference.h"
#include "tools/metrics.h"
#include "train/checkpoint.h"
#include "train/data/synthetic.h"
#include "train/options.h"
#include "train/trainer.h"

using namespace pigment;
namespace fs = std::filesystem;

TEST_CASE("a small colorizer beats the gray baseline on held-out scenes", "[train][learning]") {
  const fs::path dir = fs::temp_directory_path() / "pigment_test_learning";
  fs::remove_all(dir);
  const std::vector<std::string> args = {
      "gan-train", "--checkpoints_dir", dir.string(), "--name", "learn", "--netG", "unet_5d", "--ngf", "16",
      "--ndf", "16", "--norm", "instance", "--load_size", "36", "--crop_size", "32", "--batch_size", "8",
      "--synthetic_train", "256", "--n_epochs", "12", "--n_epochs_decay", "3", "--lr", "0.001", "--print_freq", "256",
      "--display_freq", "100000", "--save_latest_freq", "100000", "--save_epoch_freq", "100", "--no_progress",
      "--seed", "1"};
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  const auto options = train::parse_train_options(static_cast<int>(argv.size()), argv.data());
  REQUIRE(train::run_training(*options) == 0);

  Rng rng(0);
  nets::GeneratorOptions g;
  g.arch = "unet_5d";
  g.ngf = 16;
  g.norm = nets::NormType::instance;
  g.input_nc = 1;
  g.output_nc = 2;
  const Device cpu = Device::cpu();
  auto G = nets::make_generator(g, cpu, &rng);
  train::load_network(dir / "learn", "latest", "G", *G);
  G->set_training(false);
  double model = 0, gray = 0;
  const int n = 24;
  for (int i = 0; i < n; ++i) {
    // Held-out: the test phase's scene indices (2^40 + i) never appear in training.
    const data::Image truth = data::synthetic_scene(0, (std::int64_t{1} << 40) + i, 64, 64);
    model += metrics::psnr(inference::colorize(*G, truth, 32), truth);
    gray += metrics::psnr(inference::gray_baseline(truth), truth);
  }
  model /= n;
  gray /= n;
  INFO("colorizer " << model << " dB, gray baseline " << gray << " dB");
  CHECK(model > gray + 2.0);
}
