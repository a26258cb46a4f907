#include "train/visuals.h"

#include "train/data/dataset.h"

namespace pigment::train {

Tensor batch_item(const Tensor& batch, std::int64_t index) {
  PIGMENT_CHECK(batch.rank() == 4 && index >= 0 && index < batch.dim(0), "batch_item: no image {} in {}", index,
                batch.str());
  const Shape chw{batch.dim(1), batch.dim(2), batch.dim(3)};
  return Tensor::view_of(batch.storage(), batch.storage_offset() + index * chw.numel(), chw, batch.dtype())
      .to(Device::cpu())
      .clone();
}

std::vector<std::pair<std::string, data::Image>> visuals_to_images(const std::vector<nets::Visual>& visuals,
                                                                   std::int64_t index) {
  Tensor lightness;  // the L channel that colours the ab visuals
  for (const nets::Visual& v : visuals)
    if (v.kind == nets::VisualKind::lab_L && v.tensor.defined()) {
      lightness = batch_item(v.tensor, index);
      break;
    }
  std::vector<std::pair<std::string, data::Image>> images;
  for (const nets::Visual& v : visuals) {
    if (!v.tensor.defined()) continue;
    const Tensor item = batch_item(v.tensor, index);
    if (v.kind == nets::VisualKind::lab_ab) {
      PIGMENT_CHECK(lightness.defined(), "visual '{}' holds ab channels but no L visual accompanies it", v.name);
      images.emplace_back(v.name, data::lab_tensors_to_image(lightness, item));
    } else {
      images.emplace_back(v.name, data::tensor_to_image(item));  // L/50 − 1 shows as gray L/100
    }
  }
  return images;
}

}  // namespace pigment::train
