#include "kernels/ops/memory.h"
#include "kernels/ops/spec.h"

namespace pigment {

TopK cosine_topk(const Tensor& queries, const Tensor& keys, const Tensor& ages, int k) {
  OpRun run{OpId::cosine_topk, {{queries, "queries"}, {keys, "keys"}, {ages, "ages"}}};
  const char* op = run.name();
  check_rank(op, queries, 2, "queries");
  check_rank(op, keys, 2, "keys");
  const std::int64_t B = queries.dim(0), D = queries.dim(1), M = keys.dim(0);
  PIGMENT_CHECK(keys.dim(1) == D, "{}: queries {} and keys {} differ in length", op, queries.shape().str(),
                keys.shape().str());
  PIGMENT_CHECK(ages.shape() == Shape{M}, "{}: ages must be [{}], one per key, got {}", op, M, ages.shape().str());
  PIGMENT_CHECK(k >= 1 && k <= M, "{}: k = {} must be between 1 and the {} slots", op, k, M);
  PIGMENT_CHECK(M < (std::int64_t{1} << 24), "{}: {} slots; indices are exact in float32 below 2^24", op, M);
  TopK out{run.output({B, k}), run.output({B, k})};
  run.kernels(
      [&]<class T>() {
        cpu::cosine_topk<T>(B, M, D, k, queries.data<T>(), keys.data<T>(), ages.data<T>(), out.scores.data<T>(),
                            out.indices.data<T>());
      },
      [&](auto& ctx) {
        cuda::cosine_topk(ctx, B, M, D, k, queries.data<float>(), keys.data<float>(), ages.data<float>(),
                          out.scores.data<float>(), out.indices.data<float>());
      });
  return out;
}

namespace detail {
// Planted similarities, far from ties in float32: query b lies along axis a = b mod (D − 1), and
// key j's component there is (1 − 0.6·((7j + 3a) mod M)/M)/√(D − 1), the last axis filling the key
// to unit length, so cos(q_b, key_j) is exactly that component and neighbouring scores are at least
// 0.6/(M·√(D − 1)) apart. Every `empty_every`-th slot is empty (age −1; 0: none); the others have
// ages in [0, 50).
std::vector<Tensor> memory_case_inputs(std::int64_t B, std::int64_t M, std::int64_t D, int empty_every, Rng& g,
                                       DType t, const Device& d) {
  std::vector<double> q(static_cast<std::size_t>(B * D)), keys(static_cast<std::size_t>(M * D)), ages(static_cast<std::size_t>(M));
  const std::int64_t axes = std::max<std::int64_t>(1, D - 1);
  for (std::int64_t b = 0; b < B; ++b) q[static_cast<std::size_t>(b * D + b % axes)] = 0.5 + g.uniform();
  for (std::int64_t j = 0; j < M; ++j) {
    double squares = 0;
    for (std::int64_t a = 0; a < axes; ++a) {
      const double c = (1.0 - 0.6 * static_cast<double>((7 * j + 3 * a) % M) / static_cast<double>(M)) /
                       std::sqrt(static_cast<double>(axes));
      keys[static_cast<std::size_t>(j * D + a)] = c;
      squares += c * c;
    }
    if (D > 1) keys[static_cast<std::size_t>(j * D + D - 1)] = std::sqrt(std::max(0.0, 1.0 - squares));
    ages[static_cast<std::size_t>(j)] = empty_every && j % empty_every == 1 ? -1.0 : static_cast<double>(g.uniform_int(50));
  }
  return {Tensor::from_vector({B, D}, q, d, t), Tensor::from_vector({M, D}, keys, d, t),
          Tensor::from_vector({M}, ages, d, t)};
}
}  // namespace detail

OpSpec make_spec_cosine_topk() {
  OpSpec spec{OpId::cosine_topk};
  spec.differentiable = false;
  spec.cuda_tolerance = kFp32Sums;
  struct Case {
    std::int64_t B, M, D;
    int k, empty_every;
  };
  for (const Case c : {Case{1, 1, 1, 1, 0}, Case{3, 7, 5, 3, 0}, Case{2, 37, 9, 8, 3}, Case{4, 300, 64, 32, 0},
                       Case{2, 9, 4, 9, 2}}) {
    spec.cases.push_back(OpCase{
        fmt::format("q[{}, {}] keys[{}, {}] k {}{}", c.B, c.D, c.M, c.D, c.k,
                    c.empty_every ? fmt::format(" every {}th empty", c.empty_every) : ""),
        [c](Rng& g, DType t, const Device& d) { return detail::memory_case_inputs(c.B, c.M, c.D, c.empty_every, g, t, d); },
        [c](const std::vector<Tensor>& in) {
          const TopK r = cosine_topk(in[0], in[1], in[2], c.k);
          return std::vector<Tensor>{r.scores, r.indices};
        },
        2.0 * static_cast<double>(c.B * c.M * c.D), 4.0 * static_cast<double>(c.M * c.D + c.B * c.D)});
  }
  return spec;
}

}  // namespace pigment
