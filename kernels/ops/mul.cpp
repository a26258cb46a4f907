#include "kernels/ops/arithmetic.h"
#include "kernels/ops/spec.h"

namespace pigment {

Tensor mul(const Tensor& a, const Tensor& b) {
  Tensor y = detail::binary_output(OpId::mul, a, b);
  run_kernels(OpId::mul, 
      a, [&]<class T>() { cpu::mul_forward<T>(a.numel(), a.data<T>(), b.data<T>(), y.data<T>()); },
      [&](auto& ctx) { cuda::mul_forward(ctx, a.numel(), a.data<float>(), b.data<float>(), y.data<float>()); });
  if (autograd::needs_grad({&a, &b})) {
    const Tensor inputs[] = {a, b};
    Tensor outputs[] = {y};
    autograd::record(
        OpId::mul, inputs, outputs, {a, b},
        [](const autograd::BackwardContext& ctx) {
          const Tensor& dy = ctx.grad();
          return std::vector<Tensor>{ctx.needs(0) ? mul(dy, ctx.saved(1)) : Tensor(), ctx.needs(1) ? mul(dy, ctx.saved(0)) : Tensor()};
        },
        autograd::DoubleBackward::supported);
  }
  return y;
}

OpSpec make_spec_mul() { return detail::binary_spec(OpId::mul, [](const Tensor& a, const Tensor& b) { return mul(a, b); }); }

}  // namespace pigment
