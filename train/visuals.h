#pragma once
// Turns a model's visuals (first image of the batch) into pictures: RGB tensors in [−1, 1],
// Lab L channels as gray, and Lab ab channels as colour together with the batch's L.
#include <string>
#include <utility>
#include <vector>

#include "nets/models/model.h"
#include "train/data/image.h"

namespace pigment::train {

std::vector<std::pair<std::string, data::Image>> visuals_to_images(const std::vector<nets::Visual>& visuals,
                                                                   std::int64_t index = 0);

// Image `index` of an [N, C, H, W] tensor as a [C, H, W] CPU tensor.
Tensor batch_item(const Tensor& batch, std::int64_t index);

}  // namespace pigment::train
