#include "kernels/ops/memory.h"
#include "kernels/ops/spec.h"

namespace pigment {

TripletPair triplet_pairs(const Tensor& indices, const Tensor& distance, double threshold) {
  OpRun run{OpId::triplet_pairs, {{indices, "indices"}, {distance, "distance"}}};
  const char* op = run.name();
  check_rank(op, indices, 2, "indices");
  PIGMENT_CHECK(distance.shape() == indices.shape(), "{}: distance {} must have the indices' shape {}", op,
                distance.shape().str(), indices.shape().str());
  const std::int64_t B = indices.dim(0);
  const int k = static_cast<int>(indices.dim(1));
  TripletPair out{run.output({B}), run.output({B}), run.output({B})};
  run.kernels(
      [&]<class T>() {
        cpu::triplet_pairs<T>(B, k, indices.data<T>(), distance.data<T>(), static_cast<T>(threshold),
                              out.pos.data<T>(), out.neg.data<T>(), out.valid.data<T>());
      },
      [&](auto& ctx) {
        cuda::triplet_pairs(ctx, B, k, indices.data<float>(), distance.data<float>(), static_cast<float>(threshold),
                            out.pos.data<float>(), out.neg.data<float>(), out.valid.data<float>());
      });
  return out;
}

OpSpec make_spec_triplet_pairs() {
  // Neighbours are distinct slots, some rows ending in empty (−1) entries; distances in [0, 2]
  // against a threshold of 1, never within 1e-3 of it: rows with and without a positive or a
  // negative.
  OpSpec spec{OpId::triplet_pairs};
  spec.differentiable = false;
  for (const auto& [B, k] : {std::pair<std::int64_t, std::int64_t>{1, 1}, {5, 7}, {16, 32}}) {
    spec.cases.push_back(OpCase{
        fmt::format("indices,distance[{}, {}]", B, k),
        [B, k](Rng& g, DType t, const Device& d) {
          std::vector<double> index(static_cast<std::size_t>(B * k)), dist(static_cast<std::size_t>(B * k));
          for (std::int64_t b = 0; b < B; ++b) {
            const std::int64_t filled = b % 3 == 2 ? g.uniform_int(k + 1) : k;
            for (std::int64_t j = 0; j < k; ++j) {
              index[static_cast<std::size_t>(b * k + j)] = j < filled ? static_cast<double>(3 * j + b % 3) : -1.0;
              const double u = g.uniform(0.0, 0.999);
              // Rows of one side only, now and then.
              dist[static_cast<std::size_t>(b * k + j)] = b % 4 == 0 ? u : b % 4 == 1 ? 1.001 + u : (g.uniform() < 0.5 ? u : 1.001 + u);
            }
          }
          return std::vector<Tensor>{Tensor::from_vector({B, k}, index, d, t), Tensor::from_vector({B, k}, dist, d, t)};
        },
        [](const std::vector<Tensor>& in) {
          const TripletPair r = triplet_pairs(in[0], in[1], 1.0);
          return std::vector<Tensor>{r.pos, r.neg, r.valid};
        },
        static_cast<double>(B * k), 8.0 * static_cast<double>(B * k)});
  }
  return spec;
}

}  // namespace pigment
