#include "kernels/ops/colour.h"
#include "kernels/ops/spec.h"

namespace pigment {

namespace detail {
void check_value_distance(const char* op, const Tensor& query, const Tensor& memory, const Tensor& index);
std::vector<Tensor> value_distance_inputs(std::int64_t B, std::int64_t M, std::int64_t V, std::int64_t k, Rng& g,
                                          DType t, const Device& d);
}  // namespace detail

Tensor ciede2000_distance(const Tensor& query, const Tensor& memory, const Tensor& index) {
  OpRun run{OpId::ciede2000_distance, {{query, "query"}, {memory, "memory"}, {index, "index"}}};
  const char* op = run.name();
  detail::check_value_distance(op, query, memory, index);
  const std::int64_t V = query.dim(1);
  PIGMENT_CHECK(V % 3 == 0 && V / 3 >= 1 && V / 3 <= kMaxColours,
                "{}: a palette is 1 to {} colours of (L, a, b): 3 to {} values per row, got {}", op, kMaxColours,
                3 * kMaxColours, V);
  const std::int64_t B = index.dim(0), k = index.dim(1);
  const int colours = static_cast<int>(V / 3);
  Tensor d = run.output({B, k});
  run.kernels(
      [&]<class T>() {
        cpu::ciede2000_distance<T>(B, k, colours, query.data<T>(), memory.data<T>(), index.data<T>(), d.data<T>());
      },
      [&](auto& ctx) {
        cuda::ciede2000_distance(ctx, B, k, colours, query.data<float>(), memory.data<float>(), index.data<float>(),
                                 d.data<float>());
      });
  return d;
}

OpSpec make_spec_ciede2000_distance() {
  // Random palettes across the Lab range (L ∈ [0, 100], |a|, |b| ≤ 88): hues of every quadrant, so
  // the hue branches of ΔE2000 all run.
  OpSpec spec{OpId::ciede2000_distance};
  spec.differentiable = false;
  spec.cuda_tolerance = {1e-4, "FP32 trigonometry and powers (C⁷) against the CPU's double: ≈1e-5 of ΔE"};
  struct Case {
    std::int64_t B, M, colours, k;
  };
  for (const Case c : {Case{1, 1, 1, 1}, Case{3, 7, 3, 4}, Case{4, 40, 10, 8}}) {
    spec.cases.push_back(OpCase{
        fmt::format("query[{}, {}] memory[{}, {}] k {}", c.B, 3 * c.colours, c.M, 3 * c.colours, c.k),
        [c](Rng& g, DType t, const Device& d) {
          std::vector<Tensor> in = detail::value_distance_inputs(c.B, c.M, 1, c.k, g, t, d);
          auto palettes = [&](std::int64_t rows) {
            std::vector<double> p(static_cast<std::size_t>(rows * 3 * c.colours));
            for (std::size_t i = 0; i < p.size(); ++i) p[i] = i % 3 == 0 ? g.uniform(-1.0, 1.0) : g.uniform(-0.8, 0.8);
            return Tensor::from_vector({rows, 3 * c.colours}, p, d, t);
          };
          return std::vector<Tensor>{palettes(c.B), palettes(c.M), in[2]};
        },
        [](const std::vector<Tensor>& in) { return std::vector<Tensor>{ciede2000_distance(in[0], in[1], in[2])}; },
        60.0 * static_cast<double>(c.B * c.k * c.colours * c.colours), 4.0 * static_cast<double>(c.B * c.k * 3 * c.colours)});
  }
  return spec;
}

}  // namespace pigment
