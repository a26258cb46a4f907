#include <algorithm>

#include "kernels/ops/shape.h"
#include "kernels/ops/spec.h"

namespace pigment {

std::vector<Tensor> split(const Tensor& x, const std::vector<std::int64_t>& sizes, int dim) {
  OpRun run{OpId::split, {{x, "x"}}};
  const char* op = run.name();
  PIGMENT_CHECK(dim >= 0 && dim < x.rank(), "{}: dimension {} is out of range for {}", op, dim, x.shape().str());
  std::int64_t total = 0;
  for (std::int64_t s : sizes) {
    PIGMENT_CHECK(s >= 0, "{}: sizes must be non-negative, got {}", op, s);
    total += s;
  }
  PIGMENT_CHECK(total == x.dim(dim), "{}: sizes add up to {} but dimension {} of {} is {}", op, total, dim,
                x.shape().str(), x.dim(dim));
  std::vector<Tensor> parts;
  for (std::int64_t s : sizes) parts.push_back(run.output(x.shape().with(dim, s)));
  const std::int64_t outer = x.shape().numel() / std::max<std::int64_t>(x.shape().inner(dim), 1);
  const std::int64_t inner = x.shape().inner(dim + 1);
  run.kernels(
      [&]<class T>() {
        std::vector<T*> ptrs;
        for (Tensor& p : parts) ptrs.push_back(p.data<T>());
        cpu::split_forward<T>(outer, inner, sizes, x.data<T>(), ptrs);
      },
      [&](auto& ctx) {
        std::vector<float*> ptrs;
        for (Tensor& p : parts) ptrs.push_back(p.data<float>());
        cuda::split_forward(ctx, outer, inner, sizes, x.data<float>(), ptrs);
      });
  run.record(
      {},
      [dim](const autograd::BackwardContext& ctx) {
        // The engine hands zeros for parts nobody used, so every part has a gradient here.
        std::vector<Tensor> grads;
        for (int i = 0; i < ctx.num_grads(); ++i) grads.push_back(ctx.grad(i));
        return std::vector<Tensor>{concat(grads, dim)};
      },
      autograd::DoubleBackward::supported);
  return parts;
}

OpSpec make_spec_split() {
  OpSpec spec{OpId::split};
  struct Case {
    Shape x;
    std::vector<std::int64_t> sizes;
    int dim;
  };
  const std::vector<Case> cases = {{{1, 2, 1, 1}, {1, 1}, 1}, {{3, 7, 5, 5}, {5, 2}, 1}, {{2, 6, 3, 4}, {1, 3, 2}, 1},
                                   {{3, 2, 2, 2}, {1, 2}, 0}};
  for (const Case& c : cases) {
    spec.cases.push_back(OpCase{
        fmt::format("x{} sizes {} dim {}", c.x.str(), fmt::join(c.sizes, ","), c.dim),
        [c](Rng& g, DType t, const Device& d) { return std::vector<Tensor>{random_tensor(c.x, g, t, d)}; },
        [c](const std::vector<Tensor>& in) { return split(in[0], c.sizes, c.dim); }, 0.0,
        8.0 * static_cast<double>(c.x.numel())});
  }
  return spec;
}

}  // namespace pigment
