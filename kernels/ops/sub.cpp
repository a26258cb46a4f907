#include "kernels/ops/arithmetic.h"
#include "kernels/ops/spec.h"

namespace pigment {

Tensor sub(const Tensor& a, const Tensor& b) {
  Tensor y = detail::binary_output(OpId::sub, a, b);
  run_kernels(OpId::sub, 
      a, [&]<class T>() { cpu::sub_forward<T>(a.numel(), a.data<T>(), b.data<T>(), y.data<T>()); },
      [&](auto& ctx) { cuda::sub_forward(ctx, a.numel(), a.data<float>(), b.data<float>(), y.data<float>()); });
  if (autograd::needs_grad({&a, &b})) {
    const Tensor inputs[] = {a, b};
    Tensor outputs[] = {y};
    autograd::record(
        OpId::sub, inputs, outputs, {},
        [](const autograd::BackwardContext& ctx) {
          const Tensor& dy = ctx.grad();
          return std::vector<Tensor>{ctx.needs(0) ? dy : Tensor(), ctx.needs(1) ? scale(dy, -1.0) : Tensor()};
        },
        autograd::DoubleBackward::supported);
  }
  return y;
}

OpSpec make_spec_sub() { return detail::binary_spec(OpId::sub, [](const Tensor& a, const Tensor& b) { return sub(a, b); }); }

}  // namespace pigment
