#pragma once
// Every random draw of the data pipeline starts from a seed derived here, by one Philox block,
// from (user seed, purpose, epoch, index). A draw therefore depends on those numbers alone — not
// on which thread made it or what was drawn before — which is what makes loading reproducible
// and resumable.
#include <cstdint>
#include <vector>

#include "engine/philox.h"

namespace pigment::data::detail {

// What a derived seed is for; distinct purposes give independent streams.
enum class Stream : std::uint32_t { order = 1, augment_A, augment_B, partner_B, scene, scene_part };

// Philox's 10 rounds as a hash: counter = (index, epoch, purpose), key = seed; 64 bits of the block.
inline std::uint64_t derive_seed(std::uint64_t seed, Stream stream, std::uint64_t epoch, std::uint64_t index) {
  const philox::Block counter{{static_cast<std::uint32_t>(index), static_cast<std::uint32_t>(index >> 32),
                               static_cast<std::uint32_t>(epoch),
                               static_cast<std::uint32_t>(stream) | static_cast<std::uint32_t>(epoch >> 32) << 8}};
  const philox::Block b = philox::rounds(counter, static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32));
  return static_cast<std::uint64_t>(b.w[1]) << 32 | b.w[0];
}

// The epoch's sample order: a Fisher–Yates shuffle of 0..n−1 driven by Philox keyed by
// (seed, epoch).
std::vector<std::int64_t> epoch_permutation(std::uint64_t seed, std::int64_t epoch, std::int64_t n);

}  // namespace pigment::data::detail
