#include "kernels/ops/conv.h"

#include "engine/views.h"
#include "kernels/ops/spec.h"
#include "kernels/ops/shape.h"
#include "kernels/ops/reduce.h"

namespace pigment {

Tensor reflect_padded_cpu(const Tensor& x, int pad) {
  Tensor padded = Tensor::empty({x.dim(0), x.dim(1), x.dim(2) + 2 * pad, x.dim(3) + 2 * pad}, x.dtype(), x.device());
  visit_dtype(x.dtype(), [&]<class T>() {
    cpu::reflection_pad2d_forward<T>(x.dim(0) * x.dim(1), x.dim(2), x.dim(3), pad, x.data<T>(), padded.data<T>());
  });
  return padded;
}

Tensor conv2d_input_grad(const Tensor& dy, const Tensor& w, const ConvGeometry& g) {
  if (!g.reflect) return conv_transpose2d(dy, w, Tensor(), adjoint_params(g));
  const Tensor d_padded = conv_transpose2d(dy, w, Tensor(), adjoint_params(g.on_padded_image()));
  return reflection_pad2d_adjoint(d_padded, Shape{g.n, g.c, g.h, g.w}, g.pad);
}

void check_conv_operands(const char* op, const Shape& x, const Shape& w, const char* weight_layout, int stride,
                         int padding, int weight_channel_dim) {
  PIGMENT_CHECK(x.rank() == 4, "{}: input must have 4 dimensions (N, C, H, W), got {}", op, x.str());
  PIGMENT_CHECK(w.rank() == 4, "{}: weight must have 4 dimensions ({}), got {}", op, weight_layout, w.str());
  PIGMENT_CHECK(stride >= 1 && padding >= 0, "{}: stride must be ≥ 1 and padding ≥ 0, got stride {} padding {}", op,
                stride, padding);
  const std::int64_t expected = w[weight_channel_dim];
  PIGMENT_CHECK(x[1] == expected, "{}: input {} has {} channels but weight {} expects {}", op, x.str(), x[1], w.str(),
                expected);
}

ConvGeometry conv2d_geometry(const char* op, const Shape& x, const Shape& w, Conv2dParams p) {
  check_conv_operands(op, x, w, "out channels, in channels, kh, kw", p.stride, p.padding, 1);
  PIGMENT_CHECK(p.pad_mode == PadMode::zeros || (p.padding < x[2] && p.padding < x[3]),
                "{}: reflection padding {} must be smaller than the input's height and width (input {}); "
                "reflection cannot mirror more pixels than the edge has",
                op, p.padding, x.str());
  PIGMENT_CHECK(x[2] + 2 * p.padding >= w[2] && x[3] + 2 * p.padding >= w[3],
                "{}: input {} is smaller than the {}×{} kernel even with padding {}; it needs H, W ≥ {}, {}", op,
                x.str(), w[2], w[3], p.padding, w[2] - 2 * p.padding, w[3] - 2 * p.padding);
  // Output side: ⌊(H + 2p − kh)/s⌋ + 1.
  const std::int64_t oh = (x[2] + 2 * p.padding - w[2]) / p.stride + 1, ow = (x[3] + 2 * p.padding - w[3]) / p.stride + 1;
  return ConvGeometry{.n = x[0], .c = x[1], .h = x[2], .w = x[3], .k = w[0], .oh = oh, .ow = ow, .kh = w[2],
                      .kw = w[3], .stride = p.stride, .pad = p.padding, .reflect = p.pad_mode == PadMode::reflect};
}

void check_conv_bias(const char* op, const Tensor& bias, std::int64_t channels, const Tensor& w) {
  PIGMENT_CHECK(!bias.defined() || bias.shape() == Shape{channels}, "{}: bias must be [{}] for weight {}, got {}", op,
                channels, w.shape().str(), bias.shape().str());
}

Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& bias, Conv2dParams p) {
  OpRun run{OpId::conv2d, {{x, "input"}, {w, "weight"}, {bias, "bias", OpRun::optional}}};
  const char* op = run.name();
  const ConvGeometry g = conv2d_geometry(op, x.shape(), w.shape(), p);
  check_conv_bias(op, bias, g.k, w);
  Tensor y = run.output({g.n, g.k, g.oh, g.ow});
  run.kernels(
      [&]<class T>() {
        // The CPU reference convolves an explicitly reflection-padded copy.
        const Tensor xin = g.reflect ? reflect_padded_cpu(x, g.pad) : x;
        const ConvGeometry gin = g.reflect ? g.on_padded_image() : g;
        cpu::conv2d_forward<T>(gin, xin.data<T>(), w.data<T>(), data_or_null<T>(bias), y.data<T>(),
                               cpu::conv_workspace<T>(x.context(), gin));
      },
      [&](auto& ctx) {
        cuda::conv2d_forward(ctx, g, x.data<float>(), w.data<float>(), data_or_null<float>(bias), y.data<float>());
      });
  x.context().add_flops(2.0 * g.macs());
  run.record(
      {x, w},
      [g, p](const autograd::BackwardContext& ctx) {
        const Tensor& dy = ctx.grad();
        std::vector<Tensor> grads(3);
        if (ctx.needs(0)) grads[0] = conv2d_input_grad(dy, ctx.saved(1), g);
        if (ctx.needs(1)) grads[1] = conv2d_weight_grad(ctx.saved(0), dy, g.kh, g.kw, p);
        if (ctx.needs(2)) grads[2] = reshape(sum(dy, {0, 2, 3}), {g.k});
        return grads;
      },
      g.reflect ? autograd::DoubleBackward::unsupported : autograd::DoubleBackward::supported);
  return y;
}

// ---- Spec ---------------------------------------------------------------------------------------------
namespace {
struct ConvCase {
  Shape x, w;
  Conv2dParams p;
  bool bias;
};
}  // namespace

namespace detail {
const std::vector<ReferenceConvLayer>& reference_conv_layers() {
  static const std::vector<ReferenceConvLayer> layers{
      {"resnet_9blocks stem 7×7", {1, 3, 262, 262}, {64, 3, 7, 7}, {1, 0}},
      {"resnet_9blocks down 1", {1, 64, 256, 256}, {128, 64, 3, 3}, {2, 1}},
      {"resnet_9blocks down 2", {1, 128, 128, 128}, {256, 128, 3, 3}, {2, 1}},
      {"resnet_9blocks res-block 3×3", {1, 256, 66, 66}, {256, 256, 3, 3}, {1, 0}},
      // The same conv as the network runs it: reading through the reflection (x before padding).
      {"resnet_9blocks res-block 3×3 reflect", {1, 256, 64, 64}, {256, 256, 3, 3}, {1, 1, PadMode::reflect}},
      {"resnet_9blocks out 7×7", {1, 64, 262, 262}, {3, 64, 7, 7}, {1, 0}},
      {"unet_256 down 1", {1, 3, 256, 256}, {64, 3, 4, 4}, {2, 1}},
      {"unet_256 down 2", {1, 64, 128, 128}, {128, 64, 4, 4}, {2, 1}},
      {"unet_256 down 4", {1, 256, 32, 32}, {512, 256, 4, 4}, {2, 1}},
      {"unet_256 down 6", {1, 512, 8, 8}, {512, 512, 4, 4}, {2, 1}},
      {"unet_256 innermost down", {1, 512, 2, 2}, {512, 512, 4, 4}, {2, 1}},
      {"PatchGAN layer 1 (pix2pix)", {1, 6, 256, 256}, {64, 6, 4, 4}, {2, 1}},
      {"PatchGAN layer 3", {1, 128, 64, 64}, {256, 128, 4, 4}, {2, 1}},
      {"PatchGAN layer 4 (stride 1)", {1, 256, 32, 32}, {512, 256, 4, 4}, {1, 1}},
      {"PatchGAN logits", {1, 512, 31, 31}, {1, 512, 4, 4}, {1, 1}},
  };
  return layers;
}
}  // namespace detail

OpSpec make_spec_conv2d() {
  OpSpec spec{OpId::conv2d};
  spec.cuda_tolerance = kTf32Products;
  const ConvCase cases[] = {
      {{1, 1, 1, 1}, {1, 1, 1, 1}, {1, 0}, true},     // 1×1 everything
      {{3, 5, 7, 7}, {4, 5, 3, 3}, {1, 1}, true},     // batch 3, res-block style 3×3
      {{2, 3, 31, 31}, {6, 3, 4, 4}, {2, 1}, true},   // U-Net / PatchGAN down conv, odd size
      {{1, 5, 7, 9}, {3, 5, 3, 3}, {2, 0}, false},    // odd, non-square, no bias
      {{3, 2, 8, 8}, {1, 2, 7, 7}, {1, 3}, true},     // the ResNet's 7×7 stem
      {{3, 6, 5, 7}, {5, 6, 1, 1}, {1, 0}, true},     // 1×1 conv (im2col-free path)
      {{1, 3, 2, 2}, {2, 3, 4, 4}, {2, 1}, true},     // 2×2 input, kernel larger than the image
      {{3, 5, 7, 7}, {4, 5, 3, 3}, {1, 1, PadMode::reflect}, true},   // the res-block conv, reflection padded
      {{2, 3, 8, 8}, {3, 3, 7, 7}, {1, 3, PadMode::reflect}, true},   // the ResNet's 7×7 stem and head
      {{1, 2, 2, 2}, {3, 2, 3, 3}, {1, 1, PadMode::reflect}, false},  // reflection of a 2×2 image
      {{1, 3, 9, 6}, {2, 3, 3, 3}, {2, 2, PadMode::reflect}, true},   // stride 2, odd and even sides
  };
  for (const ConvCase& c : cases) {
    const ConvGeometry g = conv2d_geometry("conv2d", c.x, c.w, c.p);
    spec.cases.push_back(OpCase{
        fmt::format("x{} w{} s{} p{}{}{}", c.x.str(), c.w.str(), c.p.stride, c.p.padding,
                    c.p.pad_mode == PadMode::reflect ? " reflect" : "", c.bias ? "" : " no-bias"),
        [c](Rng& gen, DType t, const Device& d) {
          return std::vector<Tensor>{random_tensor(c.x, gen, t, d), random_tensor(c.w, gen, t, d),
                                     c.bias ? random_tensor({c.w[0]}, gen, t, d) : Tensor()};
        },
        [c](const std::vector<Tensor>& in) { return std::vector<Tensor>{conv2d(in[0], in[1], in[2], c.p)}; },
        2.0 * g.macs(),
        4.0 * static_cast<double>(c.x.numel() + c.w.numel() + g.n * g.k * g.oh * g.ow)});
  }
  for (const detail::ReferenceConvLayer& l : detail::reference_conv_layers()) {
    const ConvGeometry g = conv2d_geometry("conv2d", l.x, l.w, l.p);
    spec.layer_cases.push_back(detail::tensor_case(
        fmt::format("{} x{} w{}", l.net, l.x.str(), l.w.str()), {l.x, l.w, Shape{l.w[0]}},
        [p = l.p](const auto& in) { return std::vector<Tensor>{conv2d(in[0], in[1], in[2], p)}; }, 2 * g.macs(),
        4.0 * static_cast<double>(l.x.numel() + l.w.numel() + g.n * g.k * g.oh * g.ow)));
  }
  return spec;
}

}  // namespace pigment
