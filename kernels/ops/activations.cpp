// What tanh and sigmoid share (kernels/ops/pointwise.h): y = f(x) by the op's kernel, and a backward
// rule dx = dy·f'(y) written in the saved output (so no double backward), and the spec's cases.
#include "kernels/ops/pointwise.h"
#include "kernels/ops/spec.h"

namespace pigment::detail {

namespace {
template <OpId op, class T> void forward(std::int64_t n, const T* x, T* y) {
  if constexpr (op == OpId::tanh) cpu::tanh_forward<T>(n, x, y);
  else cpu::sigmoid_forward<T>(n, x, y);
}
template <OpId op, class T> void backward(std::int64_t n, const T* dy, const T* y, T* dx) {
  if constexpr (op == OpId::tanh) cpu::tanh_backward<T>(n, dy, y, dx);
  else cpu::sigmoid_backward<T>(n, dy, y, dx);
}
template <OpId op> void forward(CudaContext& ctx, std::int64_t n, const float* x, float* y) {
  if constexpr (op == OpId::tanh) cuda::tanh_forward(ctx, n, x, y);
  else cuda::sigmoid_forward(ctx, n, x, y);
}
template <OpId op> void backward(CudaContext& ctx, std::int64_t n, const float* dy, const float* y, float* dx) {
  if constexpr (op == OpId::tanh) cuda::tanh_backward(ctx, n, dy, y, dx);
  else cuda::sigmoid_backward(ctx, n, dy, y, dx);
}
}  // namespace

template <OpId op> Tensor smooth_activation(const Tensor& x) {
  OpRun run{op, {{x, "x"}}};
  Tensor y = run.output(x.shape());
  run.kernels([&]<class T>() { forward<op, T>(x.numel(), x.data<T>(), y.data<T>()); },
              [&](auto& ctx) { forward<op>(ctx, x.numel(), x.data<float>(), y.data<float>()); });
  run.record({y}, [](const autograd::BackwardContext& ctx) {
    const Tensor& dy = ctx.grad();
    const Tensor& out = ctx.saved(0);
    Tensor dx = Tensor::empty_like(dy);
    run_kernels(
        op, dy, [&]<class T>() { backward<op, T>(dy.numel(), dy.data<T>(), out.data<T>(), dx.data<T>()); },
        [&](auto& cuda_ctx) {
          backward<op>(cuda_ctx, dy.numel(), dy.data<float>(), out.data<float>(), dx.data<float>());
        });
    return std::vector<Tensor>{dx};
  });
  return y;
}
template Tensor smooth_activation<OpId::tanh>(const Tensor&);
template Tensor smooth_activation<OpId::sigmoid>(const Tensor&);

OpSpec smooth_activation_spec(OpId op, Tensor (*fn)(const Tensor&)) {
  OpSpec spec{op};
  spec.cuda_tolerance = kDeviceMath;
  for (Shape s : {Shape{1, 1, 1, 1}, Shape{3, 5, 7, 7}, Shape{2, 3, 31, 31}}) {
    spec.cases.push_back(OpCase{
        "x" + s.str(),
        [s](Rng& g, DType t, const Device& d) { return std::vector<Tensor>{random_tensor(s, g, t, d)}; },
        [fn](const std::vector<Tensor>& in) { return std::vector<Tensor>{fn(in[0])}; },
        static_cast<double>(s.numel()), 8.0 * static_cast<double>(s.numel())});
  }
  return spec;
}

}  // namespace pigment::detail
