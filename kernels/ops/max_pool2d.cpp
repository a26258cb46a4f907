#include <numeric>

#include "kernels/ops/shape.h"
#include "kernels/ops/spec.h"

namespace pigment {

Tensor max_pool2d(const Tensor& x, int kernel, int stride, int padding) {
  OpRun run{OpId::max_pool2d, {{x, "input"}}};
  const char* op = run.name();
  check_rank(op, x, 4, "input");
  PIGMENT_CHECK(kernel >= 1 && stride >= 1 && padding >= 0 && 2 * padding <= kernel,
                "{}: kernel {} ≥ 1, stride {} ≥ 1 and 0 ≤ padding {} ≤ kernel/2 (PyTorch's bound)", op, kernel, stride,
                padding);
  const std::int64_t h = x.dim(2), w = x.dim(3), planes = x.dim(0) * x.dim(1);
  PIGMENT_CHECK(h + 2 * padding >= kernel && w + 2 * padding >= kernel, "{}: input {} is smaller than the {}×{} window",
                op, x.shape().str(), kernel, kernel);
  const MaxPool2dGeometry g{kernel, stride, padding, (h + 2 * padding - kernel) / stride + 1,
                            (w + 2 * padding - kernel) / stride + 1};
  Tensor y = run.output({x.dim(0), x.dim(1), g.oh, g.ow});
  Tensor argmax = Tensor::empty(y.shape(), x.dtype(), x.device());
  run.kernels([&]<class T>() { cpu::max_pool2d_forward<T>(planes, h, w, g, x.data<T>(), y.data<T>(), argmax.data<T>()); },
              [&](auto& ctx) {
                cuda::max_pool2d_forward(ctx, planes, h, w, g, x.data<float>(), y.data<float>(), argmax.data<float>());
              });
  run.record({argmax}, [planes, h, w, g, shape = x.shape()](const autograd::BackwardContext& ctx) {
    const Tensor &dy = ctx.grad(), &winners = ctx.saved(0);
    Tensor dx = Tensor::empty(shape, dy.dtype(), dy.device());
    run_kernels(
        OpId::max_pool2d, dy,
        [&]<class T>() { cpu::max_pool2d_backward<T>(planes, h, w, g, dy.data<T>(), winners.data<T>(), dx.data<T>()); },
        [&](auto& cuda_ctx) {
          cuda::max_pool2d_backward(cuda_ctx, planes, h, w, g, dy.data<float>(), winners.data<float>(), dx.data<float>());
        });
    return std::vector<Tensor>{dx};
  });
  return y;
}

OpSpec make_spec_max_pool2d() {
  // Every value of the input distinct and at least 0.01 from any other (a shuffled ramp), so no
  // window's winner changes within a finite-difference step; ResNet's 3×3/2/1, a 2×2/2 and a
  // window larger than the stride on odd sizes.
  OpSpec spec{OpId::max_pool2d};
  spec.cuda_tolerance = kSameFormula;
  struct Case {
    Shape x;
    int kernel, stride, padding;
  };
  for (const Case c : {Case{{1, 1, 1, 1}, 1, 1, 0}, Case{{2, 3, 7, 9}, 3, 2, 1}, Case{{1, 2, 8, 8}, 2, 2, 0},
                       Case{{3, 2, 11, 6}, 3, 1, 1}, Case{{1, 16, 32, 32}, 3, 2, 1}}) {
    spec.cases.push_back(OpCase{
        fmt::format("x{} k{} s{} p{}", c.x.str(), c.kernel, c.stride, c.padding),
        [c](Rng& g, DType t, const Device& d) {
          std::vector<std::int64_t> order(static_cast<std::size_t>(c.x.numel()));
          std::iota(order.begin(), order.end(), 0);
          for (std::size_t i = order.size(); i > 1; --i)
            std::swap(order[i - 1], order[static_cast<std::size_t>(g.uniform_int(static_cast<std::int64_t>(i)))]);
          std::vector<double> v(order.size());
          for (std::size_t i = 0; i < v.size(); ++i) v[i] = 0.01 * static_cast<double>(order[i]) - 1.0;
          return std::vector<Tensor>{Tensor::from_vector(c.x, v, d, t).set_requires_grad(true)};
        },
        [c](const std::vector<Tensor>& in) { return std::vector<Tensor>{max_pool2d(in[0], c.kernel, c.stride, c.padding)}; },
        static_cast<double>(c.x.numel() * c.kernel * c.kernel / (c.stride * c.stride)),
        8.0 * static_cast<double>(c.x.numel())});
  }
  return spec;
}

}  // namespace pigment
