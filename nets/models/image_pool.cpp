#include "nets/models/image_pool.h"

#include "engine/views.h"
#include "kernels/ops/shape.h"

namespace pigment::nets {

Tensor ImagePool::query(const Tensor& images, Rng& gen) {
  if (size_ == 0) return images;
  autograd::NoGradGuard no_grad;
  const std::int64_t n = images.dim(0);
  std::vector<std::int64_t> ones(static_cast<std::size_t>(n), 1);
  const std::vector<Tensor> batch = n == 1 ? std::vector<Tensor>{images.detach()} : split(images.detach(), ones, 0);
  std::vector<Tensor> out;
  for (const Tensor& image : batch) {
    if (static_cast<int>(images_.size()) < size_) {
      images_.push_back(image.clone());
      out.push_back(image);
    } else if (gen.uniform() > 0.5) {
      const auto slot = static_cast<std::size_t>(gen.uniform_int(size_));
      out.push_back(images_[slot].clone());
      images_[slot] = image.clone();
    } else {
      out.push_back(image);
    }
  }
  return out.size() == 1 ? out.front() : concat(out, 0);
}

void ImagePool::save(const std::string& prefix, TensorList& out) const {
  for (std::size_t i = 0; i < images_.size(); ++i) out.emplace_back(prefix + "." + std::to_string(i), images_[i]);
}

void ImagePool::load(const std::string& prefix, const TensorList& in, const Device& device) {
  images_.clear();
  for (std::size_t i = 0;; ++i) {
    const std::string key = prefix + "." + std::to_string(i);
    auto it = std::find_if(in.begin(), in.end(), [&](const auto& e) { return e.first == key; });
    if (it == in.end()) break;
    images_.push_back(it->second.to(device));
  }
  PIGMENT_CHECK(static_cast<int>(images_.size()) <= size_,
                "image pool '{}': the checkpoint holds {} images but --pool_size is {}", prefix, images_.size(), size_);
}

}  // namespace pigment::nets
