#include "kernels/ops/memory.h"
#include "kernels/ops/spec.h"

namespace pigment {

void memory_update(MemorySlots& slots, const Tensor& queries, const Tensor& values, const Tensor& sources,
                   const Tensor& merge, AgeNoise noise) {
  OpRun run{OpId::memory_update,
            {{slots.keys, "keys"},
             {slots.values, "values"},
             {slots.ages, "ages"},
             {slots.sources, "sources"},
             {queries, "queries"},
             {values, "batch values"},
             {sources, "batch sources"},
             {merge, "merge"}}};
  const char* op = run.name();
  check_rank(op, slots.keys, 2, "keys");
  check_rank(op, slots.values, 2, "values");
  const std::int64_t M = slots.keys.dim(0), D = slots.keys.dim(1), V = slots.values.dim(1), B = queries.dim(0);
  PIGMENT_CHECK(slots.values.dim(0) == M && slots.ages.shape() == Shape{M} && slots.sources.shape() == Shape{M},
                "{}: keys {}, values {}, ages {} and sources {} must describe the same {} slots", op,
                slots.keys.shape().str(), slots.values.shape().str(), slots.ages.shape().str(),
                slots.sources.shape().str(), M);
  PIGMENT_CHECK(queries.shape() == (Shape{B, D}) && values.shape() == (Shape{B, V}) && sources.shape() == Shape{B} &&
                    merge.shape() == Shape{B},
                "{}: the batch must be queries [B, {}], values [B, {}], sources and merge [B]; got {}, {}, {}, {}", op,
                D, V, queries.shape().str(), values.shape().str(), sources.shape().str(), merge.shape().str());
  run.kernels(
      [&]<class T>() {
        cpu::memory_update<T>(M, D, V, B, slots.keys.data<T>(), slots.values.data<T>(), slots.ages.data<T>(),
                              slots.sources.data<T>(), queries.data<T>(), values.data<T>(), sources.data<T>(),
                              merge.data<T>(), noise);
      },
      [&](auto& ctx) {
        cuda::memory_update(ctx, M, D, V, B, slots.keys.data<float>(), slots.values.data<float>(),
                            slots.ages.data<float>(), slots.sources.data<float>(), queries.data<float>(),
                            values.data<float>(), sources.data<float>(), merge.data<float>(), noise);
      });
}

namespace detail {
std::vector<Tensor> memory_case_inputs(std::int64_t B, std::int64_t M, std::int64_t D, int empty_every, Rng& g,
                                       DType t, const Device& d);
}  // namespace detail

OpSpec make_spec_memory_update() {
  // A memory with empty and occupied slots; a batch whose nearest slots repeat (two samples on one
  // slot: both merge, or one is rewritten first), some merging and some taking the oldest slot;
  // and a batch larger than the memory (every slot rewritten, the rest skipped).
  OpSpec spec{OpId::memory_update};
  spec.differentiable = false;
  spec.cuda_tolerance = kFp32Sums;
  struct Case {
    std::int64_t B, M, D, V;
    int empty_every;
  };
  for (const Case c : {Case{1, 1, 2, 1, 0}, Case{6, 11, 5, 3, 3}, Case{16, 40, 32, 30, 4}, Case{9, 5, 3, 2, 0}}) {
    spec.cases.push_back(OpCase{
        fmt::format("keys[{}, {}] values[{}, {}] batch {}{}", c.M, c.D, c.M, c.V, c.B,
                    c.empty_every ? fmt::format(" every {}th empty", c.empty_every) : ""),
        [c](Rng& g, DType t, const Device& d) {
          std::vector<Tensor> in = detail::memory_case_inputs(c.B, c.M, c.D, c.empty_every, g, t, d);
          std::vector<double> merge(static_cast<std::size_t>(c.B)), source(static_cast<std::size_t>(c.B)),
              slot_source(static_cast<std::size_t>(c.M));
          for (std::int64_t b = 0; b < c.B; ++b) {
            // Half merge into one of the first four slots (so some into the same one), half are new.
            merge[static_cast<std::size_t>(b)] =
                g.uniform() < 0.5 ? static_cast<double>(g.uniform_int(std::min<std::int64_t>(c.M, 4))) : -1.0;
            source[static_cast<std::size_t>(b)] = static_cast<double>(100 + b);
          }
          for (std::int64_t j = 0; j < c.M; ++j) slot_source[static_cast<std::size_t>(j)] = static_cast<double>(j);
          // The queries as the model gives them: unit vectors.
          std::vector<double> q = g.normal_vector(c.B * c.D);
          for (std::int64_t b = 0; b < c.B; ++b) {
            double s = 0;
            for (std::int64_t k = 0; k < c.D; ++k) s += q[static_cast<std::size_t>(b * c.D + k)] * q[static_cast<std::size_t>(b * c.D + k)];
            for (std::int64_t k = 0; k < c.D; ++k) q[static_cast<std::size_t>(b * c.D + k)] /= std::sqrt(s);
          }
          const double seed = static_cast<double>(g.uniform_int(1 << 20));
          return std::vector<Tensor>{in[1],
                                     random_tensor({c.M, c.V}, g, t, d, Values::unit, false),
                                     in[2],
                                     Tensor::from_vector({c.M}, slot_source, d, t),
                                     Tensor::from_vector({c.B, c.D}, q, d, t),
                                     random_tensor({c.B, c.V}, g, t, d, Values::unit, false),
                                     Tensor::from_vector({c.B}, source, d, t),
                                     Tensor::from_vector({c.B}, merge, d, t),
                                     Tensor::from_vector({1}, std::vector<double>{seed}, d, t)};
        },
        [](const std::vector<Tensor>& in) {
          MemorySlots s{in[0].clone(), in[1].clone(), in[2].clone(), in[3].clone()};
          // The noise's seed travels as the last input, so that each case draws its own stream.
          memory_update(s, in[4], in[5], in[6], in[7],
                        AgeNoise{static_cast<std::uint64_t>(in[8].to(Device::cpu()).item()), 17, 4.0f});
          return std::vector<Tensor>{s.keys, s.values, s.ages, s.sources};
        },
        0.0, 8.0 * static_cast<double>(c.M * (c.D + c.V))});
  }
  return spec;
}

}  // namespace pigment
