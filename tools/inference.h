#pragma once
// Running a trained generator on whole images of any size (gan-test and the learning tests).
#include "nets/network.h"
#include "train/data/image.h"

namespace pigment::inference {

// Edge-replicates `image` to the next multiples of `multiple` (at least `multiple` on each side).
data::Image pad_to_multiple(const data::Image& image, int multiple);

// Image-to-image translation at the input's own size: pad to what the net accepts, run, crop back.
data::Image translate(nets::Network& G, const data::Image& input, int multiple);

// Colorization at the image's own size: ab is predicted at the model's resolution from the resized
// L channel, upsampled (bicubic), and combined with the full-resolution L of the input.
data::Image colorize(nets::Network& G, const data::Image& rgb, int model_size);

// The gray baseline of colorization: the input's Lab L with a = b = 0.
data::Image gray_baseline(const data::Image& rgb);

}  // namespace pigment::inference
