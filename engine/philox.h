#pragma once
// Philox-4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11): a
// counter-based generator. Word k of the stream with key `seed` is lane k % 4 of
// philox(seed, counter = k / 4), so any thread on any device computes any word directly, and
// the CPU and CUDA backends produce the same stream for the same (seed, offset).
#include <cstdint>

#include "engine/host_device.h"

namespace pigment::philox {

struct Block {
  std::uint32_t w[4];
};

PIGMENT_HOST_DEVICE void mulhilo(std::uint32_t a, std::uint32_t b, std::uint32_t& hi, std::uint32_t& lo) {
  const std::uint64_t p = static_cast<std::uint64_t>(a) * b;
  hi = static_cast<std::uint32_t>(p >> 32);
  lo = static_cast<std::uint32_t>(p);
}

// The 10-round bijection of a 128-bit counter under a 64-bit key (Random123's philox4x32_10).
PIGMENT_HOST_DEVICE Block rounds(Block ctr, std::uint32_t k0, std::uint32_t k1) {
  constexpr std::uint32_t kM0 = 0xD2511F53u, kM1 = 0xCD9E8D57u;  // round multipliers
  constexpr std::uint32_t kW0 = 0x9E3779B9u, kW1 = 0xBB67AE85u;  // Weyl key increments
  std::uint32_t c0 = ctr.w[0], c1 = ctr.w[1], c2 = ctr.w[2], c3 = ctr.w[3];
  for (int round = 0; round < 10; ++round) {
    std::uint32_t hi0, lo0, hi1, lo1;
    mulhilo(kM0, c0, hi0, lo0);
    mulhilo(kM1, c2, hi1, lo1);
    const std::uint32_t n0 = hi1 ^ c1 ^ k0, n1 = lo1, n2 = hi0 ^ c3 ^ k1, n3 = lo0;
    c0 = n0;
    c1 = n1;
    c2 = n2;
    c3 = n3;
    k0 += kW0;
    k1 += kW1;
  }
  return Block{{c0, c1, c2, c3}};
}

// The block for a 64-bit counter (upper counter words zero) under the key `seed`.
PIGMENT_HOST_DEVICE Block block(std::uint64_t seed, std::uint64_t counter) {
  return rounds(Block{{static_cast<std::uint32_t>(counter), static_cast<std::uint32_t>(counter >> 32), 0u, 0u}},
                static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32));
}

// Word `index` of the stream with key `seed`.
PIGMENT_HOST_DEVICE std::uint32_t word(std::uint64_t seed, std::uint64_t index) {
  const Block b = block(seed, index >> 2);
  return b.w[index & 3];
}

// A 32-bit word to a float in (0, 1): the top 24 bits, centred in their interval.
PIGMENT_HOST_DEVICE float to_unit_float(std::uint32_t w) {
  return (static_cast<float>(w >> 8) + 0.5f) * (1.0f / 16777216.0f);
}
// A 32-bit word to a double in (0, 1).
PIGMENT_HOST_DEVICE double to_unit_double(std::uint32_t w) { return (static_cast<double>(w) + 0.5) * (1.0 / 4294967296.0); }

// Dropout's keep test in integers, so both backends agree bit for bit: keep with probability
// 1 - p when the word is at or above p·2³².
PIGMENT_HOST_DEVICE std::uint32_t drop_threshold(float p) {
  const double t = static_cast<double>(p) * 4294967296.0;
  return t >= 4294967295.0 ? 0xFFFFFFFFu : static_cast<std::uint32_t>(t);
}

}  // namespace pigment::philox
