#pragma once
// The image buffer of Shrivastava et al. (2017) that CycleGAN's discriminators train on: D sees a
// mix of the newest fakes and fakes from earlier steps, which damps oscillation.
// Semantics of the reference: size 0 passes through. Otherwise, per image of the batch
// (detached): while fewer than `size` are stored, store it and return it; once full, with
// probability ½ return a stored image chosen uniformly and put the new one in its place, else
// return the new one. The pool's contents and its random stream's position are training state.
#include <vector>

#include "engine/rng.h"
#include "engine/safetensors.h"

namespace pigment::nets {

class ImagePool {
 public:
  explicit ImagePool(int size) : size_(size) {}
  Tensor query(const Tensor& images, Rng& gen);

  int size() const { return size_; }
  int stored() const { return static_cast<int>(images_.size()); }
  // Checkpointing: the stored images as "<prefix>.<i>".
  void save(const std::string& prefix, TensorList& out) const;
  void load(const std::string& prefix, const TensorList& in, const Device& device);

 private:
  int size_;
  std::vector<Tensor> images_;  // [1, C, H, W] each
};

}  // namespace pigment::nets
