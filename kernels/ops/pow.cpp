#include "kernels/ops/pointwise.h"

#include "kernels/ops/spec.h"

namespace pigment {

Tensor pow(const Tensor& x, double exponent) {
  OpRun run{OpId::pow, {{x, "x"}}};
  Tensor y = run.output(x.shape());
  run.kernels(
      [&]<class T>() { cpu::pow_forward<T>(x.numel(), x.data<T>(), static_cast<T>(exponent), y.data<T>()); },
      [&](auto& ctx) {
        cuda::pow_forward(ctx, x.numel(), x.data<float>(), static_cast<float>(exponent), y.data<float>());
      });
  run.record(
      {x},
      [exponent](const autograd::BackwardContext& ctx) {
        if (exponent == 0.0) return std::vector<Tensor>{scale(ctx.grad(), 0.0)};
        return std::vector<Tensor>{mul(ctx.grad(), scale(pow(ctx.saved(0), exponent - 1.0), exponent))};
      },
      autograd::DoubleBackward::supported);
  return y;
}

OpSpec make_spec_pow() {
  OpSpec spec{OpId::pow};
  spec.cuda_tolerance = kDeviceMath;
  for (double e : {0.5, -0.5, -1.0, 3.0, 1.7}) {
    for (Shape s : {Shape{1, 1, 1, 1}, Shape{3, 5, 7, 7}}) {
      spec.cases.push_back(OpCase{
          fmt::format("x{} ^ {}", s.str(), e),
          [s](Rng& g, DType t, const Device& d) {
            return std::vector<Tensor>{random_tensor(s, g, t, d, Values::positive)};
          },
          [e](const std::vector<Tensor>& in) { return std::vector<Tensor>{pow(in[0], e)}; },
          10.0 * static_cast<double>(s.numel()), 8.0 * static_cast<double>(s.numel())});
    }
  }
  return spec;
}

}  // namespace pigment
