#pragma once
// Rng: a Philox stream position (seed, offset) — not "Generator", which in a GAN engine names a
// network. Each consumer reserves the words it needs and gets the offset of its first word; saving
// (seed, offset) in a checkpoint resumes the stream exactly. Reservations are rounded up to whole Philox blocks (4 words), so every draw starts at
// lane 0 of a block, which lets a GPU thread produce 4 words with one block evaluation.
#include <cstdint>
#include <vector>

#include "engine/tensor.h"

namespace pigment {

class Rng {
 public:
  explicit Rng(std::uint64_t seed = 0, std::uint64_t offset = 0) : seed_(seed), offset_(offset) {}

  std::uint64_t seed() const { return seed_; }
  std::uint64_t offset() const { return offset_; }
  void set_state(std::uint64_t seed, std::uint64_t offset) {
    seed_ = seed;
    offset_ = offset;
  }
  // Reserves n words; returns the offset of the first.
  std::uint64_t reserve(std::uint64_t n_words);

  // Host-side draws (data augmentation, image pools, init).
  std::uint32_t next_u32();
  double uniform();                                  // (0, 1)
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  std::int64_t uniform_int(std::int64_t n);          // [0, n)
  double normal();                                   // N(0, 1)

  // Fills t (any device; drawn on the host in double and converted, so every device gets the
  // same values) with N(mean, std²) or U(lo, hi). Uses one reservation per call.
  void fill_normal(const Tensor& t, double mean, double std);
  void fill_uniform(const Tensor& t, double lo, double hi);
  std::vector<double> normal_vector(std::int64_t n, double mean = 0.0, double std = 1.0);

 private:
  std::uint64_t seed_;
  std::uint64_t offset_;
};

// N(0,1) from two uniform words by Box–Muller; element i of a normal draw starting at word `first`
// uses words first + 2⌊i/2⌋ and first + 2⌊i/2⌋ + 1 (the cosine branch for even i, sine for odd).
double philox_normal(std::uint64_t seed, std::uint64_t first, std::uint64_t i);

}  // namespace pigment
