#include "kernels/ops/reduce.h"

#include "kernels/ops/spec.h"

namespace pigment {

Tensor softmax(const Tensor& x) {
  OpRun run{OpId::softmax, {{x, "x"}}};
  const char* op = run.name();
  PIGMENT_CHECK(x.rank() >= 1, "{}: input must have at least one dimension, got a scalar", op);
  const std::int64_t cols = x.dim(x.rank() - 1), rows = cols ? x.numel() / cols : 0;
  Tensor y = run.output(x.shape());
  run.kernels([&]<class T>() { cpu::softmax_forward<T>(rows, cols, x.data<T>(), y.data<T>()); },
              [&](auto& ctx) { cuda::softmax_forward(ctx, rows, cols, x.data<float>(), y.data<float>()); });
  run.record({y}, [rows, cols](const autograd::BackwardContext& ctx) {
    const Tensor& dy = ctx.grad();
    Tensor dx = Tensor::empty_like(dy);
    run_kernels(
        OpId::softmax, dy,
        [&]<class T>() { cpu::softmax_backward<T>(rows, cols, dy.data<T>(), ctx.saved(0).data<T>(), dx.data<T>()); },
        [&](auto& cuda_ctx) {
          cuda::softmax_backward(cuda_ctx, rows, cols, dy.data<float>(), ctx.saved(0).data<float>(), dx.data<float>());
        });
    return std::vector<Tensor>{dx};
  });
  return y;
}

OpSpec make_spec_softmax() {
  OpSpec spec{OpId::softmax};
  spec.cuda_tolerance = kFp32Sums;
  for (Shape s : {Shape{1, 1}, Shape{5, 7}, Shape{3, 4, 33}, Shape{2, 3, 5, 9}})
    spec.cases.push_back(detail::tensor_case(
        "x" + s.str(), {s}, [](const auto& in) { return std::vector<Tensor>{softmax(in[0])}; },
        5.0 * static_cast<double>(s.numel()), 8.0 * static_cast<double>(s.numel())));
  return spec;
}

}  // namespace pigment
