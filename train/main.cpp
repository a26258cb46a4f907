// gan-train: trains pix2pix, CycleGAN or a Lab colorizer (see docs/user-guide.md).
#include <cstdio>

#include <fmt/format.h>

#include "engine/exit.h"
#include "train/options.h"
#include "train/trainer.h"

int main(int argc, char** argv) {
  // Line-buffered even into a file or a pipe (> log, nohup, | tee): progress shows as it happens,
  // whole lines, and nothing printed is lost when the process is killed.
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  try {
    const auto options = pigment::train::parse_train_options(argc, argv);
    if (!options) return 0;  // --help
    return pigment::train::run_training(*options);
  } catch (const std::exception& e) {
    return pigment::report_failure("gan-train", e);
  }
}
