// pigment-tensorboard-demo <dir>: writes the event files that tests/scripts/check_tensorboard.py
// reads back with TensorBoard's own reader — a run, then a resume from an earlier step.
//   file 1: start_session(0); loss_a = step / 2 and loss_b = 1 / (step + 1) at steps 0..9; a 4×6 RGB
//           image "sample" at step 5.
//   file 2: start_session(7); loss_a = 100 + step at steps 7..12.
#include <cstdio>
#include <exception>
#include <vector>

#include "train/tensorboard.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <dir>\n", argv[0]);
    return 2;
  }
  try {
    {
      pigment::train::TensorBoardWriter tb(argv[1]);
      tb.start_session(0);
      for (int step = 0; step < 10; ++step)
        tb.add_scalars({{"loss_a", step * 0.5}, {"loss_b", 1.0 / (step + 1)}}, step);
      constexpr int height = 4, width = 6;
      std::vector<std::uint8_t> pixels;  // a red-to-green ramp across, blue down
      for (int y = 0; y < height; ++y)
        for (int x = 0; x < width; ++x)
          pixels.insert(pixels.end(), {static_cast<std::uint8_t>(255 - 40 * x), static_cast<std::uint8_t>(40 * x),
                                       static_cast<std::uint8_t>(60 * y)});
      tb.add_image("sample", height, width, 3, pixels, 5);
      tb.flush();
    }
    pigment::train::TensorBoardWriter resumed(argv[1]);
    resumed.start_session(7);
    for (int step = 7; step <= 12; ++step) resumed.add_scalar("loss_a", 100.0 + step, step);
    resumed.flush();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pigment-tensorboard-demo: %s\n", e.what());
    return 1;
  }
  return 0;
}
