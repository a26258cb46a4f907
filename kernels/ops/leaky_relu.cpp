#include "kernels/ops/pointwise.h"

#include "kernels/ops/spec.h"

namespace pigment {

namespace detail {
template <OpId op> Tensor leaky_relu_like(const Tensor& x, double slope) {
  OpRun run{op, {{x, "x"}}};
  Tensor y = run.output(x.shape());
  run.kernels(
      [&]<class T>() { cpu::leaky_relu_forward<T>(x.numel(), x.data<T>(), static_cast<T>(slope), y.data<T>()); },
      [&](auto& ctx) {
        cuda::leaky_relu_forward(ctx, x.numel(), x.data<float>(), static_cast<float>(slope), y.data<float>());
      });
  run.record(
      {x},
      [slope](const autograd::BackwardContext& ctx) {
        return std::vector<Tensor>{leaky_relu_backward(ctx.grad(), ctx.saved(0), slope)};
      },
      autograd::DoubleBackward::supported);
  return y;
}
template Tensor leaky_relu_like<OpId::relu>(const Tensor&, double);
}  // namespace detail

Tensor leaky_relu(const Tensor& x, double slope) { return detail::leaky_relu_like<OpId::leaky_relu>(x, slope); }

OpSpec make_spec_leaky_relu() {
  OpSpec spec{OpId::leaky_relu};
  for (Shape s : {Shape{1, 1, 1, 1}, Shape{3, 5, 7, 7}, Shape{2, 3, 31, 31}}) {
    spec.cases.push_back(OpCase{
        "x" + s.str() + " slope 0.2",
        [s](Rng& g, DType t, const Device& d) {
          return std::vector<Tensor>{random_tensor(s, g, t, d, Values::away_from_zero)};
        },
        [](const std::vector<Tensor>& in) { return std::vector<Tensor>{leaky_relu(in[0], 0.2)}; },
        static_cast<double>(s.numel()), 8.0 * static_cast<double>(s.numel())});
  }
  return spec;
}

}  // namespace pigment
