// Whole-image inference: any size in, the same size out; colorization keeps the input's lightness.
#include <cmath>

#include "helpers.h"
#include "nets/generators.h"
#include "tools/inference.h"
#include "tools/metrics.h"
#include "train/data/lab.h"
#include "train/data/synthetic.h"

using namespace pigment;

namespace {
std::unique_ptr<nets::Network> tiny_generator(int in, int out, Rng& rng) {
  nets::GeneratorOptions g;
  g.arch = "unet_5d";
  g.ngf = 4;
  g.norm = nets::NormType::instance;
  g.input_nc = in;
  g.output_nc = out;
  auto G = nets::make_generator(g, Device::cpu(), &rng);
  G->init_weights(InitType::normal, 0.2, rng);
  G->set_training(false);
  return G;
}
}  // namespace

TEST_CASE("translation pads any size to what the net takes and crops back", "[inference]") {
  Rng rng(1);
  auto G = tiny_generator(3, 3, rng);
  const data::Image input = data::synthetic_scene(0, 5, 70, 45);
  const data::Image out = inference::translate(*G, input, nets::GeneratorArch("unet_5d").input_multiple());
  CHECK(out.width == 70);
  CHECK(out.height == 45);
  CHECK(out.channels == 3);
  const data::Image padded = inference::pad_to_multiple(input, 32);
  CHECK(padded.width == 96);
  CHECK(padded.height == 64);
  CHECK(padded.at(63, 95, 1) == input.at(44, 69, 1));  // edge replication
}

TEST_CASE("colorization works at the image's own size and keeps its lightness", "[inference]") {
  Rng rng(2);
  auto G = tiny_generator(1, 2, rng);
  const data::Image input = data::synthetic_scene(0, 9, 90, 61);
  const data::Image out = inference::colorize(*G, input, 32);
  REQUIRE(out.width == 90);
  REQUIRE(out.height == 61);
  double dl = 0;
  for (int y = 0; y < out.height; ++y)
    for (int x = 0; x < out.width; ++x) {
      const auto a = data::rgb_to_lab(input.at(y, x, 0), input.at(y, x, 1), input.at(y, x, 2));
      const auto b = data::rgb_to_lab(out.at(y, x, 0), out.at(y, x, 1), out.at(y, x, 2));
      dl += std::fabs(a[0] - b[0]);
    }
  // Only gamut clipping of the new colour can move L.
  CHECK(dl / (out.width * out.height) < 1.0);
  // The gray baseline is gray and has the input's lightness.
  const data::Image gray = inference::gray_baseline(input);
  CHECK(metrics::colorfulness(gray) < 1.0);
}

TEST_CASE("metrics on known cases", "[inference][metrics]") {
  data::Image a(16, 16, 3), b(16, 16, 3);
  for (float& v : a.pixels) v = 0.5f;
  for (float& v : b.pixels) v = 0.6f;
  CHECK(metrics::psnr(a, b) == Approx(20.0).epsilon(1e-6));  // MSE 0.01
  CHECK(std::isinf(metrics::psnr(a, a)));
  CHECK(metrics::ssim(a, a) == Approx(1.0));
  CHECK(metrics::ssim(a, b) < 1.0);
  CHECK(metrics::colorfulness(a) == Approx(0.0).margin(1e-9));
  data::Image red(8, 8, 3);
  for (int i = 0; i < 64; ++i) red.pixels[static_cast<std::size_t>(3 * i)] = 1.0f;
  // rg = 255, yb = 127.5 everywhere: no spread, colourfulness 0.3·√(255² + 127.5²).
  CHECK(metrics::colorfulness(red) == Approx(0.3 * std::sqrt(255.0 * 255.0 + 127.5 * 127.5)));
}
