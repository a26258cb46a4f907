#include "engine/philox.h"
#include "engine/rng.h"
#include "helpers.h"

using namespace pigment;

TEST_CASE("Philox-4x32-10 reproduces the Random123 known-answer vectors", "[rng]") {
  // kat_vectors of Random123 1.09 for philox4x32_10 (counter, key → output).
  struct Kat {
    philox::Block ctr;
    std::uint32_t k0, k1;
    philox::Block expected;
  };
  const Kat kats[] = {
      {{{0, 0, 0, 0}}, 0, 0, {{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}}},
      {{{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}}, 0xffffffff, 0xffffffff,
       {{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}}},
      {{{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}}, 0xa4093822, 0x299f31d0,
       {{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}}},
  };
  for (const Kat& k : kats) {
    const philox::Block out = philox::rounds(k.ctr, k.k0, k.k1);
    for (int i = 0; i < 4; ++i) CHECK(out.w[i] == k.expected.w[i]);
  }
}

TEST_CASE("the stream is addressable by (seed, offset)", "[rng]") {
  Rng g(99);
  const std::uint64_t first = g.reserve(10);
  CHECK(first == 0);
  CHECK(g.offset() == 12);  // rounded up to whole blocks
  // Word k is lane k%4 of block k/4, whoever computes it.
  const philox::Block b = philox::block(99, 2);
  CHECK(philox::word(99, 9) == b.w[1]);
  Rng resumed(99, 12);
  Rng fresh(99);
  fresh.reserve(10);
  CHECK(resumed.next_u32() == fresh.next_u32());
}

TEST_CASE("uniform and normal draws have the right moments", "[rng]") {
  Rng g(2024);
  const int n = 200000;
  const std::vector<double> z = g.normal_vector(n, 1.0, 2.0);
  double mean = 0, var = 0;
  for (double v : z) mean += v;
  mean /= n;
  for (double v : z) var += (v - mean) * (v - mean);
  var /= n;
  // Standard errors: 2/√n ≈ 0.0045 for the mean, ≈ 0.013 for the variance of 4.
  CHECK(mean == Approx(1.0).margin(0.03));
  CHECK(var == Approx(4.0).margin(0.08));
  double umean = 0;
  for (int i = 0; i < 10000; ++i) {
    const double u = g.uniform();
    CHECK((u > 0 && u < 1));
    umean += u;
  }
  CHECK(umean / 10000 == Approx(0.5).margin(0.02));
  for (int i = 0; i < 1000; ++i) {
    const auto k = g.uniform_int(7);
    CHECK((k >= 0 && k < 7));
  }
}
