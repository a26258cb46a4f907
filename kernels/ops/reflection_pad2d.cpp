#include "kernels/ops/shape.h"

#include "kernels/ops/spec.h"

namespace pigment {

Tensor reflection_pad2d(const Tensor& x, int pad) {
  OpRun run{OpId::reflection_pad2d, {{x, "input"}}};
  const char* op = run.name();
  check_rank(op, x, 4, "input");
  const std::int64_t n = x.dim(0), c = x.dim(1), h = x.dim(2), w = x.dim(3);
  PIGMENT_CHECK(pad >= 0 && pad < h && pad < w,
                "{}: padding {} must be smaller than the input's height and width (input {}); reflection cannot "
                "mirror more pixels than the edge has",
                op, pad, x.shape().str());
  Tensor y = run.output({n, c, h + 2 * pad, w + 2 * pad});
  run.kernels(
      [&]<class T>() { cpu::reflection_pad2d_forward<T>(n * c, h, w, pad, x.data<T>(), y.data<T>()); },
      [&](auto& ctx) { cuda::reflection_pad2d_forward(ctx, n * c, h, w, pad, x.data<float>(), y.data<float>()); });
  run.record({}, [x_shape = x.shape(), pad](const autograd::BackwardContext& ctx) {
    return std::vector<Tensor>{reflection_pad2d_adjoint(ctx.grad(), x_shape, pad)};
  });
  return y;
}

Tensor reflection_pad2d_adjoint(const Tensor& dy, const Shape& x_shape, int pad) {
  PIGMENT_CHECK(dy.shape() == Shape({x_shape[0], x_shape[1], x_shape[2] + 2 * pad, x_shape[3] + 2 * pad}),
                "reflection_pad2d backward: gradient {} does not match input {} padded by {}", dy.shape().str(),
                x_shape.str(), pad);
  Tensor dx = Tensor::empty(x_shape, dy.dtype(), dy.device());
  run_kernels(OpId::reflection_pad2d, dy,
      [&]<class T>() {
        cpu::reflection_pad2d_backward<T>(x_shape[0] * x_shape[1], x_shape[2], x_shape[3], pad, dy.data<T>(),
                                          dx.data<T>());
      },
      [&](auto& cuda_ctx) {
        cuda::reflection_pad2d_backward(cuda_ctx, x_shape[0] * x_shape[1], x_shape[2], x_shape[3], pad,
                                        dy.data<float>(), dx.data<float>());
      });
  return dx;
}

OpSpec make_spec_reflection_pad2d() {
  OpSpec spec{OpId::reflection_pad2d};
  spec.cuda_tolerance = kDeviceMath;
  struct Case {
    Shape x;
    int pad;
  };
  const Case cases[] = {{{1, 1, 2, 2}, 1}, {{3, 5, 7, 7}, 3}, {{2, 3, 4, 9}, 3}, {{1, 2, 1, 1}, 0}, {{1, 3, 31, 31}, 1}};
  for (const Case& c : cases) {
    const double out = static_cast<double>(c.x[0] * c.x[1] * (c.x[2] + 2 * c.pad) * (c.x[3] + 2 * c.pad));
    spec.cases.push_back(OpCase{
        fmt::format("x{} pad {}", c.x.str(), c.pad),
        [c](Rng& g, DType t, const Device& d) { return std::vector<Tensor>{random_tensor(c.x, g, t, d)}; },
        [c](const std::vector<Tensor>& in) { return std::vector<Tensor>{reflection_pad2d(in[0], c.pad)}; }, 0.0,
        4.0 * (static_cast<double>(c.x.numel()) + out)});
  }
  spec.layer_cases.push_back(detail::tensor_case(
      "resnet_9blocks res-block pad x[1, 256, 64, 64]", {{1, 256, 64, 64}},
      [](const auto& in) { return std::vector<Tensor>{reflection_pad2d(in[0], 1)}; }, 0, 8.0 * 256 * 66 * 66));
  return spec;
}

}  // namespace pigment
