// Images ↔ tensors: HWC floats in [0, 1] ↔ CHW float32 in the network's ranges.
#include <algorithm>

#include "engine/error.h"
#include "train/data/dataset.h"
#include "train/data/lab.h"

namespace pigment::data {

namespace {

void check_image(const char* op, const Image& image) {
  PIGMENT_CHECK(image.width > 0 && image.height > 0 && image.channels > 0 &&
                    image.pixels.size() == static_cast<std::size_t>(image.width) * image.height * image.channels,
                "{}: expected a non-empty image, got {}×{}×{} with {} values", op, image.width, image.height,
                image.channels, image.pixels.size());
}

// Accepts [C, H, W] or [1, C, H, W]; returns (C, H, W).
std::array<std::int64_t, 3> chw_of(const char* op, const Tensor& t) {
  check_defined(op, t, "image");
  PIGMENT_CHECK(t.rank() == 3 || (t.rank() == 4 && t.dim(0) == 1), "{}: expected a [C, H, W] (or [1, C, H, W]) tensor, got {}",
                op, t.str());
  const int o = t.rank() - 3;
  return {t.dim(o), t.dim(o + 1), t.dim(o + 2)};
}

}  // namespace

Tensor image_to_tensor(const Image& image) {
  check_image("image_to_tensor", image);
  const std::int64_t c = image.channels, h = image.height, w = image.width;
  Tensor t = Tensor::empty({c, h, w}, DType::f32, Device::cpu());
  float* out = t.data<float>();
  for (std::int64_t y = 0; y < h; ++y)
    for (std::int64_t x = 0; x < w; ++x)
      for (std::int64_t ch = 0; ch < c; ++ch)
        out[(ch * h + y) * w + x] = image.pixels[static_cast<std::size_t>((y * w + x) * c + ch)] * 2.0f - 1.0f;
  return t;
}

Image tensor_to_image(const Tensor& chw) {
  const auto [c, h, w] = chw_of("tensor_to_image", chw);
  PIGMENT_CHECK(c == 1 || c == 3, "tensor_to_image: expected 1 or 3 channels, got {}", chw.str());
  const std::vector<float> v = chw.to_vector<float>();
  Image image(static_cast<int>(w), static_cast<int>(h), static_cast<int>(c));
  for (std::int64_t y = 0; y < h; ++y)
    for (std::int64_t x = 0; x < w; ++x)
      for (std::int64_t ch = 0; ch < c; ++ch)
        image.pixels[static_cast<std::size_t>((y * w + x) * c + ch)] =
            std::clamp((v[static_cast<std::size_t>((ch * h + y) * w + x)] + 1.0f) * 0.5f, 0.0f, 1.0f);
  return image;
}

std::pair<Tensor, Tensor> image_to_lab_tensors(const Image& rgb) {
  check_image("image_to_lab_tensors", rgb);
  PIGMENT_CHECK(rgb.channels == 3, "image_to_lab_tensors: expected an RGB image, got {} channels", rgb.channels);
  const std::int64_t h = rgb.height, w = rgb.width, plane = h * w;
  const Device cpu = Device::cpu();
  Tensor l = Tensor::empty({1, h, w}, DType::f32, cpu);
  Tensor ab = Tensor::empty({2, h, w}, DType::f32, cpu);
  float* lp = l.data<float>();
  float* abp = ab.data<float>();
  for (std::int64_t i = 0; i < plane; ++i) {
    const float* px = &rgb.pixels[static_cast<std::size_t>(i * 3)];
    const auto [L, a, b] = rgb_to_lab(px[0], px[1], px[2]);
    lp[i] = L / kLScale - 1.0f;
    abp[i] = a / kAbScale;
    abp[plane + i] = b / kAbScale;
  }
  return {l, ab};
}

Image lab_tensors_to_image(const Tensor& L_chw, const Tensor& ab_chw) {
  const auto [lc, lh, lw] = chw_of("lab_tensors_to_image", L_chw);
  const auto [abc, abh, abw] = chw_of("lab_tensors_to_image", ab_chw);
  PIGMENT_CHECK(lc == 1 && abc == 2 && lh == abh && lw == abw,
                "lab_tensors_to_image: expected L [1, H, W] and ab [2, H, W], got {} and {}", L_chw.str(),
                ab_chw.str());
  const std::vector<float> lv = L_chw.to_vector<float>(), abv = ab_chw.to_vector<float>();
  const std::int64_t plane = lh * lw;
  Image image(static_cast<int>(lw), static_cast<int>(lh), 3);
  for (std::int64_t i = 0; i < plane; ++i) {
    const auto ui = static_cast<std::size_t>(i);
    const auto rgb = lab_to_rgb((lv[ui] + 1.0f) * kLScale, abv[ui] * kAbScale, abv[ui + static_cast<std::size_t>(plane)] * kAbScale);
    std::copy(rgb.begin(), rgb.end(), image.pixels.begin() + static_cast<std::ptrdiff_t>(i * 3));
  }
  return image;
}

}  // namespace pigment::data
