#include <array>

#include "engine/rng.h"
#include "helpers.h"
#include "kernels/cpu/gemm.h"

using namespace pigment;
using cpu::Transpose;

TEST_CASE("the packed GEMM equals the reference bit for bit on small integers", "[gemm]") {
  // Sizes straddle the micro-tile (12×32 / 6×16) and the panel depth (256), all transposes,
  // alpha/beta combinations, and a leading dimension larger than the row.
  Rng gen(1);
  const std::array<std::int64_t, 3> shapes[] = {{1, 1, 1}, {13, 33, 7}, {37, 65, 300}, {5, 200, 513}, {64, 64, 64}};
  for (const auto& [m, n, k] : shapes)
    for (int ta = 0; ta < 2; ++ta)
      for (int tb = 0; tb < 2; ++tb)
        for (const auto& [alpha, beta] : {std::pair<float, float>{1, 0}, {2, 1}, {-1, 3}}) {
          const std::int64_t lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 1, ldc = n + 2;
          auto ints = [&](std::int64_t count) {
            std::vector<float> v(static_cast<std::size_t>(count));
            for (float& x : v) x = static_cast<float>(gen.uniform_int(5) - 2);
            return v;
          };
          const auto a = ints((ta ? k : m) * lda), b = ints((tb ? n : k) * ldb);
          auto c = ints(m * ldc), ref = c;
          cpu::gemm<float>(Transpose{ta != 0}, Transpose{tb != 0}, m, n, k, alpha, a.data(), lda, b.data(), ldb, beta,
                           c.data(), ldc);
          cpu::gemm_reference<float>(Transpose{ta != 0}, Transpose{tb != 0}, m, n, k, alpha, a.data(), lda, b.data(),
                                     ldb, beta, ref.data(), ldc);
          INFO("m " << m << " n " << n << " k " << k << " ta " << ta << " tb " << tb << " alpha " << alpha
                    << " beta " << beta);
          REQUIRE(c == ref);
        }
}

TEST_CASE("GEMM with beta = 0 ignores NaN in C", "[gemm]") {
  std::vector<double> a{1, 2, 3, 4}, b{5, 6, 7, 8}, c(4, std::nan(""));
  cpu::gemm<double>(Transpose::no, Transpose::no, 2, 2, 2, 1.0, a.data(), 2, b.data(), 2, 0.0, c.data(), 2);
  CHECK(c == std::vector<double>{19, 22, 43, 50});
}
