// conv2d_weight_grad(x, dy) = dw, the weight gradient of conv2d, as an op of its own so that the
// conv's backward is differentiable. It is bilinear in (x, dy):
//   ⟨G, dw⟩ = Σ G[k,c,i,j] dy[n,k,oy,ox] x[n,c,oy·s−p+i,ox·s−p+j] = ⟨conv2d(x, G), dy⟩,
// so for an upstream gradient G:  d/dx = conv_transpose2d(dy, G),  d/d(dy) = conv2d(x, G).
#include "kernels/ops/conv.h"
#include "kernels/ops/spec.h"

namespace pigment {

Tensor conv2d_weight_grad(const Tensor& x, const Tensor& dy, std::int64_t kh, std::int64_t kw, Conv2dParams p) {
  OpRun run{OpId::conv2d_weight_grad, {{x, "input"}, {dy, "output gradient"}}};
  const char* op = run.name();
  check_rank(op, dy, 4, "output gradient");
  const Shape w_shape{dy.dim(1), x.rank() == 4 ? x.dim(1) : 0, kh, kw};
  const ConvGeometry g = conv2d_geometry(op, x.shape(), w_shape, p);
  PIGMENT_CHECK(dy.shape() == Shape({g.n, g.k, g.oh, g.ow}),
                "{}: output gradient must be [{}, {}, {}, {}] for input {} and a {}×{} kernel, got {}", op, g.n, g.k,
                g.oh, g.ow, x.shape().str(), kh, kw, dy.shape().str());
  Tensor dw = run.output(w_shape);
  run.kernels(
      [&]<class T>() {
        const Tensor xin = g.reflect ? reflect_padded_cpu(x, g.pad) : x;
        const ConvGeometry gin = g.reflect ? g.on_padded_image() : g;
        cpu::conv2d_backward_weight<T>(gin, xin.data<T>(), dy.data<T>(), dw.data<T>(),
                                       cpu::conv_workspace<T>(x.context(), gin));
      },
      [&](auto& ctx) { cuda::conv2d_backward_weight(ctx, g, x.data<float>(), dy.data<float>(), dw.data<float>()); });
  x.context().add_flops(2.0 * g.macs());
  run.record(
      {x, dy},
      [g, p](const autograd::BackwardContext& ctx) {
        const Tensor& grad_w = ctx.grad();
        std::vector<Tensor> grads(2);
        if (ctx.needs(0)) grads[0] = conv2d_input_grad(ctx.saved(1), grad_w, g);
        if (ctx.needs(1)) grads[1] = conv2d(ctx.saved(0), grad_w, Tensor(), p);
        return grads;
      },
      g.reflect ? autograd::DoubleBackward::unsupported : autograd::DoubleBackward::supported);
  return dw;
}

OpSpec make_spec_conv2d_weight_grad() {
  OpSpec spec{OpId::conv2d_weight_grad};
  spec.cuda_tolerance = kTf32Products;
  struct Case {
    Shape x;
    std::int64_t k, kh;
    Conv2dParams p;
  };
  const Case cases[] = {{{1, 1, 1, 1}, 1, 1, {1, 0}},
                        {{3, 5, 7, 7}, 4, 3, {1, 1}},
                        {{2, 3, 9, 11}, 6, 4, {2, 1}},
                        {{3, 5, 7, 7}, 4, 3, {1, 1, PadMode::reflect}},
                        {{1, 2, 5, 8}, 3, 3, {2, 2, PadMode::reflect}}};
  for (const Case& c : cases) {
    const ConvGeometry g = conv2d_geometry("conv2d_weight_grad", c.x, {c.k, c.x[1], c.kh, c.kh}, c.p);
    const Shape dy{g.n, g.k, g.oh, g.ow};
    spec.cases.push_back(OpCase{
        fmt::format("x{} dy{} k{} s{} p{}{}", c.x.str(), dy.str(), c.kh, c.p.stride, c.p.padding,
                    c.p.pad_mode == PadMode::reflect ? " reflect" : ""),
        [c, dy](Rng& gen, DType t, const Device& d) {
          return std::vector<Tensor>{random_tensor(c.x, gen, t, d), random_tensor(dy, gen, t, d)};
        },
        [c](const std::vector<Tensor>& in) {
          return std::vector<Tensor>{conv2d_weight_grad(in[0], in[1], c.kh, c.kh, c.p)};
        },
        2.0 * g.macs(), 4.0 * static_cast<double>(c.x.numel() + dy.numel() + g.k * g.patch())});
  }
  for (const detail::ReferenceConvLayer& l : detail::reference_conv_layers()) {
    const ConvGeometry g = conv2d_geometry("conv2d", l.x, l.w, l.p);
    const Shape dy{g.n, g.k, g.oh, g.ow};
    spec.layer_cases.push_back(detail::tensor_case(
        fmt::format("{} x{} dy{}", l.net, l.x.str(), dy.str()), {l.x, dy},
        [l](const auto& in) { return std::vector<Tensor>{conv2d_weight_grad(in[0], in[1], l.w[2], l.w[3], l.p)}; },
        2 * g.macs(), 4.0 * static_cast<double>(l.x.numel() + l.w.numel() + dy.numel())));
  }
  return spec;
}

}  // namespace pigment
