#include "kernels/ops/leaky_relu.h"
#include "kernels/ops/spec.h"

namespace pigment {

Tensor leaky_relu_backward(const Tensor& dy, const Tensor& x, double slope) {
  const char* op = op_cname(OpId::leaky_relu_backward);
  check_defined(op, dy, "dy");
  check_defined(op, x, "x");
  check_same_shape(op, dy, x);
  check_same_dtype_device(op, dy, x);
  Tensor dx = Tensor::empty_like(dy);
  run_kernels(OpId::leaky_relu_backward, 
      dy,
      [&]<class T>() {
        cpu::leaky_relu_backward<T>(dy.numel(), dy.data<T>(), x.data<T>(), static_cast<T>(slope), dx.data<T>());
      },
      [&](auto& ctx) {
        cuda::leaky_relu_backward(ctx, dy.numel(), dy.data<float>(), x.data<float>(), static_cast<float>(slope),
                                  dx.data<float>());
      });
  if (autograd::needs_grad({&dy, &x})) {
    const Tensor inputs[] = {dy, x};
    Tensor outputs[] = {dx};
    // Linear in dy (the same mask again); piecewise constant in x, so no gradient flows to x.
    autograd::record(
        OpId::leaky_relu_backward, inputs, outputs, {x},
        [slope](const autograd::BackwardContext& ctx) {
          return std::vector<Tensor>{ctx.needs(0) ? leaky_relu_backward(ctx.grad(), ctx.saved(0), slope) : Tensor(),
                                     Tensor()};
        },
        autograd::DoubleBackward::supported);
  }
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
