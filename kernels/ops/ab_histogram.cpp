#include "kernels/ops/colour.h"
#include "kernels/ops/spec.h"

namespace pigment {

Tensor ab_histogram(const Tensor& ab, const Tensor& lut, std::int64_t bins, AbGrid grid) {
  OpRun run{OpId::ab_histogram, {{ab, "ab"}, {lut, "lookup table"}}};
  const char* op = run.name();
  check_rank(op, ab, 4, "ab");
  PIGMENT_CHECK(ab.dim(1) == 2, "{}: ab must be [N, 2, H, W], got {}", op, ab.shape().str());
  const std::int64_t cells = static_cast<std::int64_t>(grid.side) * grid.side;
  PIGMENT_CHECK(lut.shape() == (Shape{cells, grid.nearest, 2}), "{}: the lookup table must be [{}, {}, 2] for its grid, got {}",
                op, cells, grid.nearest, lut.shape().str());
  PIGMENT_CHECK(bins >= 1 && grid.step > 0, "{}: needs at least one bin and a positive grid step", op);
  const std::int64_t n = ab.dim(0), pixels = ab.dim(2) * ab.dim(3);
  PIGMENT_CHECK(pixels > 0, "{}: an empty image {} has no distribution", op, ab.shape().str());
  Tensor hist = run.output({n, bins});
  run.kernels(
      [&]<class T>() { cpu::ab_histogram<T>(n, pixels, bins, ab.data<T>(), lut.data<T>(), grid, hist.data<T>()); },
      [&](auto& ctx) {
        cuda::ab_histogram(ctx, n, pixels, bins, ab.data<float>(), lut.data<float>(), grid, hist.data<float>());
      });
  return hist;
}

OpSpec make_spec_ab_histogram() {
  // A coarse test grid (cells of 16 ab units) whose table points at random bins with random
  // weights summing to 1; ab values over the whole range and beyond it (the edge cells).
  OpSpec spec{OpId::ab_histogram};
  spec.differentiable = false;
  spec.cuda_tolerance = kFp32Sums;
  const AbGrid grid{-128.0f, 16.0f, 16, 3};
  for (const auto& [s, bins] : {std::pair{Shape{1, 2, 1, 1}, std::int64_t{1}}, {Shape{2, 2, 7, 9}, 13},
                                {Shape{3, 2, 32, 32}, 40}}) {
    spec.cases.push_back(OpCase{
        fmt::format("ab{} {} bins", s.str(), bins),
        [s, bins, grid](Rng& g, DType t, const Device& d) {
          const std::int64_t cells = grid.side * grid.side;
          std::vector<double> lut(static_cast<std::size_t>(cells * grid.nearest * 2));
          for (std::int64_t c = 0; c < cells; ++c) {
            double total = 0;
            for (int r = 0; r < grid.nearest; ++r) {
              lut[static_cast<std::size_t>((c * grid.nearest + r) * 2)] = static_cast<double>(g.uniform_int(bins));
              total += lut[static_cast<std::size_t>((c * grid.nearest + r) * 2 + 1)] = g.uniform(0.1, 1.0);
            }
            for (int r = 0; r < grid.nearest; ++r) lut[static_cast<std::size_t>((c * grid.nearest + r) * 2 + 1)] /= total;
          }
          std::vector<double> ab(static_cast<std::size_t>(s.numel()));
          for (double& v : ab) v = g.uniform(-1.25, 1.25);
          return std::vector<Tensor>{Tensor::from_vector(s, ab, d, t),
                                     Tensor::from_vector({cells, grid.nearest, 2}, lut, d, t)};
        },
        [bins, grid](const std::vector<Tensor>& in) { return std::vector<Tensor>{ab_histogram(in[0], in[1], bins, grid)}; },
        2.0 * static_cast<double>(s.numel()) * grid.nearest, 4.0 * static_cast<double>(s.numel())});
  }
  return spec;
}

}  // namespace pigment
