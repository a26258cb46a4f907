#include "kernels/ops/norm.h"
#include "kernels/ops/spec.h"

namespace pigment {

Tensor l2_normalize(const Tensor& x, double eps) {
  OpRun run{OpId::l2_normalize, {{x, "x"}}};
  PIGMENT_CHECK(x.rank() >= 1, "{}: input must have at least one dimension, got a scalar", run.name());
  PIGMENT_CHECK(eps > 0, "{}: eps must be positive, got {}", run.name(), eps);
  const std::int64_t cols = x.dim(x.rank() - 1), rows = cols ? x.numel() / cols : 0;
  Tensor y = run.output(x.shape());
  Tensor norm = Tensor::empty({rows}, x.dtype(), x.device());
  run.kernels(
      [&]<class T>() {
        cpu::l2_normalize_forward<T>(rows, cols, static_cast<T>(eps), x.data<T>(), y.data<T>(), norm.data<T>());
      },
      [&](auto& ctx) {
        cuda::l2_normalize_forward(ctx, rows, cols, static_cast<float>(eps), x.data<float>(), y.data<float>(),
                                   norm.data<float>());
      });
  run.record({y, norm}, [rows, cols, eps](const autograd::BackwardContext& ctx) {
    const Tensor &dy = ctx.grad(), &ys = ctx.saved(0), &m = ctx.saved(1);
    Tensor dx = Tensor::empty_like(dy);
    run_kernels(
        OpId::l2_normalize, dy,
        [&]<class T>() {
          cpu::l2_normalize_backward<T>(rows, cols, static_cast<T>(eps), dy.data<T>(), ys.data<T>(), m.data<T>(),
                                        dx.data<T>());
        },
        [&](auto& cuda_ctx) {
          cuda::l2_normalize_backward(cuda_ctx, rows, cols, static_cast<float>(eps), dy.data<float>(),
                                      ys.data<float>(), m.data<float>(), dx.data<float>());
        });
    return std::vector<Tensor>{dx};
  });
  return y;
}

OpSpec make_spec_l2_normalize() {
  // Rows of one value (y = ±1, a zero gradient), odd lengths, and the memory's 512-d keys; rows of
  // N(0, 1) values, far longer than ε, so the finite differences stay off the clamp.
  OpSpec spec{OpId::l2_normalize};
  spec.cuda_tolerance = kFp32Sums;
  for (Shape s : {Shape{1, 1}, Shape{5, 7}, Shape{3, 2, 33}, Shape{4, 512}, Shape{2, 1100}})
    spec.cases.push_back(detail::tensor_case(
        "x" + s.str(), {s}, [](const auto& in) { return std::vector<Tensor>{l2_normalize(in[0])}; },
        3.0 * static_cast<double>(s.numel()), 8.0 * static_cast<double>(s.numel())));
  return spec;
}

}  // namespace pigment
