#include "kernels/ops/colour.h"
#include "kernels/ops/spec.h"

namespace pigment {

Tensor dominant_colors(const Tensor& L, const Tensor& ab, int colours, int iterations, std::int64_t max_samples) {
  OpRun run{OpId::dominant_colors, {{L, "L"}, {ab, "ab"}}};
  const char* op = run.name();
  check_rank(op, L, 4, "L");
  check_rank(op, ab, 4, "ab");
  PIGMENT_CHECK(L.dim(1) == 1 && ab.shape() == (Shape{L.dim(0), 2, L.dim(2), L.dim(3)}),
                "{}: L must be [N, 1, H, W] and ab [N, 2, H, W] of the same images, got {} and {}", op, L.shape().str(),
                ab.shape().str());
  PIGMENT_CHECK(colours >= 1 && colours <= kMaxColours, "{}: {} colours; between 1 and {}", op, colours, kMaxColours);
  PIGMENT_CHECK(iterations >= 0 && max_samples >= 1, "{}: iterations ≥ 0 and max_samples ≥ 1 (got {}, {})", op,
                iterations, max_samples);
  const std::int64_t n = L.dim(0), pixels = L.dim(2) * L.dim(3);
  PIGMENT_CHECK(pixels >= colours, "{}: an image of {} pixels has no {} colours to find", op, pixels, colours);
  const PaletteSettings s{colours, iterations, std::max<std::int64_t>(1, (pixels + max_samples - 1) / max_samples)};
  PIGMENT_CHECK((pixels + s.stride - 1) / s.stride >= colours, "{}: {} samples for {} colours", op,
                (pixels + s.stride - 1) / s.stride, colours);
  Tensor out = run.output({n, 3 * static_cast<std::int64_t>(colours)});
  run.kernels([&]<class T>() { cpu::dominant_colors<T>(n, pixels, s, L.data<T>(), ab.data<T>(), out.data<T>()); },
              [&](auto& ctx) { cuda::dominant_colors(ctx, n, pixels, s, L.data<float>(), ab.data<float>(), out.data<float>()); });
  return out;
}

OpSpec make_spec_dominant_colors() {
  // Images of K well-separated colour clusters (Lab centres ≥ 30 apart, ±2 of noise) of distinct
  // sizes, so that k-means has one answer and the frequency order no ties: the CPU and CUDA runs
  // take the same decisions. Strided sampling in the last case.
  OpSpec spec{OpId::dominant_colors};
  spec.differentiable = false;
  spec.cuda_tolerance = kFp32Sums;
  struct Case {
    std::int64_t n, h, w;
    int colours;
    std::int64_t max_samples;
  };
  for (const Case c : {Case{1, 1, 2, 1, 4096}, Case{2, 7, 9, 3, 4096}, Case{2, 32, 33, 10, 4096}, Case{1, 64, 64, 5, 1000}}) {
    spec.cases.push_back(OpCase{
        fmt::format("L,ab[{}, ·, {}, {}] {} colours{}", c.n, c.h, c.w, c.colours,
                    c.max_samples < c.h * c.w ? fmt::format(" ≤ {} samples", c.max_samples) : ""),
        [c](Rng& g, DType t, const Device& d) {
          const std::int64_t pixels = c.h * c.w;
          std::vector<double> L(static_cast<std::size_t>(c.n * pixels)), ab(static_cast<std::size_t>(c.n * 2 * pixels));
          for (std::int64_t img = 0; img < c.n; ++img) {
            // Centres on a coarse Lab lattice (distinct points, ≥ 30 apart), sizes ∝ 1, 2, 3, … shuffled.
            std::vector<std::array<double, 3>> centre;
            while (static_cast<int>(centre.size()) < c.colours) {
              const std::array<double, 3> p{15.0 + 35.0 * static_cast<double>(g.uniform_int(3)),
                                            -75.0 + 30.0 * static_cast<double>(g.uniform_int(6)),
                                            -75.0 + 30.0 * static_cast<double>(g.uniform_int(6))};
              if (std::find(centre.begin(), centre.end(), p) == centre.end()) centre.push_back(p);
            }
            const double total = c.colours * (c.colours + 1) / 2.0;
            for (std::int64_t p = 0; p < pixels; ++p) {
              // Pixel p's cluster: the one whose cumulative share covers it (cluster u holds (u+1)/total).
              double edge = 0;
              int u = 0;
              for (; u < c.colours - 1; ++u)
                if ((edge += (u + 1) / total) * static_cast<double>(pixels) > static_cast<double>(p)) break;
              const auto& q = centre[static_cast<std::size_t>(u)];
              L[static_cast<std::size_t>(img * pixels + p)] = (q[0] + g.uniform(-2, 2)) / 50.0 - 1.0;
              ab[static_cast<std::size_t>(img * 2 * pixels + p)] = (q[1] + g.uniform(-2, 2)) / 110.0;
              ab[static_cast<std::size_t>(img * 2 * pixels + pixels + p)] = (q[2] + g.uniform(-2, 2)) / 110.0;
            }
          }
          return std::vector<Tensor>{Tensor::from_vector({c.n, 1, c.h, c.w}, L, d, t),
                                     Tensor::from_vector({c.n, 2, c.h, c.w}, ab, d, t)};
        },
        [c](const std::vector<Tensor>& in) {
          return std::vector<Tensor>{dominant_colors(in[0], in[1], c.colours, 8, c.max_samples)};
        },
        9.0 * 8.0 * static_cast<double>(c.n * c.h * c.w * c.colours), 12.0 * static_cast<double>(c.n * c.h * c.w)});
  }
  return spec;
}

}  // namespace pigment
