#include "kernels/ops/pointwise.h"

#include "kernels/ops/spec.h"

namespace pigment {

Tensor dropout(const Tensor& x, double p, std::uint64_t seed, std::uint64_t offset) {
  OpRun run{OpId::dropout, {{x, "x"}}};
  const char* op = run.name();
  PIGMENT_CHECK(p >= 0.0 && p <= 1.0, "{}: probability must be in [0, 1], got {}", op, p);
  PIGMENT_CHECK(offset % 4 == 0, "{}: the Philox offset must be a multiple of 4 (a block boundary), got {}", op,
                offset);
  Tensor y = run.output(x.shape());
  run.kernels(
      [&]<class T>() {
        cpu::dropout_forward<T>(x.numel(), x.data<T>(), static_cast<float>(p), seed, offset, y.data<T>());
      },
      [&](auto& ctx) {
        cuda::dropout_forward(ctx, x.numel(), x.data<float>(), static_cast<float>(p), seed, offset, y.data<float>());
      });
  run.record(
      {},
      [p, seed, offset](const autograd::BackwardContext& ctx) {
        return std::vector<Tensor>{dropout(ctx.grad(), p, seed, offset)};
      },
      autograd::DoubleBackward::supported);
  return y;
}

Tensor dropout(const Tensor& x, double p, Rng& gen) {
  const std::uint64_t offset = gen.reserve(static_cast<std::uint64_t>(x.numel()));
  return dropout(x, p, gen.seed(), offset);
}

OpSpec make_spec_dropout() {
  OpSpec spec{OpId::dropout};
  for (Shape s : {Shape{1, 1, 1, 1}, Shape{3, 5, 7, 7}, Shape{1, 3, 31, 31}}) {
    spec.cases.push_back(OpCase{
        "x" + s.str() + " p 0.5",
        [s](Rng& g, DType t, const Device& d) { return std::vector<Tensor>{random_tensor(s, g, t, d)}; },
        [](const std::vector<Tensor>& in) { return std::vector<Tensor>{dropout(in[0], 0.5, 1234, 8)}; },
        static_cast<double>(s.numel()), 8.0 * static_cast<double>(s.numel())});
  }
  return spec;
}

}  // namespace pigment
