#pragma once
// Value noise for the synthetic scenes: random values on a lattice, hashed by Philox, blended with
// a smoothstep, summed over octaves (fractal Brownian motion). Periodic with period 1 in u and v,
// so any coordinate is valid.
#include <cstdint>
#include <vector>

namespace pigment::data::detail {

class ValueNoise {
 public:
  ValueNoise() = default;
  // Octave o has (frequency_u·2^o) × (frequency_v·2^o) lattice cells per unit and weight gain^o.
  ValueNoise(std::uint64_t key, int frequency_u, int frequency_v, int octaves, float gain = 0.5f);
  // fBm at (u, v), in [0, 1] (mean ½; the sum concentrates around it as octaves are added).
  float operator()(float u, float v) const;

 private:
  struct Octave {
    int cells_u = 0, cells_v = 0;
    float weight = 0.0f;
    std::vector<float> lattice;  // cells_v rows of cells_u values in [0, 1)
  };
  std::vector<Octave> octaves_;
};

}  // namespace pigment::data::detail
