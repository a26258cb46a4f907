// Pixel operations: bicubic resize against Pillow, crop, flip, gray, tensors.
#include <catch2/catch.hpp>

#include <fstream>

#include <nlohmann/json.hpp>

#include "data_test_helpers.h"
#include "train/data/dataset.h"
#include "train/data/preprocess.h"

using namespace pigment;
using namespace pigment::data;

namespace {

Image image_from_bytes(const std::vector<int>& bytes, int width, int height, int channels) {
  Image image(width, height, channels);
  REQUIRE(bytes.size() == image.pixels.size());
  for (std::size_t i = 0; i < bytes.size(); ++i) image.pixels[i] = static_cast<float>(bytes[i]) / 255.0f;
  return image;
}

nlohmann::json load_pil_fixture() {
  std::ifstream in(std::string(PIGMENT_DATA_FIXTURES_DIR) + "/pil_resize.json");
  REQUIRE(in.good());
  return nlohmann::json::parse(in);
}

}  // namespace

TEST_CASE("resize_bicubic matches Pillow's Image.resize(BICUBIC)", "[data][image]") {
  const nlohmann::json fixture = load_pil_fixture();
  const auto& src = fixture["source"];
  const Image source = image_from_bytes(src["pixels"].get<std::vector<int>>(), src["width"], src["height"], 3);
  for (const auto& c : fixture["resize_bicubic"]) {
    const int w = c["width"], h = c["height"];
    INFO("resize 13×9 → " << w << "×" << h);
    // The 8-bit path the data pipeline uses is Pillow's RGB resampling bit for bit.
    const Image pil_8bit = image_from_bytes(c["pixels"].get<std::vector<int>>(), w, h, 3);
    CHECK(test::max_abs_diff(data::detail::resize_bicubic_8bit(source, w, h), pil_8bit) == 0.0);
    // The float path is Pillow's mode 'F' (double sums, no rounding, no clipping).
    const std::vector<float> pil_float = c["float_pixels"].get<std::vector<float>>();
    const Image ours = resize_bicubic(source, w, h);
    REQUIRE(ours.pixels.size() == pil_float.size());
    double worst = 0;
    for (std::size_t i = 0; i < pil_float.size(); ++i)
      worst = std::max(worst, std::fabs(double(ours.pixels[i]) - pil_float[i]));
    CHECK(worst < 1e-6);  // float32 rounding of the stored result
  }
}

TEST_CASE("to_gray uses ITU-R 601-2 luma like PIL's convert('L')", "[data][image]") {
  Image rgb(3, 1, 3);
  rgb.at(0, 0, 0) = 1;  // pure red, green, blue
  rgb.at(0, 1, 1) = 1;
  rgb.at(0, 2, 2) = 1;
  const Image gray = to_gray(rgb);
  REQUIRE(gray.channels == 1);
  CHECK(gray.pixels[0] == Approx(0.299f));
  CHECK(gray.pixels[1] == Approx(0.587f));
  CHECK(gray.pixels[2] == Approx(0.114f));

  const nlohmann::json fixture = load_pil_fixture();
  const auto& src = fixture["source"];
  const Image source = image_from_bytes(src["pixels"].get<std::vector<int>>(), src["width"], src["height"], 3);
  const Image pil = image_from_bytes(fixture["gray"].get<std::vector<int>>(), src["width"], src["height"], 1);
  CHECK(test::max_abs_diff(to_gray(source), pil) <= 1.0 / 255.0 + 1e-6);  // PIL rounds in fixed point

  const Image back = to_rgb(gray);
  REQUIRE(back.channels == 3);
  CHECK(back.at(0, 1, 0) == back.at(0, 1, 2));
}

TEST_CASE("resize_bicubic: same size is the identity, constants stay constant", "[data][image]") {
  const Image picture = test::test_picture(9, 7);
  CHECK(test::max_abs_diff(resize_bicubic(picture, 9, 7), picture) == 0.0);
  Image flat(11, 5, 1);
  for (float& v : flat.pixels) v = 0.3f;
  for (const auto& [w, h] : {std::pair{3, 2}, std::pair{30, 17}, std::pair{1, 1}}) {
    const Image r = resize_bicubic(flat, w, h);
    for (float v : r.pixels) CHECK(v == Approx(0.3f).margin(1e-6));
  }
  CHECK_THROWS_WITH(resize_bicubic(picture, 0, 3), Catch::Contains("must be positive"));
  // Any range resizes (e.g. a network's ab output in [−1, 1]): nothing is clipped.
  Image signed_values(6, 6, 1);
  for (std::size_t i = 0; i < signed_values.pixels.size(); ++i) signed_values.pixels[i] = i % 2 ? -0.8f : -0.6f;
  for (float v : resize_bicubic(signed_values, 3, 9).pixels) CHECK((v < -0.5f && v > -0.9f));
}

TEST_CASE("crop takes the box and pads with black outside, like PIL", "[data][image]") {
  const Image picture = test::test_picture(6, 5);
  const Image inner = crop(picture, 2, 1, 3, 2);
  REQUIRE((inner.width == 3 && inner.height == 2));
  for (int y = 0; y < 2; ++y)
    for (int x = 0; x < 3; ++x)
      for (int c = 0; c < 3; ++c) CHECK(inner.at(y, x, c) == picture.at(y + 1, x + 2, c));

  const Image outside = crop(picture, -2, 3, 4, 4);  // two columns left of, two rows below the image
  CHECK(outside.at(0, 0, 0) == 0.0f);
  CHECK(outside.at(3, 3, 1) == 0.0f);
  CHECK(outside.at(0, 2, 1) == picture.at(3, 0, 1));
  CHECK(outside.at(1, 3, 2) == picture.at(4, 1, 2));
}

TEST_CASE("flip_horizontal mirrors columns", "[data][image]") {
  const Image picture = test::test_picture(5, 3);
  const Image flipped = flip_horizontal(picture);
  for (int y = 0; y < 3; ++y)
    for (int x = 0; x < 5; ++x) CHECK(flipped.at(y, x, 1) == picture.at(y, 4 - x, 1));
  CHECK(test::max_abs_diff(flip_horizontal(flipped), picture) == 0.0);
}

TEST_CASE("image_to_tensor: HWC [0,1] to CHW [-1,1] and back", "[data][image]") {
  const Image picture = test::test_picture(4, 3);
  const Tensor t = image_to_tensor(picture);
  REQUIRE(t.shape() == Shape({3, 3, 4}));
  const auto v = t.to_vector<float>();
  CHECK(v[(1 * 3 + 2) * 4 + 3] == Approx(picture.at(2, 3, 1) * 2 - 1));  // channel 1, y 2, x 3
  CHECK(test::max_abs_diff(tensor_to_image(t), picture) < 1e-6);
  CHECK_THROWS_WITH(tensor_to_image(Tensor::zeros({2, 3, 3}, DType::f32, Device::cpu())),
                    Catch::Contains("1 or 3 channels"));
}
