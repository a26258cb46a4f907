#include "kernels/ops/spec.h"
#include "kernels/ops/shape.h"

namespace pigment {

Tensor upsample_bilinear2x(const Tensor& x) {
  OpRun run{OpId::upsample_bilinear2x, {{x, "input"}}};
  check_rank(run.name(), x, 4, "input");
  const std::int64_t planes = x.dim(0) * x.dim(1), h = x.dim(2), w = x.dim(3);
  Tensor y = run.output({x.dim(0), x.dim(1), 2 * h, 2 * w});
  run.kernels(
      [&]<class T>() { cpu::upsample_bilinear2x_forward<T>(planes, h, w, x.data<T>(), y.data<T>()); },
      [&](auto& ctx) { cuda::upsample_bilinear2x_forward(ctx, planes, h, w, x.data<float>(), y.data<float>()); });
  run.record({}, [x_shape = x.shape(), planes, h, w](const autograd::BackwardContext& ctx) {
    const Tensor& dy = ctx.grad();
    Tensor dx = Tensor::empty(x_shape, dy.dtype(), dy.device());
    run_kernels(
        OpId::upsample_bilinear2x, dy,
        [&]<class T>() { cpu::upsample_bilinear2x_backward<T>(planes, h, w, dy.data<T>(), dx.data<T>()); },
        [&](auto& cuda_ctx) {
          cuda::upsample_bilinear2x_backward(cuda_ctx, planes, h, w, dy.data<float>(), dx.data<float>());
        });
    return std::vector<Tensor>{dx};
  });
  return y;
}

OpSpec make_spec_upsample_bilinear2x() {
  OpSpec spec{OpId::upsample_bilinear2x};
  spec.cuda_tolerance = kDeviceMath;
  for (Shape s : {Shape{1, 1, 1, 1}, Shape{3, 5, 7, 7}, Shape{2, 3, 4, 9}}) {
    spec.cases.push_back(OpCase{
        "x" + s.str(),
        [s](Rng& g, DType t, const Device& d) { return std::vector<Tensor>{random_tensor(s, g, t, d)}; },
        [](const std::vector<Tensor>& in) { return std::vector<Tensor>{upsample_bilinear2x(in[0])}; },
        7.0 * 4.0 * static_cast<double>(s.numel()), 20.0 * static_cast<double>(s.numel())});
  }
  return spec;
}

}  // namespace pigment
