#pragma once
// The colour memory of the memory colorizer (Yoo et al. 2019, MemoPainter): M slots, each a key (the
// L2-normalised query of a training image), its colour value (nets/memory/colour_features.h), an
// age and the training image it came from. The slots are the buffers of a Module, so that the
// memory is saved as the network file "M" of a checkpoint (keys, values, ages, sources), restored
// exactly on resume, and read by gan-test. An empty slot has age −1 and source −1.
//
// Training (per step): the query network learns by the threshold triplet loss — among a query's k
// nearest slots, the most similar one whose value is within the threshold of the image's own
// (positive) should score above the most similar one beyond it (negative) by the margin α:
//   L = mean over the queries that have both of max(q·K_neg − q·K_pos + α, 0)
// (a query without a positive or a negative adds nothing: MemoPainter's port trains those against
// a zero score). Then the memory is updated (kernels/raw/memory.h: merge into the nearest slot
// when its value is the same colours, else take the oldest slot; sample by sample).
#include <cstdint>

#include "kernels/ops.h"
#include "nets/memory/colour_features.h"
#include "nets/module.h"

namespace pigment::nets {

class ColourMemory final : public Module {
 public:
  ColourMemory(std::int64_t slots, std::int64_t key_dims, std::int64_t value_dims, const Device& device);
  Tensor forward(const Tensor& x) override;  // not a layer: throws

  std::int64_t slots() const { return slots_.keys.dim(0); }
  std::int64_t key_dims() const { return slots_.keys.dim(1); }
  std::int64_t value_dims() const { return slots_.values.dim(1); }
  const MemorySlots& state() const { return slots_; }
  MemorySlots& state() { return slots_; }
  // How many slots hold an image (reads the device).
  std::int64_t occupied() const;

  // The k occupied slots nearest each query (unit queries [B, D]), best first.
  TopK nearest(const Tensor& queries, int k) const { return cosine_topk(queries, slots_.keys, slots_.ages, k); }
  // The values [R, V] of the slots `index` [R] (a zero row for −1).
  Tensor values_at(const Tensor& index) const { return gather_rows(slots_.values, index); }

  // The threshold triplet loss of the queries [B, D] (differentiable: the query network's) whose
  // images' own values are `values` [B, V]: a scalar (0 when no query has both a positive and a
  // negative among its k nearest slots).
  Tensor triplet_loss(const Tensor& queries, const Tensor& values, const ColourFeatures& features, int k,
                      double threshold, double margin) const;
  // The update after a step with the batch's queries, values and sources (training image indices,
  // [B]); draws B·M words of `rng` for the age noise.
  void update(const Tensor& queries, const Tensor& values, const Tensor& sources, const ColourFeatures& features,
              double threshold, float age_noise, Rng& rng);

 private:
  MemorySlots slots_;
};

}  // namespace pigment::nets
