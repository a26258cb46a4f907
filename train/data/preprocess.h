#pragma once
// The reference's get_params / get_transform (data/base_dataset.py): grayscale, resize or
// scale_width, crop, the multiple-of-4 rounding of 'none', horizontal flip. PIL works on 8-bit
// images, so after every resampling step the pixels are rounded to 8 bits as PIL's are.
#include "engine/rng.h"
#include "train/data/dataset.h"

namespace pigment::data::detail {

struct Augmentation {
  int crop_x = 0, crop_y = 0;  // top-left of the crop in the resized image
  bool flip = false;
};

// get_params: crop position and flip for an image of width × height (before resizing). Draws,
// in order, x, y and the flip from `gen`.
Augmentation draw_augmentation(const DataOptions& options, int width, int height, Rng& gen);

// get_transform with fixed parameters: the image (1 or 3 channels) → grayscale when `grayscale`,
// resized, cropped, flipped as options.preprocess, options.no_flip and `aug` say.
Image transform_image(const Image& image, const DataOptions& options, const Augmentation& aug, bool grayscale);

// resize_bicubic as Pillow does it on 8-bit images, bit for bit: the input is rounded to 8 bits,
// each pass uses 22-bit fixed-point weights and is rounded and clipped to 8 bits.
Image resize_bicubic_8bit(const Image& src, int width, int height);

// Rounds every value to the nearest multiple of 1/255 in [0, 1] (what storing in 8 bits does).
void quantize_8bit(Image& image);

}  // namespace pigment::data::detail
