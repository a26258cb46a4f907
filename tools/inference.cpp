#include "tools/inference.h"

#include <algorithm>

#include "engine/views.h"
#include "nets/generators.h"
#include "train/data/dataset.h"
#include "train/data/lab.h"
#include "train/visuals.h"

namespace pigment::inference {

data::Image pad_to_multiple(const data::Image& image, int multiple) {
  const int w = std::max(multiple, (image.width + multiple - 1) / multiple * multiple);
  const int h = std::max(multiple, (image.height + multiple - 1) / multiple * multiple);
  if (w == image.width && h == image.height) return image;
  data::Image out(w, h, image.channels);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < image.channels; ++c)
        out.at(y, x, c) = image.at(std::min(y, image.height - 1), std::min(x, image.width - 1), c);
  return out;
}

data::Image translate(nets::Network& G, const data::Image& input, int multiple) {
  const Tensor x = data::image_to_tensor(pad_to_multiple(input, multiple));
  Tensor y;
  {
    autograd::NoGradGuard no_grad;
    y = G.forward(reshape(x, {1, x.dim(0), x.dim(1), x.dim(2)}).to(G.device()));
  }
  return data::crop(data::tensor_to_image(train::batch_item(y, 0)), 0, 0, input.width, input.height);
}

data::Image colorize(nets::Network& G, const data::Image& rgb, int model_size) {
  const data::Image small = data::resize_bicubic(rgb, model_size, model_size);
  const Tensor L_small = data::image_to_lab_tensors(small).first;
  Tensor ab;
  {
    autograd::NoGradGuard no_grad;
    ab = G.forward(reshape(L_small, {1, 1, model_size, model_size}).to(G.device()));
  }
  const std::vector<float> ab_small = train::batch_item(ab, 0).to_vector<float>();
  data::Image a(model_size, model_size, 1), b(model_size, model_size, 1);
  const std::size_t plane = static_cast<std::size_t>(model_size) * model_size;
  std::copy_n(ab_small.begin(), plane, a.pixels.begin());
  std::copy_n(ab_small.begin() + static_cast<std::ptrdiff_t>(plane), plane, b.pixels.begin());
  const data::Image a_full = data::resize_bicubic(a, rgb.width, rgb.height);
  const data::Image b_full = data::resize_bicubic(b, rgb.width, rgb.height);
  data::Image out(rgb.width, rgb.height, 3);
  for (int y = 0; y < rgb.height; ++y)
    for (int x = 0; x < rgb.width; ++x) {
      const auto lab = data::rgb_to_lab(rgb.at(y, x, 0), rgb.at(y, x, 1), rgb.at(y, x, 2));
      const auto c = data::lab_to_rgb(lab[0], a_full.at(y, x, 0) * data::kAbScale, b_full.at(y, x, 0) * data::kAbScale);
      for (int k = 0; k < 3; ++k) out.at(y, x, k) = c[static_cast<std::size_t>(k)];
    }
  return out;
}

data::Image gray_baseline(const data::Image& rgb) {
  data::Image out(rgb.width, rgb.height, 3);
  for (int y = 0; y < rgb.height; ++y)
    for (int x = 0; x < rgb.width; ++x) {
      const auto lab = data::rgb_to_lab(rgb.at(y, x, 0), rgb.at(y, x, 1), rgb.at(y, x, 2));
      const auto c = data::lab_to_rgb(lab[0], 0.0f, 0.0f);
      for (int k = 0; k < 3; ++k) out.at(y, x, k) = c[static_cast<std::size_t>(k)];
    }
  return out;
}

}  // namespace pigment::inference
