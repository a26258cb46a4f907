#include "kernels/ops/colour.h"
#include "kernels/ops/spec.h"

namespace pigment {

namespace detail {
// The checks kl_distance and ciede2000_distance share: query [B, V], memory [M, V], index [B, k].
void check_value_distance(const char* op, const Tensor& query, const Tensor& memory, const Tensor& index) {
  check_rank(op, query, 2, "query");
  check_rank(op, memory, 2, "memory");
  check_rank(op, index, 2, "index");
  PIGMENT_CHECK(memory.dim(1) == query.dim(1) && index.dim(0) == query.dim(0),
                "{}: query {}, memory {} and index {} must be [B, V], [M, V] and [B, k]", op, query.shape().str(),
                memory.shape().str(), index.shape().str());
}

// Distributions over V bins, a third of each empty (0) but bin 0; and neighbour indices into M,
// with −1 now and then.
std::vector<Tensor> value_distance_inputs(std::int64_t B, std::int64_t M, std::int64_t V, std::int64_t k, Rng& g,
                                          DType t, const Device& d) {
  auto distributions = [&](std::int64_t rows) {
    std::vector<double> p(static_cast<std::size_t>(rows * V));
    for (std::int64_t r = 0; r < rows; ++r) {
      double total = 0;
      for (std::int64_t v = 0; v < V; ++v)
        total += p[static_cast<std::size_t>(r * V + v)] = (v > 0 && g.uniform() < 1.0 / 3.0) ? 0.0 : g.uniform();
      for (std::int64_t v = 0; v < V; ++v) p[static_cast<std::size_t>(r * V + v)] /= total;
    }
    return Tensor::from_vector({rows, V}, p, d, t);
  };
  std::vector<double> index(static_cast<std::size_t>(B * k));
  for (double& i : index) i = g.uniform() < 0.1 ? -1.0 : static_cast<double>(g.uniform_int(M));
  return {distributions(B), distributions(M), Tensor::from_vector({B, k}, index, d, t)};
}
}  // namespace detail

Tensor kl_distance(const Tensor& query, const Tensor& memory, const Tensor& index) {
  OpRun run{OpId::kl_distance, {{query, "query"}, {memory, "memory"}, {index, "index"}}};
  detail::check_value_distance(run.name(), query, memory, index);
  const std::int64_t B = index.dim(0), k = index.dim(1), V = query.dim(1);
  Tensor d = run.output({B, k});
  run.kernels(
      [&]<class T>() {
        cpu::kl_distance<T>(B, k, V, query.data<T>(), memory.data<T>(), index.data<T>(), d.data<T>());
      },
      [&](auto& ctx) {
        cuda::kl_distance(ctx, B, k, V, query.data<float>(), memory.data<float>(), index.data<float>(), d.data<float>());
      });
  return d;
}

OpSpec make_spec_kl_distance() {
  OpSpec spec{OpId::kl_distance};
  spec.differentiable = false;
  spec.cuda_tolerance = kFp32Sums;
  struct Case {
    std::int64_t B, M, V, k;
  };
  for (const Case c : {Case{1, 1, 1, 1}, Case{3, 7, 5, 4}, Case{4, 50, 261, 16}, Case{2, 9, 1100, 3}}) {
    spec.cases.push_back(OpCase{
        fmt::format("query[{}, {}] memory[{}, {}] k {}", c.B, c.V, c.M, c.V, c.k),
        [c](Rng& g, DType t, const Device& d) { return detail::value_distance_inputs(c.B, c.M, c.V, c.k, g, t, d); },
        [](const std::vector<Tensor>& in) { return std::vector<Tensor>{kl_distance(in[0], in[1], in[2])}; },
        3.0 * static_cast<double>(c.B * c.k * c.V), 4.0 * static_cast<double>(c.B * c.k * c.V)});
  }
  return spec;
}

}  // namespace pigment
