// What the loss ops share: checks, the kernel calls forward and backward, and the spec's
// cases (kernels/ops/loss.h). Each op's own file holds its entry point and its inputs.
#include "kernels/ops/loss.h"
#include "kernels/ops/spec.h"

namespace pigment {

namespace detail {
template <OpId op> Tensor loss(LossKind kind, const Tensor& x, const Tensor& target) {
  OpRun run{op, {{x, "input"}, {target, "target"}}};
  const char* name = run.name();
  PIGMENT_CHECK(x.shape() == target.shape(), "{}: input {} and target {} must have the same shape", name,
                x.shape().str(), target.shape().str());
  PIGMENT_CHECK(x.numel() > 0, "{}: the mean of an empty tensor {} is undefined", name, x.shape().str());
  Tensor out = run.output({});
  run.kernels(
      [&]<class T>() { cpu::loss_forward<T>(kind, x.numel(), x.data<T>(), target.data<T>(), out.data<T>()); },
      [&](auto& ctx) {
        cuda::loss_forward(ctx, kind, x.numel(), x.data<float>(), target.data<float>(), out.data<float>());
      });
  run.record({x, target}, [kind](const autograd::BackwardContext& ctx) {
    const Tensor &xs = ctx.saved(0), &ts = ctx.saved(1), &dy = ctx.grad();
    Tensor dx = ctx.needs(0) ? Tensor::empty_like(xs) : Tensor();
    Tensor dt = ctx.needs(1) ? Tensor::empty_like(ts) : Tensor();
    run_kernels(
        op, xs,
        [&]<class T>() {
          cpu::loss_backward<T>(kind, xs.numel(), xs.data<T>(), ts.data<T>(), dy.data<T>(), data_or_null<T>(dx),
                                data_or_null<T>(dt));
        },
        [&](auto& cuda_ctx) {
          cuda::loss_backward(cuda_ctx, kind, xs.numel(), xs.data<float>(), ts.data<float>(), dy.data<float>(),
                              data_or_null<float>(dx), data_or_null<float>(dt));
        });
    return std::vector<Tensor>{dx, dt};
  });
  return out;
}
template Tensor loss<OpId::l1_loss>(LossKind, const Tensor&, const Tensor&);
template Tensor loss<OpId::mse_loss>(LossKind, const Tensor&, const Tensor&);
template Tensor loss<OpId::bce_with_logits_loss>(LossKind, const Tensor&, const Tensor&);
template Tensor loss<OpId::smooth_l1_loss>(LossKind, const Tensor&, const Tensor&);

// Cases shared by the three losses; `make` builds (input, target) pairs.
OpSpec loss_spec(OpId op, Tensor (*fn)(const Tensor&, const Tensor&),
                 std::vector<Tensor> (*make)(const Shape&, Rng&, DType, const Device&)) {
  OpSpec spec{op};
  spec.cuda_tolerance = kFp32Sums;
  for (Shape s : {Shape{1, 1, 1, 1}, Shape{3, 5, 7, 7}, Shape{1, 1, 30, 30}, Shape{2, 3, 31, 31}}) {
    spec.cases.push_back(OpCase{
        "x,t" + s.str(), [s, make](Rng& g, DType t, const Device& d) { return make(s, g, t, d); },
        [fn](const std::vector<Tensor>& in) { return std::vector<Tensor>{fn(in[0], in[1])}; },
        3.0 * static_cast<double>(s.numel()), 8.0 * static_cast<double>(s.numel())});
  }
  return spec;
}
}  // namespace detail

}  // namespace pigment
