#include "engine/views.h"
#include "kernels/ops/spec.h"
#include "kernels/ops/reduce.h"

namespace pigment {

Tensor expand(const Tensor& x, const Shape& shape) {
  OpRun run{OpId::expand, {{x, "x"}}};
  const char* op = run.name();
  // A scalar expands to anything; otherwise ranks agree and each dimension is 1 or equal.
  Shape from = x.shape();
  if (from.rank() == 0) {
    from = Shape();
    for (int i = 0; i < shape.rank(); ++i) from.push_back(1);
  }
  PIGMENT_CHECK(from.rank() == shape.rank(), "{}: cannot expand {} to {}: ranks differ", op, x.shape().str(),
                shape.str());
  std::vector<int> expanded_dims;
  for (int i = 0; i < shape.rank(); ++i) {
    PIGMENT_CHECK(from[i] == shape[i] || from[i] == 1,
                  "{}: cannot expand {} to {}: dimension {} is {}, must be 1 or {}", op, x.shape().str(), shape.str(),
                  i, from[i], shape[i]);
    if (from[i] != shape[i]) expanded_dims.push_back(i);
  }
  Tensor y = run.output(shape);
  run.kernels([&]<class T>() { cpu::broadcast<T>(from, shape, x.data<T>(), y.data<T>()); },
              [&](auto& ctx) { cuda::broadcast(ctx, from, shape, x.data<float>(), y.data<float>()); });
  run.record(
      {},
      [x_shape = x.shape(), expanded_dims](const autograd::BackwardContext& ctx) {
        if (expanded_dims.empty()) return std::vector<Tensor>{reshape(ctx.grad(), x_shape)};
        return std::vector<Tensor>{reshape(sum(ctx.grad(), expanded_dims), x_shape)};
      },
      autograd::DoubleBackward::supported);
  return y;
}

OpSpec make_spec_expand() {
  OpSpec spec{OpId::expand};
  spec.cuda_tolerance = kFp32Sums;  // the backward sums dy over the expanded dims (735 values from a scalar)
  struct Case {
    Shape from, to;
  };
  const Case cases[] = {{{}, {3, 5, 7, 7}}, {{1, 5, 1, 1}, {3, 5, 7, 7}}, {{3, 1, 1, 1}, {3, 5, 7, 7}},
                        {{1, 1, 1, 1}, {1, 1, 1, 1}}, {{2, 1, 4, 1}, {2, 3, 4, 5}}};
  for (const Case& c : cases) {
    spec.cases.push_back(OpCase{
        fmt::format("x{} → {}", c.from.str(), c.to.str()),
        [c](Rng& gen, DType t, const Device& d) {
          return std::vector<Tensor>{random_tensor(c.from, gen, t, d)};
        },
        [c](const std::vector<Tensor>& in) { return std::vector<Tensor>{expand(in[0], c.to)}; }, 0.0,
        4.0 * static_cast<double>(c.from.numel() + c.to.numel())});
  }
  return spec;
}

}  // namespace pigment
