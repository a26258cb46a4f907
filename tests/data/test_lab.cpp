// sRGB ↔ Lab with the reference's constants, and the network's Lab encoding.
#include <catch2/catch.hpp>

#include <cmath>

#include "train/data/dataset.h"
#include "train/data/lab.h"

using namespace pigment;
using namespace pigment::data;

TEST_CASE("Lab of known colours", "[data][lab]") {
  const auto white = rgb_to_lab(1, 1, 1);
  CHECK(white[0] == Approx(100.0).margin(1e-3));
  // The matrix rows sum to the white point only to ~1e-5, hence a and b within 0.01 of zero.
  CHECK(std::fabs(white[1]) < 0.01);
  CHECK(std::fabs(white[2]) < 0.01);

  const auto black = rgb_to_lab(0, 0, 0);
  CHECK(black[0] == Approx(0.0).margin(1e-4));
  CHECK(black[1] == Approx(0.0).margin(1e-4));
  CHECK(black[2] == Approx(0.0).margin(1e-4));

  const auto red = rgb_to_lab(1, 0, 0);  // the textbook sRGB red
  CHECK(red[0] == Approx(53.24).margin(0.01));
  CHECK(red[1] == Approx(80.09).margin(0.01));
  CHECK(red[2] == Approx(67.20).margin(0.01));

  const auto gray = rgb_to_lab(0.5f, 0.5f, 0.5f);  // neutral: no chroma
  CHECK(gray[0] == Approx(53.39).margin(0.01));
  CHECK(std::hypot(gray[1], gray[2]) < 0.01);
}

TEST_CASE("Lab round trip over a grid of sRGB colours", "[data][lab]") {
  constexpr int kSteps = 17;
  double worst = 0;
  for (int r = 0; r < kSteps; ++r)
    for (int g = 0; g < kSteps; ++g)
      for (int b = 0; b < kSteps; ++b) {
        const float step = 1.0f / (kSteps - 1);
        const float rgb[3] = {static_cast<float>(r) * step, static_cast<float>(g) * step, static_cast<float>(b) * step};
        const auto lab = rgb_to_lab(rgb[0], rgb[1], rgb[2]);
        CHECK(lab[0] >= -1e-3f);
        CHECK(lab[0] <= 100.001f);
        // The sRGB gamut's extent in Lab (reference-models.md).
        CHECK(lab[1] >= -86.19f);
        CHECK(lab[1] <= 98.24f);
        CHECK(lab[2] >= -107.87f);
        CHECK(lab[2] <= 94.49f);
        const auto back = lab_to_rgb(lab[0], lab[1], lab[2]);
        for (int c = 0; c < 3; ++c) worst = std::max(worst, std::fabs(double(back[c]) - rgb[c]));
      }
  INFO("worst round-trip error " << worst);
  CHECK(worst < 1e-5);  // float results of a double computation: far below one 8-bit step (0.0039)
}

TEST_CASE("Lab inverse clips out-of-gamut values", "[data][lab]") {
  // Far outside sRGB: every channel still lands in [0, 1].
  for (const auto& lab : {std::array<float, 3>{50, 127, -128}, std::array<float, 3>{100, -128, 127},
                          std::array<float, 3>{0, 100, 100}, std::array<float, 3>{20, 0, 200}}) {
    const auto rgb = lab_to_rgb(lab[0], lab[1], lab[2]);
    for (float c : rgb) {
      CHECK(c >= 0.0f);
      CHECK(c <= 1.0f);
    }
  }
}

TEST_CASE("colorization encoding: A = L/50 - 1, B = ab/110, and back", "[data][lab]") {
  Image image(3, 1, 3);
  const float colours[3][3] = {{1, 1, 1}, {0, 0, 0}, {0.8f, 0.3f, 0.1f}};
  for (int x = 0; x < 3; ++x)
    for (int c = 0; c < 3; ++c) image.at(0, x, c) = colours[x][c];
  const auto [A, B] = image_to_lab_tensors(image);
  REQUIRE(A.shape() == Shape({1, 1, 3}));
  REQUIRE(B.shape() == Shape({2, 1, 3}));
  const auto a = A.to_vector<float>(), b = B.to_vector<float>();
  CHECK(a[0] == Approx(1.0).margin(1e-4));   // white: L = 100
  CHECK(a[1] == Approx(-1.0).margin(1e-4));  // black: L = 0
  const auto lab = rgb_to_lab(0.8f, 0.3f, 0.1f);
  CHECK(a[2] == Approx(lab[0] / 50.0f - 1.0f));
  CHECK(b[2] == Approx(lab[1] / 110.0f));
  CHECK(b[5] == Approx(lab[2] / 110.0f));

  const Image back = lab_tensors_to_image(A, B);
  for (std::size_t i = 0; i < image.pixels.size(); ++i) CHECK(back.pixels[i] == Approx(image.pixels[i]).margin(1e-5));
}
