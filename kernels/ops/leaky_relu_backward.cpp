#include "kernels/ops/pointwise.h"
#include "kernels/ops/spec.h"

namespace pigment {

Tensor leaky_relu_backward(const Tensor& dy, const Tensor& x, double slope) {
  OpRun run{OpId::leaky_relu_backward, {{dy, "dy"}, {x, "x"}}};
  check_same_shape(run.name(), dy, x);
  Tensor dx = run.output(dy.shape());
  run.kernels(
      [&]<class T>() {
        cpu::leaky_relu_backward<T>(dy.numel(), dy.data<T>(), x.data<T>(), static_cast<T>(slope), dx.data<T>());
      },
      [&](auto& ctx) {
        cuda::leaky_relu_backward(ctx, dy.numel(), dy.data<float>(), x.data<float>(), static_cast<float>(slope),
                                  dx.data<float>());
      });
  // Linear in dy (the same mask again); piecewise constant in x, so no gradient flows to x.
  run.record(
      {x},
      [slope](const autograd::BackwardContext& ctx) {
        return std::vector<Tensor>{ctx.needs(0) ? leaky_relu_backward(ctx.grad(), ctx.saved(0), slope) : Tensor(),
                                   Tensor()};
      },
      autograd::DoubleBackward::supported);
  return dx;
}

OpSpec make_spec_leaky_relu_backward() {
  OpSpec spec{OpId::leaky_relu_backward};
  for (Shape s : {Shape{1, 1, 1, 1}, Shape{3, 5, 7, 7}}) {
    spec.cases.push_back(OpCase{
        "dy,x" + s.str() + " slope 0.2",
        [s](Rng& g, DType t, const Device& d) {
          return std::vector<Tensor>{random_tensor(s, g, t, d, Values::normal),
                                     random_tensor(s, g, t, d, Values::away_from_zero, false)};
        },
        [](const std::vector<Tensor>& in) { return std::vector<Tensor>{leaky_relu_backward(in[0], in[1], 0.2)}; },
        static_cast<double>(s.numel()), 12.0 * static_cast<double>(s.numel())});
  }
  return spec;
}

}  // namespace pigment
