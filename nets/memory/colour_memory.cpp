#include "nets/memory/colour_memory.h"

#include "engine/views.h"

namespace pigment::nets {

ColourMemory::ColourMemory(std::int64_t slots, std::int64_t key_dims, std::int64_t value_dims, const Device& device) {
  PIGMENT_CHECK(slots >= 1 && slots < (std::int64_t{1} << 24),
                "colour memory: {} slots; between 1 and 2^24 (slot indices are exact in float32 below it)", slots);
  slots_.keys = register_buffer("keys", Tensor::zeros({slots, key_dims}, DType::f32, device));
  slots_.values = register_buffer("values", Tensor::zeros({slots, value_dims}, DType::f32, device));
  slots_.ages = register_buffer("ages", Tensor::full({slots}, -1.0, DType::f32, device));
  slots_.sources = register_buffer("sources", Tensor::full({slots}, -1.0, DType::f32, device));
}

Tensor ColourMemory::forward(const Tensor&) {
  PIGMENT_FAIL("colour memory: not a layer; query it with nearest() and values_at()");
}

std::int64_t ColourMemory::occupied() const {
  std::int64_t n = 0;
  for (double age : slots_.ages.to_vector<double>()) n += age >= 0;
  return n;
}

Tensor ColourMemory::triplet_loss(const Tensor& queries, const Tensor& values, const ColourFeatures& features, int k,
                                  double threshold, double margin) const {
  TripletPair pair;
  Tensor positive, negative;
  {
    autograd::NoGradGuard constants;  // the slots are the memory's state, not parameters
    const TopK near = nearest(queries.detach(), k);
    pair = triplet_pairs(near.indices, features.distance(values, slots_.values, near.indices), threshold);
    positive = gather_rows(slots_.keys, pair.pos);
    negative = gather_rows(slots_.keys, pair.neg);
  }
  // q·K_neg − q·K_pos + α per query, the hinge, and its mean over the queries with a pair.
  const std::int64_t B = queries.dim(0);
  const Tensor gap = reshape(sum(mul(queries, sub(negative, positive)), {1}), {B});
  const Tensor hinge = mul(relu(scale(gap, 1.0, margin)), pair.valid);
  // Σ valid + 10⁻⁶: no division by zero when no query has a pair (the loss is then 0), and a
  // relative change of at most 10⁻⁶ otherwise — without reading the count back from the device.
  return mul(sum(hinge), pow(scale(sum(pair.valid), 1.0, 1e-6), -1.0));
}

void ColourMemory::update(const Tensor& queries, const Tensor& values, const Tensor& sources,
                          const ColourFeatures& features, double threshold, float age_noise, Rng& rng) {
  autograd::NoGradGuard state;
  const TopK nearest_slot = nearest(queries, 1);
  // The nearest slot when its value is the same colours (within the threshold), else −1.
  const Tensor merge = triplet_pairs(nearest_slot.indices,
                                     features.distance(values, slots_.values, nearest_slot.indices), threshold).pos;
  const auto words = static_cast<std::uint64_t>(queries.dim(0) * slots());
  memory_update(slots_, queries, values, sources, merge, AgeNoise{rng.seed(), rng.reserve(words), age_noise});
}

}  // namespace pigment::nets
