// The layer shapes of the reference networks at 256², batch 1: what gan-check --device cuda runs
// beside the awkward test shapes of each op's spec.
#include "kernels/all_ops.h"
#include "kernels/crosscheck.h"

namespace pigment {

namespace {
struct ConvLayer {
  const char* net;
  Shape x, w;
  Conv2dParams p;
};
// Inputs as the conv sees them (after any reflection padding).
const ConvLayer kConvLayers[] = {
    {"resnet_9blocks stem 7×7", {1, 3, 262, 262}, {64, 3, 7, 7}, {1, 0}},
    {"resnet_9blocks down 2", {1, 128, 128, 128}, {256, 128, 3, 3}, {2, 1}},
    {"resnet_9blocks res-block 3×3", {1, 256, 66, 66}, {256, 256, 3, 3}, {1, 0}},
    {"resnet_9blocks out 7×7", {1, 64, 262, 262}, {3, 64, 7, 7}, {1, 0}},
    {"unet_256 down 1", {1, 3, 256, 256}, {64, 3, 4, 4}, {2, 1}},
    {"unet_256 down 4", {1, 256, 32, 32}, {512, 256, 4, 4}, {2, 1}},
    {"unet_256 innermost down", {1, 512, 2, 2}, {512, 512, 4, 4}, {2, 1}},
    {"PatchGAN layer 1 (pix2pix)", {1, 6, 256, 256}, {64, 6, 4, 4}, {2, 1}},
    {"PatchGAN layer 4 (stride 1)", {1, 256, 32, 32}, {512, 256, 4, 4}, {1, 1}},
    {"PatchGAN logits", {1, 512, 31, 31}, {1, 512, 4, 4}, {1, 1}},
};
struct ConvTLayer {
  const char* net;
  Shape x, w;
  ConvTranspose2dParams p;
};
const ConvTLayer kConvTLayers[] = {
    {"resnet_9blocks up 1", {1, 256, 64, 64}, {256, 128, 3, 3}, {2, 1, 1, 1}},
    {"resnet_9blocks up 2", {1, 128, 128, 128}, {128, 64, 3, 3}, {2, 1, 1, 1}},
    {"unet_256 innermost up", {1, 512, 1, 1}, {512, 512, 4, 4}, {2, 1, 0, 0}},
    {"unet_256 up at 16²", {1, 1024, 16, 16}, {1024, 256, 4, 4}, {2, 1, 0, 0}},
    {"unet_256 outermost up", {1, 128, 128, 128}, {128, 3, 4, 4}, {2, 1, 0, 0}},
};

OpCase tensor_case(const std::string& label, std::vector<Shape> shapes,
                   std::function<std::vector<Tensor>(const std::vector<Tensor>&)> run, double flops, double bytes) {
  return OpCase{label,
                [shapes](Generator& g, DType t, const Device& d) {
                  std::vector<Tensor> v;
                  for (const Shape& s : shapes) v.push_back(random_tensor(s, g, t, d));
                  return v;
                },
                std::move(run), flops, bytes};
}
}  // namespace

std::vector<OpCase> layer_cases(OpId op) {
  std::vector<OpCase> cases;
  switch (op) {
    case OpId::conv2d:
      for (const ConvLayer& l : kConvLayers) {
        const ConvGeometry g = conv2d_geometry("conv2d", l.x, l.w, l.p);
        cases.push_back(tensor_case(
            fmt::format("{} x{} w{}", l.net, l.x.str(), l.w.str()), {l.x, l.w, Shape{l.w[0]}},
            [p = l.p](const auto& in) { return std::vector<Tensor>{conv2d(in[0], in[1], in[2], p)}; }, 2 * g.macs(),
            4.0 * static_cast<double>(l.x.numel() + l.w.numel() + g.n * g.k * g.oh * g.ow)));
      }
      break;
    case OpId::conv2d_weight_grad:
      for (const ConvLayer& l : kConvLayers) {
        const ConvGeometry g = conv2d_geometry("conv2d", l.x, l.w, l.p);
        const Shape dy{g.n, g.k, g.oh, g.ow};
        cases.push_back(tensor_case(
            fmt::format("{} x{} dy{}", l.net, l.x.str(), dy.str()), {l.x, dy},
            [l](const auto& in) { return std::vector<Tensor>{conv2d_weight_grad(in[0], in[1], l.w[2], l.w[3], l.p)}; },
            2 * g.macs(), 4.0 * static_cast<double>(l.x.numel() + l.w.numel() + dy.numel())));
      }
      break;
    case OpId::conv_transpose2d:
      for (const ConvTLayer& l : kConvTLayers) {
        const ConvGeometry g = conv_transpose2d_geometry("conv_transpose2d", l.x, l.w, l.p);
        cases.push_back(tensor_case(
            fmt::format("{} x{} w{}", l.net, l.x.str(), l.w.str()), {l.x, l.w, Shape{l.w[1]}},
            [p = l.p](const auto& in) { return std::vector<Tensor>{conv_transpose2d(in[0], in[1], in[2], p)}; },
            2 * g.macs(), 4.0 * static_cast<double>(l.x.numel() + l.w.numel() + g.n * g.c * g.h * g.w)));
      }
      break;
    case OpId::instance_norm:
      for (Shape s : {Shape{1, 256, 64, 64}, Shape{1, 64, 256, 256}})
        cases.push_back(tensor_case(fmt::format("resnet_9blocks x{}", s.str()), {s},
                                    [](const auto& in) { return std::vector<Tensor>{instance_norm(in[0])}; },
                                    8.0 * static_cast<double>(s.numel()), 8.0 * static_cast<double>(s.numel())));
      break;
    case OpId::reflection_pad2d:
      cases.push_back(tensor_case("resnet_9blocks res-block pad x[1, 256, 64, 64]", {{1, 256, 64, 64}},
                                  [](const auto& in) { return std::vector<Tensor>{reflection_pad2d(in[0], 1)}; }, 0,
                                  8.0 * 256 * 66 * 66));
      break;
    case OpId::self_attention:
      for (auto [c, hw] : {std::pair<std::int64_t, std::int64_t>{256, 64}, {512, 32}}) {
        const std::int64_t d = c / 8, n = hw * hw;
        const double macs = static_cast<double>((2 * d + c) * c * n + d * n * n + c * n * n);
        const Shape x{1, c, hw, hw};
        cases.push_back(OpCase{
            fmt::format("sa_unet_256 attention x{}", x.str()),
            [x, d](Generator& g, DType t, const Device& dev) { return detail::attention_inputs(x, d, g, t, dev); },
            [](const std::vector<Tensor>& in) {
              return std::vector<Tensor>{self_attention(in[0], in[1], in[2], in[3], in[4], in[5], in[6], in[7])};
            },
            2 * macs, 8.0 * static_cast<double>(c * n)});
      }
      break;
    default:
      break;
  }
  return cases;
}

}  // namespace pigment
