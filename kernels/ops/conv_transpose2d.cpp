#include "kernels/ops/conv.h"


#include "engine/views.h"
#include "kernels/ops/spec.h"
#include "kernels/ops/reduce.h"

namespace pigment {

ConvGeometry conv_transpose2d_geometry(const char* op, const Shape& x, const Shape& w, ConvTranspose2dParams p) {
  check_conv_operands(op, x, w, "in channels, out channels, kh, kw", p.stride, p.padding, 0);
  PIGMENT_CHECK(p.output_padding_h >= 0 && p.output_padding_h < p.stride && p.output_padding_w >= 0 &&
                    p.output_padding_w < p.stride,
                "{}: output_padding must be in [0, stride) = [0, {}), got {}×{}", op, p.stride, p.output_padding_h,
                p.output_padding_w);
  // The conv whose input gradient this is: its image side (H − 1)·s − 2p + kh + output padding.
  const std::int64_t h = (x[2] - 1) * p.stride - 2 * p.padding + w[2] + p.output_padding_h;
  const std::int64_t iw = (x[3] - 1) * p.stride - 2 * p.padding + w[3] + p.output_padding_w;
  const ConvGeometry g{.n = x[0], .c = w[1], .h = h, .w = iw, .k = x[1], .oh = x[2], .ow = x[3], .kh = w[2],
                       .kw = w[3], .stride = p.stride, .pad = p.padding};
  PIGMENT_CHECK(g.h >= 1 && g.w >= 1, "{}: input {} with weight {}, stride {}, padding {} gives an empty output ({}×{})",
                op, x.str(), w.str(), p.stride, p.padding, g.h, g.w);
  return g;
}

ConvTranspose2dParams adjoint_params(const ConvGeometry& g) {
  const auto op_h = g.h + 2 * g.pad - g.kh - (g.oh - 1) * g.stride;
  const auto op_w = g.w + 2 * g.pad - g.kw - (g.ow - 1) * g.stride;
  return ConvTranspose2dParams{g.stride, g.pad, static_cast<int>(op_h), static_cast<int>(op_w)};
}

Tensor conv_transpose2d(const Tensor& x, const Tensor& w, const Tensor& bias, ConvTranspose2dParams p) {
  OpRun run{OpId::conv_transpose2d, {{x, "input"}, {w, "weight"}, {bias, "bias", OpRun::optional}}};
  const char* op = run.name();
  const ConvGeometry g = conv_transpose2d_geometry(op, x.shape(), w.shape(), p);
  check_conv_bias(op, bias, g.c, w);
  Tensor y = run.output({g.n, g.c, g.h, g.w});
  run.kernels(
      [&]<class T>() {
        cpu::conv_transpose2d_forward<T>(g, x.data<T>(), w.data<T>(), data_or_null<T>(bias), y.data<T>(),
                                         cpu::conv_workspace<T>(x.context(), g));
      },
      [&](auto& ctx) {
        cuda::conv2d_backward_data(ctx, g, x.data<float>(), w.data<float>(), data_or_null<float>(bias),
                                   y.data<float>());
      });
  x.context().add_flops(2.0 * g.macs());
  run.record(
      {x, w},
      [g](const autograd::BackwardContext& ctx) {
        const Tensor& dy = ctx.grad();
        const Conv2dParams conv{g.stride, g.pad};
        std::vector<Tensor> grads(3);
        if (ctx.needs(0)) grads[0] = conv2d(dy, ctx.saved(1), Tensor(), conv);
        if (ctx.needs(1)) grads[1] = conv2d_weight_grad(dy, ctx.saved(0), g.kh, g.kw, conv);
        if (ctx.needs(2)) grads[2] = reshape(sum(dy, {0, 2, 3}), {g.c});
        return grads;
      },
      autograd::DoubleBackward::supported);
  return y;
}

OpSpec make_spec_conv_transpose2d() {
  OpSpec spec{OpId::conv_transpose2d};
  spec.cuda_tolerance = kTf32Products;
  struct Case {
    Shape x, w;
    ConvTranspose2dParams p;
    bool bias;
  };
  const Case cases[] = {
      {{1, 1, 1, 1}, {1, 1, 1, 1}, {1, 0, 0, 0}, true},
      {{3, 5, 7, 7}, {5, 4, 3, 3}, {2, 1, 1, 1}, true},     // ResNet up-conv: stride 2, output_padding 1
      {{2, 6, 4, 5}, {6, 3, 4, 4}, {2, 1, 0, 0}, true},     // U-Net up-conv 4×4 s2 p1
      {{1, 3, 1, 1}, {3, 2, 4, 4}, {2, 1, 0, 0}, false},    // the U-Net's innermost 1×1 → 2×2
      {{3, 2, 5, 3}, {2, 5, 3, 3}, {3, 0, 2, 1}, true},     // stride 3, unequal output padding
  };
  for (const Case& c : cases) {
    const ConvGeometry g = conv_transpose2d_geometry("conv_transpose2d", c.x, c.w, c.p);
    spec.cases.push_back(OpCase{
        fmt::format("x{} w{} s{} p{} op{}{}", c.x.str(), c.w.str(), c.p.stride, c.p.padding, c.p.output_padding_h,
                    c.bias ? "" : " no-bias"),
        [c](Rng& gen, DType t, const Device& d) {
          return std::vector<Tensor>{random_tensor(c.x, gen, t, d), random_tensor(c.w, gen, t, d),
                                     c.bias ? random_tensor({c.w[1]}, gen, t, d) : Tensor()};
        },
        [c](const std::vector<Tensor>& in) {
          return std::vector<Tensor>{conv_transpose2d(in[0], in[1], in[2], c.p)};
        },
        2.0 * g.macs(), 4.0 * static_cast<double>(c.x.numel() + c.w.numel() + g.n * g.c * g.h * g.w)});
  }
  // The transposed convolutions of resnet_9blocks and unet_256 at 256², batch 1.
  struct Layer {
    const char* net;
    Shape x, w;
    ConvTranspose2dParams p;
  };
  const Layer layers[] = {
      {"resnet_9blocks up 1", {1, 256, 64, 64}, {256, 128, 3, 3}, {2, 1, 1, 1}},
      {"resnet_9blocks up 2", {1, 128, 128, 128}, {128, 64, 3, 3}, {2, 1, 1, 1}},
      {"unet_256 innermost up", {1, 512, 1, 1}, {512, 512, 4, 4}, {2, 1, 0, 0}},
      {"unet_256 up at 16²", {1, 1024, 16, 16}, {1024, 256, 4, 4}, {2, 1, 0, 0}},
      {"unet_256 outermost up", {1, 128, 128, 128}, {128, 3, 4, 4}, {2, 1, 0, 0}},
  };
  for (const Layer& l : layers) {
    const ConvGeometry g = conv_transpose2d_geometry("conv_transpose2d", l.x, l.w, l.p);
    spec.layer_cases.push_back(detail::tensor_case(
        fmt::format("{} x{} w{}", l.net, l.x.str(), l.w.str()), {l.x, l.w, Shape{l.w[1]}},
        [p = l.p](const auto& in) { return std::vector<Tensor>{conv_transpose2d(in[0], in[1], in[2], p)}; },
        2 * g.macs(), 4.0 * static_cast<double>(l.x.numel() + l.w.numel() + g.n * g.c * g.h * g.w)));
  }
  return spec;
}

}  // namespace pigment
