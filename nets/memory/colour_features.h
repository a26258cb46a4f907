#pragma once
// The memory colorizer's colour features (Yoo et al. 2019, MemoPainter): the value a memory slot
// holds for an image, and the distance that says whether two images have "the same colours".
//   distribution: the image's ab distribution over the gamut bins (Zhang et al. 2016's soft
//                 encoding: each pixel onto its 10 nearest bins with a Gaussian of σ = 5, averaged
//                 over the image), compared by KL divergence in log10 units (threshold 0.5);
//   colors:       its 10 dominant colours (k-means in Lab), compared by the symmetric mean
//                 nearest-colour CIEDE2000 (threshold 8).
// Both in the model's Lab scaling (L/50 − 1, ab/110). The key network always learns the
// distribution, whatever the value kind.
#include <array>
#include <cstdint>
#include <span>

#include "engine/names.h"
#include "engine/tensor.h"
#include "kernels/ops.h"

namespace pigment::nets {

enum class ValueKind { distribution, colors };
inline constexpr EnumNames<ValueKind, 2> kValueKindNames{
    {{{"distribution", ValueKind::distribution}, {"colors", ValueKind::colors}}}};

// The gamut bins: the points of the 10-unit ab grid whose cell (±5 around it) holds the ab of some
// 8-bit sRGB colour — 261 bins; Zhang et al. give 313 points of a grid "in gamut" without their
// rule, and no rule tried here gives 313 (the cells reached: 261 rounding, 268 flooring; the grid
// inside the gamut's convex hull: 233). tests/test_memory.cpp recomputes the table from all 2²⁴
// colours through train/data/lab.h.
std::span<const std::array<int, 2>> ab_gamut_bins();

class ColourFeatures {
 public:
  ColourFeatures(ValueKind kind, const Device& device);

  ValueKind kind() const { return kind_; }
  // The values' length: the bins (261) or 10 colours × (L, a, b).
  std::int64_t dims() const;
  static std::int64_t bins() { return static_cast<std::int64_t>(ab_gamut_bins().size()); }
  // MemoPainter's defaults: the distance under which two values count as the same colours, and
  // the neighbours the triplet loss looks among.
  double default_threshold() const { return kind_ == ValueKind::distribution ? 0.5 : 8.0; }
  int default_top_k() const { return kind_ == ValueKind::distribution ? 256 : 32; }

  // The images' values [N, dims] from L [N, 1, H, W] and ab [N, 2, H, W].
  Tensor values(const Tensor& L, const Tensor& ab) const;
  // Their ab distributions [N, bins] (the key network's target).
  Tensor distribution(const Tensor& ab) const;
  // distance[b, j] of memory value index[b, j] to query value b (kl_distance or ciede2000_distance).
  Tensor distance(const Tensor& query, const Tensor& memory, const Tensor& index) const;

 private:
  ValueKind kind_;
  AbGrid grid_;
  Tensor lut_;  // [cells, nearest, 2] on the device
};

}  // namespace pigment::nets
