#include "kernels/ops/pointwise.h"
#include "kernels/ops/spec.h"

namespace pigment {

Tensor scale(const Tensor& x, double alpha, double beta) {
  OpRun run{OpId::scale, {{x, "x"}}};
  Tensor y = run.output(x.shape());
  run.kernels(
      [&]<class T>() {
        cpu::scale_forward<T>(x.numel(), x.data<T>(), static_cast<T>(alpha), static_cast<T>(beta), y.data<T>());
      },
      [&](auto& ctx) {
        cuda::scale_forward(ctx, x.numel(), x.data<float>(), static_cast<float>(alpha), static_cast<float>(beta),
                            y.data<float>());
      });
  run.record(
      {}, [alpha](const autograd::BackwardContext& ctx) { return std::vector<Tensor>{scale(ctx.grad(), alpha)}; },
      autograd::DoubleBackward::supported);
  return y;
}

OpSpec make_spec_scale() {
  OpSpec spec{OpId::scale};
  for (Shape s : {Shape{}, Shape{1, 1, 1, 1}, Shape{3, 5, 7, 7}}) {
    spec.cases.push_back(OpCase{
        "x" + s.str() + " α −1.5 β 0.25",
        [s](Rng& g, DType t, const Device& d) { return std::vector<Tensor>{random_tensor(s, g, t, d)}; },
        [](const std::vector<Tensor>& in) { return std::vector<Tensor>{scale(in[0], -1.5, 0.25)}; },
        static_cast<double>(s.numel()), 8.0 * static_cast<double>(s.numel())});
  }
  return spec;
}

}  // namespace pigment
