#include "nets/memory/memory_generator.h"

#include "engine/views.h"
#include "kernels/ops.h"

namespace pigment::nets {

namespace {
constexpr std::int64_t kMlpWidth = 256;
}  // namespace

MemoryGenerator::MemoryGenerator(const GeneratorOptions& options, std::int64_t value_dims, const Device& device,
                                 Rng* dropout_rng) {
  PIGMENT_CHECK(options.arch.is_unet(), "memory colorizer: the generator is a U-Net with AdaIN (unet_<N>d, unet_256, "
                                        "unet_128, sa_unet_…), not {}", options.arch.name());
  GeneratorOptions o = options;
  o.norm = NormType::adain;
  unet_ = &register_module("unet", make_unet(o, device, dropout_rng));
  unet_->visit([&](Module& m) {
    if (auto* a = dynamic_cast<AdaIN2d*>(&m)) {
      adain_.push_back(a);
      adain_numbers_ += 2 * a->channels();
    }
  });
  auto& mlp = register_module("mlp", std::make_unique<Sequential>());
  mlp.add(std::make_unique<Linear>(value_dims, kMlpWidth, true, device));
  mlp.add(std::make_unique<ReLU>());
  mlp.add(std::make_unique<Linear>(kMlpWidth, kMlpWidth, true, device));
  mlp.add(std::make_unique<ReLU>());
  mlp.add(std::make_unique<Linear>(kMlpWidth, adain_numbers_, true, device));
  mlp_ = &mlp;
}

void MemoryGenerator::set_colour(const Tensor& values) {
  const Tensor style = mlp_->forward(values);  // [N, Σ 2C]: each layer's γ − 1, then its β
  std::vector<std::int64_t> sizes;
  for (const AdaIN2d* a : adain_) sizes.insert(sizes.end(), {a->channels(), a->channels()});
  const std::vector<Tensor> parts = split(style, sizes, 1);
  for (std::size_t i = 0; i < adain_.size(); ++i)
    adain_[i]->set_style(scale(parts[2 * i], 1.0, 1.0), parts[2 * i + 1]);
}

ConditionedDiscriminator::ConditionedDiscriminator(const DiscriminatorOptions& options, std::int64_t value_dims,
                                                   const Device& device) {
  condition_ = &register_module("condition", std::make_unique<Linear>(value_dims, kConditionChannels, true, device));
  DiscriminatorOptions o = options;
  o.input_nc += static_cast<int>(kConditionChannels);
  patchgan_ = &register_module("patchgan", make_patchgan(o, device));
}

void ConditionedDiscriminator::set_condition(const Tensor& values) { projected_ = condition_->forward(values); }

Tensor ConditionedDiscriminator::forward(const Tensor& image) {
  PIGMENT_CHECK(projected_.defined() && projected_.dim(0) == image.dim(0),
                "conditioned discriminator: set_condition with the batch's colour features before the forward");
  const Shape tiled{image.dim(0), kConditionChannels, image.dim(2), image.dim(3)};
  const Tensor condition = expand(reshape(projected_, {image.dim(0), kConditionChannels, 1, 1}), tiled);
  return patchgan_->forward(concat({image, condition}, 1));
}

std::unique_ptr<Network> make_memory_generator(const GeneratorOptions& options, std::int64_t value_dims,
                                               const Device& device, Rng* dropout_rng) {
  const std::string arch = options.arch.name() + " + AdaIN";
  const std::int64_t multiple = options.arch.input_multiple();
  const int channels = options.input_nc;
  auto check = [arch, multiple, channels](const Shape& x) {
    PIGMENT_CHECK(x.rank() == 4 && x[1] == channels, "{}: takes [N, {}, H, W], got {}", arch, channels, x.str());
    PIGMENT_CHECK(x[2] % multiple == 0 && x[3] % multiple == 0,
                  "{}: takes H and W that are multiples of {}, got {}×{}; use --crop_size {}", arch, multiple, x[2],
                  x[3], multiple);
  };
  return std::make_unique<Network>(arch, std::make_unique<MemoryGenerator>(options, value_dims, device, dropout_rng),
                                   device, check);
}

std::unique_ptr<Network> make_conditioned_discriminator(const DiscriminatorOptions& options, std::int64_t value_dims,
                                                        const Device& device) {
  const int channels = options.input_nc;
  auto check = [channels](const Shape& x) {
    PIGMENT_CHECK(x.rank() == 4 && x[1] == channels, "conditioned discriminator: takes [N, {}, H, W], got {}", channels,
                  x.str());
  };
  return std::make_unique<Network>("conditioned PatchGAN",
                                   std::make_unique<ConditionedDiscriminator>(options, value_dims, device), device,
                                   check);
}

}  // namespace pigment::nets
