#include "kernels/ops/arithmetic.h"
#include "kernels/ops/spec.h"

namespace pigment {

Tensor add(const Tensor& a, const Tensor& b) {
  OpRun run{OpId::add, {{a, "a"}, {b, "b"}}};
  check_same_shape(run.name(), a, b);
  Tensor y = run.output(a.shape());
  run.kernels([&]<class T>() { cpu::add_forward<T>(a.numel(), a.data<T>(), b.data<T>(), y.data<T>()); },
              [&](auto& ctx) { cuda::add_forward(ctx, a.numel(), a.data<float>(), b.data<float>(), y.data<float>()); });
  run.record(
      {},
      [](const autograd::BackwardContext& ctx) {
        const Tensor& dy = ctx.grad();
        return std::vector<Tensor>{ctx.needs(0) ? dy : Tensor(), ctx.needs(1) ? dy : Tensor()};
      },
      autograd::DoubleBackward::supported);
  return y;
}

OpSpec make_spec_add() { return detail::binary_spec(OpId::add, [](const Tensor& a, const Tensor& b) { return add(a, b); }); }

}  // namespace pigment
