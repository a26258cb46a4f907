// Whole-image inference: any size in, the same size out; colorization keeps the input's lightness.
#include <algorithm>
#include <array>
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

TEST_CASE("tiles start on the net's multiple, cover the image and overlap as asked", "[inference][tiles]") {
  for (const auto& [length, tile, overlap, multiple] :
       std::vector<std::array<int, 4>>{{304, 160, 64, 4}, {1000, 256, 64, 8}, {96, 96, 32, 4}, {512, 256, 0, 256}}) {
    const std::vector<int> starts = inference::tile_starts(length, tile, overlap, multiple);
    INFO(length << " " << tile << " " << overlap << " " << multiple);
    CHECK(starts.front() == 0);
    CHECK(starts.back() + tile == length);
    for (std::size_t i = 0; i < starts.size(); ++i) {
      CHECK(starts[i] % multiple == 0);
      if (i > 0) CHECK(starts[i - 1] + tile - starts[i] >= overlap - multiple + 1);  // flooring to the multiple
    }
  }
  // The automatic choice: the whole image when it fits, else the largest tile that does.
  CHECK(inference::tile_for_budget(512, 512, 4, 64, 100.0, 512.0 * 512 * 100) == 0);
  const int tile = inference::tile_for_budget(2048, 2048, 4, 64, 100.0, 1e8);  // 1e6 pixels fit
  CHECK(tile == 1000);
  CHECK(inference::tile_for_budget(2048, 2048, 4, 64, 100.0, 1e3) == 136);  // never all border
}

namespace {
// resnet_6blocks with batch norm in eval mode: every layer but the convolutions acts per pixel, so
// tiles can match the whole image exactly. Its receptive-field radius is 63 pixels (7×7: 3, two
// stride-2 3×3: 1 + 2, twelve 3×3 at stride 4: 48, two transposed 3×3: 4 + 2, 7×7: 3).
std::unique_ptr<nets::Network> per_pixel_resnet(Rng& rng) {
  nets::GeneratorOptions g;
  g.arch = "resnet_6blocks";
  g.ngf = 4;
  g.norm = nets::NormType::batch;
  g.dropout = false;
  auto G = nets::make_generator(g, Device::cpu(), &rng);
  G->init_weights(InitType::normal, 0.1, rng);
  G->set_training(false);
  return G;
}

double max_difference(const data::Image& a, const data::Image& b, int x0, int x1, int y0, int y1) {
  double m = 0;
  for (int y = y0; y < y1; ++y)
    for (int x = x0; x < x1; ++x)
      for (int c = 0; c < a.channels; ++c) m = std::max(m, static_cast<double>(std::fabs(a.at(y, x, c) - b.at(y, x, c))));
  return m;
}
}  // namespace

TEST_CASE("tiled translation equals the whole image's where the overlap covers the receptive field, and "
          "its seams are measured where it does not", "[inference][tiles]") {
  Rng rng(3);
  auto G = per_pixel_resnet(rng);
  const int multiple = nets::GeneratorArch("resnet_6blocks").input_multiple();
  const data::Image input = data::synthetic_scene(0, 9, 301, 237);  // padded to 304 × 240
  const data::Image whole = inference::translate(*G, input, multiple);

  // Overlap 256: each tile ignores the 64 pixels next to a cut edge (≥ the radius, 63) and the
  // blend ramps over the 128 between, where both tiles are exact. Tolerance: float rounding of
  // the weighted mean (w·a + (1 − w)·a) / 1 on [0, 1] pixels, a few ulps.
  const data::Image exact = inference::translate_tiled(*G, input, multiple, {288, 256});
  REQUIRE(exact.width == input.width);
  REQUIRE(exact.height == input.height);
  CHECK(max_difference(exact, whole, 0, input.width, 0, input.height) < 1e-5);

  // Tiles of 192² asking overlap 32: spread evenly they share 80 columns and 144 rows, of which
  // each ignores a quarter (20, 36 < 63) next to its cut edge, so the cut edges show through.
  // Where every tile covering a pixel has it more than the radius from its cut edges, the result
  // is still exact; in the seam bands it differs, by an amount measured here (random weights: a
  // pessimistic case) and bounded loosely.
  const int tile = 192;
  const data::Image tiled = inference::translate_tiled(*G, input, multiple, {tile, 32});
  const std::vector<int> xs = inference::tile_starts(304, tile, 32, multiple), ys = inference::tile_starts(240, tile, 32, multiple);
  auto distance_to_cuts = [&](const std::vector<int>& starts, int length, int p) {
    int d = 1 << 30;
    for (int s : starts) {
      if (p < s || p >= s + tile) continue;                 // this tile does not cover p
      if (s > 0) d = std::min(d, p - s);                     // its left (top) edge is cut
      if (s + tile < length) d = std::min(d, s + tile - 1 - p);  // its right (bottom) edge is cut
    }
    return d;
  };
  double seam = 0, away = 0;
  int away_pixels = 0;
  for (int y = 0; y < input.height; ++y)
    for (int x = 0; x < input.width; ++x) {
      const double d = max_difference(tiled, whole, x, x + 1, y, y + 1);
      if (std::min(distance_to_cuts(xs, 304, x), distance_to_cuts(ys, 240, y)) > 63) {
        away = std::max(away, d);
        ++away_pixels;
      } else {
        seam = std::max(seam, d);
      }
    }
  INFO("tiles of 192², overlap 32: max |tiled − whole| " << seam << " in the seam bands, " << away << " on the "
       << away_pixels << " pixels away from them");
  CHECK(away_pixels > input.width * input.height / 4);
  CHECK(away < 1e-5);
  CHECK(seam > 1e-4);  // the measurement sees the seams (it could fail)…
  CHECK(seam < 0.25);  // …and they stay well below a pixel's range
}

TEST_CASE("instance norm on recorded statistics: the same output on the image they came from, and tiles "
          "closer to the whole image than with each tile's own statistics", "[inference][tiles]") {
  Rng rng(4);
  nets::GeneratorOptions g;
  g.arch = "resnet_6blocks";
  g.ngf = 4;
  g.norm = nets::NormType::instance;
  g.dropout = false;
  auto G = nets::make_generator(g, Device::cpu(), &rng);
  G->init_weights(InitType::normal, 0.1, rng);
  G->set_training(false);
  const int multiple = nets::GeneratorArch("resnet_6blocks").input_multiple();
  const data::Image input = data::synthetic_scene(0, 12, 256, 192);
  const data::Image whole = inference::translate(*G, input, multiple);

  // Record on the image, apply on the same image: (x − μ)/√(σ² + ε) through batch norm's
  // evaluation path equals instance norm's own pass to float rounding.
  nets::InstanceNormStatistics statistics;
  int norms = 0;
  G->root().visit([&](nets::Module& m) {
    if (auto* norm = dynamic_cast<nets::InstanceNorm2d*>(&m)) norm->use_statistics(&statistics), ++norms;
  });
  statistics.mode = nets::InstanceNormStatistics::Mode::record;
  const data::Image recorded = inference::translate(*G, input, multiple);
  CHECK(static_cast<int>(statistics.means.size()) == norms);  // each norm runs once per forward
  statistics.mode = nets::InstanceNormStatistics::Mode::apply;
  const data::Image applied = inference::translate(*G, input, multiple);
  CHECK(statistics.next == statistics.means.size());
  CHECK(max_difference(recorded, whole, 0, input.width, 0, input.height) == 0);
  CHECK(max_difference(applied, whole, 0, input.width, 0, input.height) < 1e-5);
  G->root().visit([](nets::Module& m) {
    if (auto* norm = dynamic_cast<nets::InstanceNorm2d*>(&m)) norm->use_statistics(nullptr);
  });

  auto mean_difference = [&](const data::Image& a) {
    double sum = 0;
    for (std::size_t i = 0; i < a.pixels.size(); ++i) sum += std::fabs(a.pixels[i] - whole.pixels[i]);
    return sum / static_cast<double>(a.pixels.size());
  };
  using inference::TileStatistics;
  const double own = mean_difference(inference::translate_tiled(*G, input, multiple, {128, 64, TileStatistics::per_tile}));
  const double preview = mean_difference(inference::translate_tiled(*G, input, multiple, {128, 64, TileStatistics::preview}));
  INFO("mean |tiled − whole|: " << own << " with each tile's statistics, " << preview << " with the image's from "
       "a first pass at 0.58 of its resolution");
  // The claim is "closer", not "equal": the first pass sees the image at a lower resolution (at
  // 1024² on resnet_9blocks bench/compare_tiling.py measured 7.1 against 45.9 8-bit levels).
  CHECK(preview < own);

  // Exact: norm by norm, each measured on an input equal to the whole image's — when the overlap
  // keeps the cut edges' effects out of the owned cells (128 pixels from them) and out of the
  // blend (overlap / 4 = 64), both ≥ the radius 63. Tolerance: the order of the sums.
  const data::Image wide = data::synthetic_scene(0, 13, 640, 192);  // the first pass sees it at 0.91
  const data::Image wide_whole = inference::translate(*G, wide, multiple);
  const data::Image exact = inference::translate_tiled(*G, wide, multiple, {320, 256, TileStatistics::exact});
  CHECK(max_difference(exact, wide_whole, 0, wide.width, 0, wide.height) < 1e-4);
  const data::Image previewed = inference::translate_tiled(*G, wide, multiple, {320, 256, TileStatistics::preview});
  CHECK(max_difference(previewed, wide_whole, 0, wide.width, 0, wide.height) > 1e-3);  // what exact adds
}
