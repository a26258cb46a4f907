#include "kernels/ops/arithmetic.h"
#include "kernels/ops/spec.h"

namespace pigment {

Tensor mul(const Tensor& a, const Tensor& b) {
  OpRun run{OpId::mul, {{a, "a"}, {b, "b"}}};
  check_same_shape(run.name(), a, b);
  Tensor y = run.output(a.shape());
  run.kernels([&]<class T>() { cpu::mul_forward<T>(a.numel(), a.data<T>(), b.data<T>(), y.data<T>()); },
              [&](auto& ctx) { cuda::mul_forward(ctx, a.numel(), a.data<float>(), b.data<float>(), y.data<float>()); });
  run.record(
      {a, b},
      [](const autograd::BackwardContext& ctx) {
        const Tensor& dy = ctx.grad();
        return std::vector<Tensor>{ctx.needs(0) ? mul(dy, ctx.saved(1)) : Tensor(),
                                   ctx.needs(1) ? mul(dy, ctx.saved(0)) : Tensor()};
      },
      autograd::DoubleBackward::supported);
  return y;
}

OpSpec make_spec_mul() { return detail::binary_spec(OpId::mul, [](const Tensor& a, const Tensor& b) { return mul(a, b); }); }

}  // namespace pigment
