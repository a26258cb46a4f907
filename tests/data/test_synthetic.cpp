// Synthetic scenes: deterministic, varied, colourful, fast.
#include <catch2/catch.hpp>

#include <chrono>
#include <set>

#include "data_test_helpers.h"
#include "train/data/dataset.h"
#include "train/data/lab.h"
#include "train/data/synthetic.h"

using namespace pigment;
using namespace pigment::data;

namespace {
double mean_chroma(const Image& image) {
  double sum = 0;
  for (std::size_t i = 0; i < image.pixels.size(); i += 3) {
    const auto lab = rgb_to_lab(image.pixels[i], image.pixels[i + 1], image.pixels[i + 2]);
    sum += std::hypot(lab[1], lab[2]);
  }
  return sum / static_cast<double>(image.pixels.size() / 3);
}
}  // namespace

TEST_CASE("synthetic scenes are determined by (seed, index, size)", "[data][synthetic]") {
  const Image a = synthetic_scene(3, 17, 64, 48);
  REQUIRE((a.width == 64 && a.height == 48 && a.channels == 3));
  CHECK(test::max_abs_diff(a, synthetic_scene(3, 17, 64, 48)) == 0.0);
  CHECK(test::max_abs_diff(a, synthetic_scene(3, 18, 64, 48)) > 0.2);
  CHECK(test::max_abs_diff(a, synthetic_scene(4, 17, 64, 48)) > 0.2);
  for (float v : a.pixels) {
    REQUIRE((v >= 0.0f && v <= 1.0f));
    REQUIRE(std::fabs(v * 255.0f - std::nearbyint(v * 255.0f)) < 1e-3f);  // on the 8-bit grid, like a PNG
  }
  // Far-apart indices (the test phase starts at 2^40) work the same way.
  const Image far = synthetic_scene(0, (std::int64_t{1} << 40) + 5, 32, 32);
  CHECK(test::max_abs_diff(far, synthetic_scene(0, (std::int64_t{1} << 40) + 5, 32, 32)) == 0.0);
}

TEST_CASE("synthetic scenes are colourful and varied", "[data][synthetic]") {
  double total = 0;
  int colourful = 0;
  constexpr int kScenes = 24;
  std::vector<double> chroma;
  for (int i = 0; i < kScenes; ++i) {
    const double c = mean_chroma(synthetic_scene(0, i, 64, 64));
    chroma.push_back(c);
    total += c;
    colourful += c > 15.0;
  }
  INFO("mean chroma per scene: " << Catch::Detail::stringify(chroma));
  CHECK(total / kScenes > 20.0);      // natural photos: typically 10–30
  CHECK(colourful >= kScenes * 3 / 4);  // night scenes may be muted; most are not
  // Scenes differ in layout as well as colour: the top-left quarter's mean varies.
  std::set<int> tones;
  for (int i = 0; i < kScenes; ++i) {
    const Image s = synthetic_scene(0, i, 32, 32);
    double mean = 0;
    for (int y = 0; y < 16; ++y)
      for (int x = 0; x < 16; ++x) mean += s.at(y, x, 2);
    tones.insert(static_cast<int>(mean / 256.0 * 10));
  }
  CHECK(tones.size() >= 4);
}

TEST_CASE("a 128×128 scene takes a few milliseconds", "[data][synthetic]") {
  synthetic_scene(0, 0, 128, 128);  // warm-up
  constexpr int kScenes = 30;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kScenes; ++i) synthetic_scene(0, i, 128, 128);
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count() / kScenes;
  WARN("synthetic_scene 128×128: " << ms << " ms");
  CHECK(ms < 25.0);  // typically ~2 ms; generous for a loaded machine or a debug build
}

TEST_CASE("write_synthetic_dataset writes loadable PNGs in both layouts", "[data][synthetic]") {
  test::TempDir dir;
  CHECK(write_synthetic_dataset(dir / "colour", SyntheticLayout::colorization, 3, 2, 24, 5) == 5);
  CHECK(write_synthetic_dataset(dir / "pairs", SyntheticLayout::aligned, 2, 1, 24, 5) == 3);
  std::string error;
  const auto colour = load_image(dir / "colour/train/000001.png", error);
  REQUIRE(colour);
  CHECK(test::max_abs_diff(*colour, synthetic_scene(5, 1, 24, 24)) == 0.0);
  const auto test_scene = load_image(dir / "colour/test/000000.png", error);
  REQUIRE(test_scene);
  CHECK(test::max_abs_diff(*test_scene, synthetic_scene(5, std::int64_t{1} << 40, 24, 24)) == 0.0);
  const auto pair = load_image(dir / "pairs/train/000000.png", error);
  REQUIRE(pair);
  CHECK((pair->width == 48 && pair->height == 24));
  CHECK(pair->at(5, 7, 0) == pair->at(5, 7, 2));  // left: gray
  CHECK(test::max_abs_diff(crop(*pair, 24, 0, 24, 24), synthetic_scene(5, 0, 24, 24)) == 0.0);  // right: colour
  CHECK(find_images(dir / "pairs").size() == 3);
}
