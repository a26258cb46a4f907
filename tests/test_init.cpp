#include "engine/init.h"
#include "helpers.h"

using namespace pigment;

namespace {
double sample_std(const Tensor& t) {
  const auto v = t.to_vector<double>();
  double mean = 0, var = 0;
  for (double x : v) mean += x;
  mean /= static_cast<double>(v.size());
  for (double x : v) var += (x - mean) * (x - mean);
  return std::sqrt(var / static_cast<double>(v.size()));
}
}  // namespace

TEST_CASE("fan in and out follow PyTorch", "[init]") {
  CHECK(fan_in_out({64, 3, 7, 7}) == std::pair<std::int64_t, std::int64_t>{3 * 49, 64 * 49});
  // ConvTranspose2d weight [Cin, Cout, k, k]: PyTorch reads dimension 1 as the input.
  CHECK(fan_in_out({256, 128, 3, 3}) == std::pair<std::int64_t, std::int64_t>{128 * 9, 256 * 9});
}

TEST_CASE("each init draws with the standard deviation PyTorch specifies", "[init]") {
  const Device cpu = Device::cpu();
  Rng gen(4);
  Tensor w = Tensor::empty({128, 64, 3, 3}, DType::f64, cpu);  // 73,728 draws: std within ~0.5%
  init_weight(w, InitType::normal, 0.02, gen);
  CHECK(sample_std(w) == Approx(0.02).epsilon(0.01));
  init_weight(w, InitType::xavier, 0.02, gen);
  CHECK(sample_std(w) == Approx(0.02 * std::sqrt(2.0 / (64 * 9 + 128 * 9))).epsilon(0.01));
  init_weight(w, InitType::kaiming, 0.02, gen);  // kaiming ignores the gain: √(2/fan_in)
  CHECK(sample_std(w) == Approx(std::sqrt(2.0 / (64 * 9))).epsilon(0.01));
  CHECK(kInitTypeNames.parse("xavier", "init type") == InitType::xavier);
  CHECK(test::error_of([] { kInitTypeNames.parse("uniform", "init type"); }).find("unknown init type 'uniform'") != std::string::npos);
}

TEST_CASE("orthogonal init gives gain times orthonormal rows or columns", "[init]") {
  const Device cpu = Device::cpu();
  Rng gen(5);
  for (const Shape& s : {Shape{8, 3, 2, 2}, Shape{20, 6}, Shape{3, 50}}) {
    Tensor w = Tensor::empty(s, DType::f64, cpu);
    init_orthogonal(w, 0.5, gen);
    const auto v = w.to_vector<double>();
    const std::int64_t rows = s[0], cols = s.numel() / rows;
    const bool tall = rows >= cols;
    const std::int64_t k = tall ? cols : rows;  // the orthonormal family: columns if tall, else rows
    for (std::int64_t a = 0; a < k; ++a)
      for (std::int64_t b = 0; b < k; ++b) {
        double dot = 0;
        for (std::int64_t i = 0; i < (tall ? rows : cols); ++i)
          dot += tall ? v[static_cast<std::size_t>(i * cols + a)] * v[static_cast<std::size_t>(i * cols + b)]
                      : v[static_cast<std::size_t>(a * cols + i)] * v[static_cast<std::size_t>(b * cols + i)];
        CHECK(dot == Approx(a == b ? 0.25 : 0.0).margin(1e-12));
      }
  }
}
