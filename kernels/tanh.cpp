#include "kernels/activations.h"
#include "kernels/op_spec.h"

namespace pigment {

Tensor tanh(const Tensor& x) {
  check_defined(op_cname(OpId::tanh), x, "x");
  Tensor y = Tensor::empty_like(x);
  dispatch<OpId::tanh>(
      x, [&]<class T>() { cpu::tanh_forward<T>(x.numel(), x.data<T>(), y.data<T>()); },
      [&](auto& ctx) { cuda::tanh_forward(ctx, x.numel(), x.data<float>(), y.data<float>()); });
  if (autograd::needs_grad({&x})) {
    const Tensor inputs[] = {x};
    Tensor outputs[] = {y};
    autograd::record(OpId::tanh, inputs, outputs, {y}, [](const autograd::BackwardContext& ctx) {
      const Tensor& dy = ctx.grad();
      const Tensor& out = ctx.saved(0);
      Tensor dx = Tensor::empty_like(dy);
      dispatch<OpId::tanh>(
          dy, [&]<class T>() { cpu::tanh_backward<T>(dy.numel(), dy.data<T>(), out.data<T>(), dx.data<T>()); },
          [&](auto& cuda_ctx) {
            cuda::tanh_backward(cuda_ctx, dy.numel(), dy.data<float>(), out.data<float>(), dx.data<float>());
          });
      return std::vector<Tensor>{dx};
    });
  }
  return y;
}

OpSpec make_spec_tanh() {
  OpSpec spec{OpId::tanh};
  spec.cuda_tolerance = kDeviceMath;
  for (Shape s : {Shape{1, 1, 1, 1}, Shape{3, 5, 7, 7}, Shape{2, 3, 31, 31}}) {
    spec.cases.push_back(OpCase{
        "x" + s.str(),
        [s](Generator& g, DType t, const Device& d) { return std::vector<Tensor>{random_tensor(s, g, t, d)}; },
        [](const std::vector<Tensor>& in) { return std::vector<Tensor>{tanh(in[0])}; },
        static_cast<double>(s.numel()), 8.0 * static_cast<double>(s.numel())});
  }
  return spec;
}

}  // namespace pigment
