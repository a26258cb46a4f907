#include "nets/discriminators.h"

#include <algorithm>

namespace pigment::nets {

namespace {

// Conv 4×4 s2 in→ndf, LeakyReLU; n−1 × [Conv s2, Norm, LeakyReLU] with channels ×2 (capped at
// 8·ndf); Conv s1, Norm, LeakyReLU; Conv s1 → 1. Zero padding 1 throughout.
class NLayerDiscriminator final : public Module {
 public:
  NLayerDiscriminator(const DiscriminatorOptions& o, const Device& device) {
    const bool bias = o.norm != NormType::batch;
    const std::int64_t ndf = o.ndf;
    auto& m = register_module("model", std::make_unique<Sequential>());
    m.add(std::make_unique<Conv2d>(o.input_nc, ndf, 4, 2, 1, true, device));
    m.add(std::make_unique<LeakyReLU>(0.2));
    std::int64_t mult = 1;
    for (int n = 1; n < o.n_layers; ++n) {
      const std::int64_t prev = mult;
      mult = std::min<std::int64_t>(std::int64_t{1} << n, 8);
      m.add(std::make_unique<Conv2d>(ndf * prev, ndf * mult, 4, 2, 1, bias, device));
      add_norm_act(m, o.norm, ndf * mult, NormActivation::leaky_relu(0.2), device);
    }
    const std::int64_t prev = mult;
    mult = std::min<std::int64_t>(std::int64_t{1} << o.n_layers, 8);
    m.add(std::make_unique<Conv2d>(ndf * prev, ndf * mult, 4, 1, 1, bias, device));
    add_norm_act(m, o.norm, ndf * mult, NormActivation::leaky_relu(0.2), device);
    m.add(std::make_unique<Conv2d>(ndf * mult, 1, 4, 1, 1, true, device));
    model_ = &m;
  }
  Tensor forward(const Tensor& x) override { return model_->forward(x); }

 private:
  Sequential* model_;
};

// 1×1 convs: in→ndf, LeakyReLU, ndf→2ndf, Norm, LeakyReLU, 2ndf→1.
class PixelDiscriminator final : public Module {
 public:
  PixelDiscriminator(const DiscriminatorOptions& o, const Device& device) {
    const bool bias = o.norm != NormType::batch;
    auto& net = register_module("net", std::make_unique<Sequential>());
    net.add(std::make_unique<Conv2d>(o.input_nc, o.ndf, 1, 1, 0, true, device));
    net.add(std::make_unique<LeakyReLU>(0.2));
    net.add(std::make_unique<Conv2d>(o.ndf, 2 * o.ndf, 1, 1, 0, bias, device));
    add_norm_act(net, o.norm, 2 * o.ndf, NormActivation::leaky_relu(0.2), device);
    net.add(std::make_unique<Conv2d>(2 * o.ndf, 1, 1, 1, 0, bias, device));
    net_ = &net;
  }
  Tensor forward(const Tensor& x) override { return net_->forward(x); }

 private:
  Sequential* net_;
};

}  // namespace

std::int64_t patchgan_output_size(std::int64_t input, int n_layers) {
  std::int64_t s = input;
  for (int i = 0; i < n_layers; ++i) s = (s + 2 - 4) / 2 + 1;  // k4 s2 p1
  for (int i = 0; i < 2; ++i) s = s + 2 - 4 + 1;             // k4 s1 p1
  return s >= 1 ? s : -1;
}

std::int64_t patchgan_receptive_field(int n_layers) {
  // Backwards from one output pixel: two k4 s1 layers, then n_layers k4 s2 layers.
  std::int64_t rf = 1;
  for (int i = 0; i < 2; ++i) rf += 3;
  for (int i = 0; i < n_layers; ++i) rf = 2 * rf + 2;
  return rf;
}

std::unique_ptr<Module> make_patchgan(const DiscriminatorOptions& o, const Device& device) {
  PIGMENT_CHECK(o.arch != DiscriminatorArch::pixel, "make_patchgan: the pixel discriminator is not a PatchGAN");
  DiscriminatorOptions opts = o;
  if (o.arch == DiscriminatorArch::basic) opts.n_layers = 3;
  PIGMENT_CHECK(opts.n_layers >= 1 && opts.n_layers <= 8, "discriminator n_layers must be in 1..8, got {}", opts.n_layers);
  return std::make_unique<NLayerDiscriminator>(opts, device);
}

std::unique_ptr<Network> make_discriminator(const DiscriminatorOptions& o, const Device& device) {
  PIGMENT_CHECK(o.input_nc >= 1 && o.ndf >= 1, "discriminator: input_nc and ndf must be positive (got {}, {})",
                o.input_nc, o.ndf);
  const int channels = o.input_nc;
  auto check_channels = [channels](const std::string& arch, const Shape& x) {
    PIGMENT_CHECK(x.rank() == 4, "{}: input must be [N, C, H, W], got {}", arch, x.str());
    PIGMENT_CHECK(x[1] == channels, "{}: input {} has {} channels, the discriminator was built for {}", arch, x.str(),
                  x[1], channels);
  };
  const std::string arch(kDiscriminatorNames.name(o.arch));
  if (o.arch == DiscriminatorArch::basic || o.arch == DiscriminatorArch::n_layers) {
    const int layers = o.arch == DiscriminatorArch::basic ? 3 : o.n_layers;
    const std::string name =
        o.arch == DiscriminatorArch::basic ? "basic (70×70 PatchGAN)" : fmt::format("n_layers {}", layers);
    auto check = [name, layers, check_channels](const Shape& x) {
      check_channels(name, x);
      std::int64_t min_side = 1;
      while (patchgan_output_size(min_side, layers) < 1) ++min_side;
      PIGMENT_CHECK(x[2] >= min_side && x[3] >= min_side,
                    "{}: takes H and W of at least {} (it gives one logit per {}×{} patch), got {}×{}", name, min_side,
                    patchgan_receptive_field(layers), patchgan_receptive_field(layers), x[2], x[3]);
    };
    return std::make_unique<Network>(arch, make_patchgan(o, device), device, check);
  }
  auto check = [check_channels](const Shape& x) { check_channels("pixel", x); };
  return std::make_unique<Network>(arch, std::make_unique<PixelDiscriminator>(o, device), device, check);
}

}  // namespace pigment::nets
