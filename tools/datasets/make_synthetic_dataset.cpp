// make-synthetic-dataset: writes the procedural landscapes (train/data/synthetic.h) as PNG files,
// either as plain colour photos (colorization layout) or as gray|colour pairs (aligned layout).
#include <chrono>
#include <cstdio>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "tools/command_line.h"
#include "engine/error.h"
#include "train/data/synthetic.h"

using namespace pigment::data;

int main(int argc, char** argv) {
  CLI::App app{"make-synthetic-dataset: write procedural colour landscapes as a dataset (<output>/train, <output>/test)"};
  std::string output, layout = "colorization";
  std::int64_t n_train = 512, n_test = 32;
  int size = 256;
  std::uint64_t seed = 0;
  app.add_option("--output", output, "dataset folder to create (dataroot)")->required();
  app.add_option("--layout", layout, "colorization: colour scenes; aligned: gray|colour pairs side by side (pix2pix)")
      ->capture_default_str()
      ->check(CLI::IsMember({"colorization", "aligned"}));
  pigment::add_number(app, "--train", n_train, "training scenes", {0});
  pigment::add_number(app, "--test", n_test, "test scenes (other scenes than the training ones)", {0});
  pigment::add_number(app, "--size", size, "side of each scene in pixels", {8, 8192});
  app.add_option("--seed", seed, "scene seed (0 gives gan-train's built-in scenes)")->capture_default_str();
  if (const auto code = pigment::parse_command_line(app, "make-synthetic-dataset", argc, argv)) return *code;

  try {
    const auto start = std::chrono::steady_clock::now();
    const std::int64_t written =
        write_synthetic_dataset(output, layout == "aligned" ? SyntheticLayout::aligned : SyntheticLayout::colorization,
                                n_train, n_test, size, seed);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    fmt::print("make-synthetic-dataset: wrote {} scenes ({} train, {} test, {}×{}, {} layout) to {} in {:.1f} s\n",
               written, n_train, n_test, size, size, layout, output, seconds);
    return 0;
  } catch (const std::exception& e) {
    return pigment::report_failure("make-synthetic-dataset", e);
  }
}
