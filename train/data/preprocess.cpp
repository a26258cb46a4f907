#include "train/data/preprocess.h"

#include <algorithm>
#include <cmath>

namespace pigment::data::detail {

namespace {

bool resizes(Preprocess p) { return p == Preprocess::resize_and_crop; }
bool scales_width(Preprocess p) { return p == Preprocess::scale_width || p == Preprocess::scale_width_and_crop; }
bool crops(Preprocess p) {
  return p == Preprocess::resize_and_crop || p == Preprocess::crop || p == Preprocess::scale_width_and_crop;
}

Image resized_8bit(const Image& image, int width, int height) {
  if (width == image.width && height == image.height) return image;  // PIL returns a copy
  return resize_bicubic_8bit(image, width, height);
}

// __scale_width: width = load_size, height = max(⌊load_size·h/w⌋, crop_size).
Image scale_width(const Image& image, int target_width, int crop_size) {
  if (image.width == target_width && image.height >= crop_size) return image;
  const auto h = static_cast<int>(static_cast<std::int64_t>(target_width) * image.height / image.width);
  return resized_8bit(image, target_width, std::max(h, crop_size));
}

// __make_power_2 with base 4: each side to the nearest multiple of 4 (Python's round: ties to
// even), at least 4.
Image round_to_multiple_of_4(const Image& image) {
  const auto round4 = [](int side) { return std::max(4, static_cast<int>(std::nearbyint(side / 4.0)) * 4); };
  return resized_8bit(image, round4(image.width), round4(image.height));
}

// __crop: only when the image exceeds the crop in some direction; PIL pads with black beyond it.
Image crop_at(const Image& image, int x, int y, int size) {
  if (image.width <= size && image.height <= size) return image;
  return crop(image, x, y, size, size);
}

}  // namespace

Augmentation draw_augmentation(const DataOptions& options, int width, int height, Rng& gen) {
  int w = width, h = height;
  if (options.preprocess == Preprocess::resize_and_crop) {
    w = h = options.load_size;
  } else if (options.preprocess == Preprocess::scale_width_and_crop) {
    w = options.load_size;
    h = static_cast<int>(static_cast<std::int64_t>(options.load_size) * height / width);
  }
  Augmentation aug;
  // random.randint(0, max(0, w − crop)) is inclusive at both ends.
  aug.crop_x = static_cast<int>(gen.uniform_int(std::max(0, w - options.crop_size) + 1));
  aug.crop_y = static_cast<int>(gen.uniform_int(std::max(0, h - options.crop_size) + 1));
  aug.flip = gen.uniform() > 0.5;
  return aug;
}

Image transform_image(const Image& image, const DataOptions& options, const Augmentation& aug, bool grayscale) {
  Image out = image;
  if (grayscale && out.channels != 1) {
    out = to_gray(out);
    quantize_8bit(out);  // PIL's convert('L') yields 8-bit luma
  }
  if (resizes(options.preprocess))
    out = resized_8bit(out, options.load_size, options.load_size);
  else if (scales_width(options.preprocess))
    out = scale_width(out, options.load_size, options.crop_size);
  if (crops(options.preprocess)) out = crop_at(out, aug.crop_x, aug.crop_y, options.crop_size);
  if (options.preprocess == Preprocess::none) out = round_to_multiple_of_4(out);
  if (!options.no_flip && aug.flip) out = flip_horizontal(out);
  return out;
}

void quantize_8bit(Image& image) {
  for (float& v : image.pixels) v = std::nearbyint(std::clamp(v, 0.0f, 1.0f) * 255.0f) / 255.0f;
}

}  // namespace pigment::data::detail
