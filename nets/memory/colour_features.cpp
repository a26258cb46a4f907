#include "nets/memory/colour_features.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace pigment::nets {

std::span<const std::array<int, 2>> ab_gamut_bins() {
  static constexpr std::array<int, 2> kBins[] = {
    {-90, 80}, {-80, 40}, {-80, 50}, {-80, 60}, {-80, 70}, {-80, 80}, {-70, 20}, {-70, 30}, {-70, 40},
    {-70, 50}, {-70, 60}, {-70, 70}, {-70, 80}, {-70, 90}, {-60, 0}, {-60, 10}, {-60, 20}, {-60, 30},
    {-60, 40}, {-60, 50}, {-60, 60}, {-60, 70}, {-60, 80}, {-60, 90}, {-50, -20}, {-50, -10}, {-50, 0},
    {-50, 10}, {-50, 20}, {-50, 30}, {-50, 40}, {-50, 50}, {-50, 60}, {-50, 70}, {-50, 80}, {-50, 90},
    {-40, -30}, {-40, -20}, {-40, -10}, {-40, 0}, {-40, 10}, {-40, 20}, {-40, 30}, {-40, 40}, {-40, 50},
    {-40, 60}, {-40, 70}, {-40, 80}, {-40, 90}, {-30, -40}, {-30, -30}, {-30, -20}, {-30, -10}, {-30, 0},
    {-30, 10}, {-30, 20}, {-30, 30}, {-30, 40}, {-30, 50}, {-30, 60}, {-30, 70}, {-30, 80}, {-30, 90},
    {-20, -40}, {-20, -30}, {-20, -20}, {-20, -10}, {-20, 0}, {-20, 10}, {-20, 20}, {-20, 30}, {-20, 40},
    {-20, 50}, {-20, 60}, {-20, 70}, {-20, 80}, {-20, 90}, {-10, -50}, {-10, -40}, {-10, -30}, {-10, -20},
    {-10, -10}, {-10, 0}, {-10, 10}, {-10, 20}, {-10, 30}, {-10, 40}, {-10, 50}, {-10, 60}, {-10, 70},
    {-10, 80}, {-10, 90}, {0, -60}, {0, -50}, {0, -40}, {0, -30}, {0, -20}, {0, -10}, {0, 0}, {0, 10}, {0, 20},
    {0, 30}, {0, 40}, {0, 50}, {0, 60}, {0, 70}, {0, 80}, {0, 90}, {10, -70}, {10, -60}, {10, -50}, {10, -40},
    {10, -30}, {10, -20}, {10, -10}, {10, 0}, {10, 10}, {10, 20}, {10, 30}, {10, 40}, {10, 50}, {10, 60},
    {10, 70}, {10, 80}, {20, -70}, {20, -60}, {20, -50}, {20, -40}, {20, -30}, {20, -20}, {20, -10}, {20, 0},
    {20, 10}, {20, 20}, {20, 30}, {20, 40}, {20, 50}, {20, 60}, {20, 70}, {20, 80}, {30, -80}, {30, -70},
    {30, -60}, {30, -50}, {30, -40}, {30, -30}, {30, -20}, {30, -10}, {30, 0}, {30, 10}, {30, 20}, {30, 30},
    {30, 40}, {30, 50}, {30, 60}, {30, 70}, {30, 80}, {40, -90}, {40, -80}, {40, -70}, {40, -60}, {40, -50},
    {40, -40}, {40, -30}, {40, -20}, {40, -10}, {40, 0}, {40, 10}, {40, 20}, {40, 30}, {40, 40}, {40, 50},
    {40, 60}, {40, 70}, {40, 80}, {50, -90}, {50, -80}, {50, -70}, {50, -60}, {50, -50}, {50, -40}, {50, -30},
    {50, -20}, {50, -10}, {50, 0}, {50, 10}, {50, 20}, {50, 30}, {50, 40}, {50, 50}, {50, 60}, {50, 70},
    {60, -100}, {60, -90}, {60, -80}, {60, -70}, {60, -60}, {60, -50}, {60, -40}, {60, -30}, {60, -20},
    {60, -10}, {60, 0}, {60, 10}, {60, 20}, {60, 30}, {60, 40}, {60, 50}, {60, 60}, {60, 70}, {70, -110},
    {70, -100}, {70, -90}, {70, -80}, {70, -70}, {70, -60}, {70, -50}, {70, -40}, {70, -30}, {70, -20},
    {70, -10}, {70, 0}, {70, 10}, {70, 20}, {70, 30}, {70, 40}, {70, 50}, {70, 60}, {70, 70}, {80, -110},
    {80, -100}, {80, -90}, {80, -80}, {80, -70}, {80, -60}, {80, -50}, {80, -40}, {80, -30}, {80, -20},
    {80, -10}, {80, 0}, {80, 10}, {80, 20}, {80, 30}, {80, 40}, {80, 50}, {80, 60}, {80, 70}, {90, -90},
    {90, -80}, {90, -70}, {90, -60}, {90, -50}, {90, -40}, {90, -30}, {90, -20}, {90, -10}, {90, 0},
    {100, -70}, {100, -60}, {100, -50}};
  return kBins;
}

namespace {
constexpr int kColours = 10;
constexpr double kSigma = 5.0;  // the soft encoding's Gaussian, in ab units

// The lookup table of the soft encoding: for each cell of `grid`, its centre's `nearest` nearest
// bins and Gaussian weights exp(−d²/2σ²), normalised to sum 1.
Tensor make_lookup_table(const AbGrid& grid, const Device& device) {
  const auto bins = ab_gamut_bins();
  const std::int64_t cells = static_cast<std::int64_t>(grid.side) * grid.side;
  std::vector<double> lut(static_cast<std::size_t>(cells * grid.nearest * 2));
  std::vector<std::pair<double, int>> by_distance(bins.size());
  for (std::int64_t c = 0; c < cells; ++c) {
    const double a = grid.origin + (static_cast<double>(c / grid.side) + 0.5) * grid.step;
    const double b = grid.origin + (static_cast<double>(c % grid.side) + 0.5) * grid.step;
    for (std::size_t q = 0; q < bins.size(); ++q)
      by_distance[q] = {std::hypot(a - bins[q][0], b - bins[q][1]), static_cast<int>(q)};
    std::partial_sort(by_distance.begin(), by_distance.begin() + grid.nearest, by_distance.end());
    double total = 0;
    for (int r = 0; r < grid.nearest; ++r) total += std::exp(-by_distance[static_cast<std::size_t>(r)].first *
                                                             by_distance[static_cast<std::size_t>(r)].first /
                                                             (2 * kSigma * kSigma));
    for (int r = 0; r < grid.nearest; ++r) {
      const auto [d, q] = by_distance[static_cast<std::size_t>(r)];
      lut[static_cast<std::size_t>((c * grid.nearest + r) * 2)] = q;
      lut[static_cast<std::size_t>((c * grid.nearest + r) * 2 + 1)] = std::exp(-d * d / (2 * kSigma * kSigma)) / total;
    }
  }
  return Tensor::from_vector({cells, grid.nearest, 2}, lut, device, DType::f32);
}
}  // namespace

ColourFeatures::ColourFeatures(ValueKind kind, const Device& device)
    : kind_(kind), grid_{-128.0f, 2.0f, 128, 10}, lut_(make_lookup_table(grid_, device)) {}

std::int64_t ColourFeatures::dims() const { return kind_ == ValueKind::distribution ? bins() : 3 * kColours; }

Tensor ColourFeatures::distribution(const Tensor& ab) const { return ab_histogram(ab, lut_, bins(), grid_); }

Tensor ColourFeatures::values(const Tensor& L, const Tensor& ab) const {
  return kind_ == ValueKind::distribution ? distribution(ab) : dominant_colors(L, ab, kColours);
}

Tensor ColourFeatures::distance(const Tensor& query, const Tensor& memory, const Tensor& index) const {
  return kind_ == ValueKind::distribution ? kl_distance(query, memory, index) : ciede2000_distance(query, memory, index);
}

}  // namespace pigment::nets
