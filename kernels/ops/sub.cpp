#include "kernels/ops/arithmetic.h"
#include "kernels/ops/spec.h"

namespace pigment {

Tensor sub(const Tensor& a, const Tensor& b) {
  OpRun run{OpId::sub, {{a, "a"}, {b, "b"}}};
  check_same_shape(run.name(), a, b);
  Tensor y = run.output(a.shape());
  run.kernels([&]<class T>() { cpu::sub_forward<T>(a.numel(), a.data<T>(), b.data<T>(), y.data<T>()); },
              [&](auto& ctx) { cuda::sub_forward(ctx, a.numel(), a.data<float>(), b.data<float>(), y.data<float>()); });
  run.record(
      {},
      [](const autograd::BackwardContext& ctx) {
        const Tensor& dy = ctx.grad();
        return std::vector<Tensor>{ctx.needs(0) ? dy : Tensor(), ctx.needs(1) ? scale(dy, -1.0) : Tensor()};
      },
      autograd::DoubleBackward::supported);
  return y;
}

OpSpec make_spec_sub() { return detail::binary_spec(OpId::sub, [](const Tensor& a, const Tensor& b) { return sub(a, b); }); }

}  // namespace pigment
