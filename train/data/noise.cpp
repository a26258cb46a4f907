#include "train/data/noise.h"

#include <cmath>

#include "engine/error.h"
#include "engine/philox.h"

namespace pigment::data::detail {

ValueNoise::ValueNoise(std::uint64_t key, int frequency_u, int frequency_v, int octaves, float gain) {
  PIGMENT_CHECK(frequency_u > 0 && frequency_v > 0 && octaves > 0 && octaves <= 12,
                "ValueNoise: frequencies ({}, {}) and octaves {} must be positive (octaves at most 12)", frequency_u,
                frequency_v, octaves);
  float weight = 1.0f, total = 0.0f;
  std::uint64_t counter = 0;  // one Philox stream per noise; each octave continues it
  for (int o = 0; o < octaves; ++o) {
    Octave oct;
    oct.cells_u = frequency_u << o;
    oct.cells_v = frequency_v << o;
    oct.weight = weight;
    oct.lattice.resize(static_cast<std::size_t>(oct.cells_u) * oct.cells_v);
    for (std::size_t i = 0; i < oct.lattice.size(); i += 4, ++counter) {
      const philox::Block b = philox::block(key, counter);
      for (std::size_t lane = 0; lane < 4 && i + lane < oct.lattice.size(); ++lane)
        oct.lattice[i + lane] = philox::to_unit_float(b.w[lane]);
    }
    total += weight;
    weight *= gain;
    octaves_.push_back(std::move(oct));
  }
  for (Octave& oct : octaves_) oct.weight /= total;
}

float ValueNoise::operator()(float u, float v) const {
  float sum = 0.0f;
  for (const Octave& oct : octaves_) {
    const float x = u * static_cast<float>(oct.cells_u), y = v * static_cast<float>(oct.cells_v);
    const float fx = std::floor(x), fy = std::floor(y);
    const float tx = x - fx, ty = y - fy;
    int x0 = static_cast<int>(fx) % oct.cells_u, y0 = static_cast<int>(fy) % oct.cells_v;
    if (x0 < 0) x0 += oct.cells_u;
    if (y0 < 0) y0 += oct.cells_v;
    const int x1 = x0 + 1 == oct.cells_u ? 0 : x0 + 1, y1 = y0 + 1 == oct.cells_v ? 0 : y0 + 1;
    const float* row0 = &oct.lattice[static_cast<std::size_t>(y0) * oct.cells_u];
    const float* row1 = &oct.lattice[static_cast<std::size_t>(y1) * oct.cells_u];
    // Smoothstep weights 3t² − 2t³: continuous slope across cell borders.
    const float sx = tx * tx * (3.0f - 2.0f * tx), sy = ty * ty * (3.0f - 2.0f * ty);
    const float top = row0[x0] + (row0[x1] - row0[x0]) * sx;
    const float bottom = row1[x0] + (row1[x1] - row1[x0]) * sx;
    sum += oct.weight * (top + (bottom - top) * sy);
  }
  return sum;
}

}  // namespace pigment::data::detail
