#include "nets/generators.h"

#include <algorithm>
#include <charconv>
#include <utility>

#include "engine/names.h"

namespace pigment::nets {

namespace {

// ---- ResNet (Johnson et al.), as the reference builds it ------------------------------------------
// out = conv_block(x) + x; conv_block = [ReflPad 1, Conv 3×3, Norm, ReLU, (Dropout), ReflPad 1, Conv,
// Norm], built as [ReflectConv, NormAct, (Dropout), ReflectConv, Norm] — and with instance norm
// the last norm adds the skip in its own pass.
class ResnetBlock final : public Module {
 public:
  ResnetBlock(std::int64_t dim, NormType norm, bool dropout, bool bias, const Device& device, Rng* rng) {
    auto& block = register_module("conv_block", std::make_unique<Sequential>());
    add_reflect_conv(block, 1, dim, dim, 3, 1, bias, device);
    add_norm_act(block, norm, dim, NormActivation::relu(), device);
    if (dropout) block.add(std::make_unique<Dropout>(0.5, rng));
    add_reflect_conv(block, 1, dim, dim, 3, 1, bias, device);
    if (norm == NormType::instance) tail_ = &block.add(std::make_unique<InstanceNorm2d>());
    else block.add(make_norm(norm, dim, device));
    block_ = &block;
  }
  Tensor forward(const Tensor& x) override {
    if (!tail_) return pigment::add(block_->forward(x), x);
    return tail_->forward_plus(block_->forward_first(x, block_->layers() - 1), x);
  }

 private:
  Sequential* block_;
  InstanceNorm2d* tail_ = nullptr;  // the last norm, when it takes the residual
};

class ResnetGenerator final : public Module {
 public:
  ResnetGenerator(const GeneratorOptions& o, int n_blocks, const Device& device, Rng* rng) {
    // Conv biases exactly when the norm is not batch norm (the reference: when it is instance
    // norm; with norm 'none' it drops them too, a quirk we do not copy).
    const bool bias = o.norm != NormType::batch;
    const std::int64_t ngf = o.ngf;
    auto& m = register_module("model", std::make_unique<Sequential>());
    add_reflect_conv(m, 3, o.input_nc, ngf, 7, 1, bias, device);
    add_norm_act(m, o.norm, ngf, NormActivation::relu(), device);
    for (int i = 0; i < 2; ++i) {
      const std::int64_t c = ngf << i;
      m.add(std::make_unique<Conv2d>(c, 2 * c, 3, 2, 1, bias, device));
      add_norm_act(m, o.norm, 2 * c, NormActivation::relu(), device);
    }
    for (int i = 0; i < n_blocks; ++i) m.add(std::make_unique<ResnetBlock>(4 * ngf, o.norm, o.dropout, bias, device, rng));
    for (int i = 0; i < 2; ++i) {
      const std::int64_t c = ngf << (2 - i);
      m.add(std::make_unique<ConvTranspose2d>(c, c / 2, 3, 2, 1, 1, bias, device));
      add_norm_act(m, o.norm, c / 2, NormActivation::relu(), device);
    }
    add_reflect_conv(m, 3, ngf, o.output_nc, 7, 1, true, device);
    m.add(std::make_unique<Tanh>());
    model_ = &m;
  }
  Tensor forward(const Tensor& x) override { return model_->forward(x); }

 private:
  Sequential* model_;
};

// ---- U-Net (Ronneberger et al.; the reference's recursive UnetSkipConnectionBlock) -------------------
// Each non-outermost block returns cat([x, model(x)], channels). With `attention`, a SAGAN block
// runs on that concatenation (sa_unet).
enum class UnetLevel { outermost, middle, innermost };

class UnetBlock final : public Module {
 public:
  UnetBlock(std::int64_t outer_nc, std::int64_t inner_nc, std::int64_t input_nc, std::unique_ptr<Module> sub,
            UnetLevel level, NormType norm, bool dropout, bool attention, const Device& device, Rng* rng)
      : outermost_(level == UnetLevel::outermost) {
    const bool bias = norm != NormType::batch;
    auto& m = register_module("model", std::make_unique<Sequential>());
    auto downconv = [&](std::int64_t in) { return std::make_unique<Conv2d>(in, inner_nc, 4, 2, 1, bias, device); };
    switch (level) {
      case UnetLevel::outermost:
        m.add(std::make_unique<Conv2d>(input_nc, inner_nc, 4, 2, 1, bias, device));
        m.add(std::move(sub));
        m.add(std::make_unique<ReLU>());
        m.add(std::make_unique<ConvTranspose2d>(2 * inner_nc, outer_nc, 4, 2, 1, 0, true, device));
        m.add(std::make_unique<Tanh>());
        break;
      case UnetLevel::innermost:
        m.add(std::make_unique<LeakyReLU>(0.2));
        m.add(downconv(input_nc));
        m.add(std::make_unique<ReLU>());
        m.add(std::make_unique<ConvTranspose2d>(inner_nc, outer_nc, 4, 2, 1, 0, bias, device));
        m.add(make_norm(norm, outer_nc, device));
        break;
      case UnetLevel::middle:
        m.add(std::make_unique<LeakyReLU>(0.2));
        m.add(downconv(input_nc));
        m.add(make_norm(norm, inner_nc, device));
        m.add(std::move(sub));
        m.add(std::make_unique<ReLU>());
        m.add(std::make_unique<ConvTranspose2d>(2 * inner_nc, outer_nc, 4, 2, 1, 0, bias, device));
        m.add(make_norm(norm, outer_nc, device));
        if (dropout) m.add(std::make_unique<Dropout>(0.5, rng));
        break;
    }
    model_ = &m;
    if (attention) attention_ = &register_module("attention", std::make_unique<SelfAttention>(2 * outer_nc, device));
  }
  Tensor forward(const Tensor& x) override {
    // The reference applies LeakyReLU in place to x, changing the skip too; the parent applies
    // ReLU to the concatenation, so using x unchanged gives the same result.
    if (outermost_) return model_->forward(x);
    Tensor y = concat({x, model_->forward(x)}, 1);
    return attention_ ? attention_->forward(y) : y;
  }

 private:
  bool outermost_;
  Sequential* model_;
  SelfAttention* attention_ = nullptr;
};

class UnetGenerator final : public Module {
 public:
  UnetGenerator(const GeneratorOptions& o, int num_downs, bool with_attention, const Device& device, Rng* rng) {
    const std::int64_t ngf = o.ngf;
    // Block d (1 = outermost) outputs the resolution input/2^(d−1); attention after the blocks
    // whose output is input/divisor.
    auto attention_at = [&](int depth) {
      if (!with_attention || depth <= 1) return false;
      const int divisor = 1 << (depth - 1);
      return std::find(o.attention_divisors.begin(), o.attention_divisors.end(), divisor) != o.attention_divisors.end();
    };
    int depth = num_downs;
    std::unique_ptr<Module> block = std::make_unique<UnetBlock>(8 * ngf, 8 * ngf, 8 * ngf, nullptr, UnetLevel::innermost,
                                                                o.norm, false, attention_at(depth), device, rng);
    for (int i = 0; i < num_downs - 5; ++i) {
      --depth;
      block = std::make_unique<UnetBlock>(8 * ngf, 8 * ngf, 8 * ngf, std::move(block), UnetLevel::middle, o.norm,
                                          o.dropout, attention_at(depth), device, rng);
    }
    for (std::int64_t outer : {4 * ngf, 2 * ngf, ngf}) {
      --depth;
      block = std::make_unique<UnetBlock>(outer, 2 * outer, outer, std::move(block), UnetLevel::middle, o.norm, false,
                                          attention_at(depth), device, rng);
    }
    model_ = &register_module("model", std::make_unique<UnetBlock>(o.output_nc, ngf, o.input_nc, std::move(block),
                                                                  UnetLevel::outermost, o.norm, false, false, device,
                                                                  rng));
  }
  Tensor forward(const Tensor& x) override { return model_->forward(x); }

 private:
  UnetBlock* model_;
};

void check_image_input(const std::string& arch, const Shape& x, int channels) {
  PIGMENT_CHECK(x.rank() == 4, "{}: input must be [N, C, H, W], got {}", arch, x.str());
  PIGMENT_CHECK(x[1] == channels, "{}: input {} has {} channels, the network was built for {} (--input_nc)", arch,
                x.str(), x[1], channels);
}

}  // namespace

GeneratorArch GeneratorArch::parse(std::string_view name) {
  if (name == "resnet_9blocks") return {Family::resnet, 9};
  if (name == "resnet_6blocks") return {Family::resnet, 6};
  for (auto [prefix, family] : {std::pair{std::string_view("sa_unet_"), Family::sa_unet},
                                std::pair{std::string_view("unet_"), Family::unet}}) {
    if (!name.starts_with(prefix)) continue;
    const std::string_view rest = name.substr(prefix.size());
    if (rest == "256") return {family, 8};
    if (rest == "128") return {family, 7};
    int levels = 0;
    const auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), levels);
    if (ec == std::errc() && std::string_view(end, rest.data() + rest.size()) == "d" && levels >= 5 && levels <= 12)
      return {family, levels};
    break;
  }
  static constexpr std::string_view kNames[] = {"resnet_9blocks", "resnet_6blocks", "unet_256",    "unet_128",
                                                "sa_unet_256",    "sa_unet_128"};
  const std::string closest = closest_name(name, kNames);
  PIGMENT_FAIL("unknown generator '{}': expected resnet_9blocks, resnet_6blocks, unet_256, unet_128, unet_<N>d "
               "(5 ≤ N ≤ 12), sa_unet_256, sa_unet_128 or sa_unet_<N>d{}",
               name, closest.empty() ? "" : " (did you mean " + closest + "?)");
}

std::string GeneratorArch::name() const {
  if (family == Family::resnet) return fmt::format("resnet_{}blocks", size);
  const char* prefix = family == Family::sa_unet ? "sa_unet_" : "unet_";
  if (size == 8) return std::string(prefix) + "256";
  if (size == 7) return std::string(prefix) + "128";
  return fmt::format("{}{}d", prefix, size);
}

std::unique_ptr<Module> make_unet(const GeneratorOptions& o, const Device& device, Rng* dropout_rng) {
  PIGMENT_CHECK(o.arch.is_unet(), "{} is not a U-Net", o.arch.name());
  const bool attention = o.arch.family == GeneratorArch::Family::sa_unet;
  GeneratorOptions opts = o;
  if (attention && opts.norm != NormType::adain) opts.norm = NormType::instance;  // sa_unet: instance norm throughout
  return std::make_unique<UnetGenerator>(opts, o.arch.size, attention, device, dropout_rng);
}

std::unique_ptr<Network> make_generator(const GeneratorOptions& o, const Device& device, Rng* dropout_rng) {
  PIGMENT_CHECK(o.input_nc >= 1 && o.output_nc >= 1 && o.ngf >= 1,
                "generator: input_nc, output_nc and ngf must be positive (got {}, {}, {})", o.input_nc, o.output_nc,
                o.ngf);
  const int channels = o.input_nc;
  const std::string arch = o.arch.name();
  if (o.arch.family == GeneratorArch::Family::resnet) {
    auto check = [arch, channels](const Shape& x) {
      check_image_input(arch, x, channels);
      PIGMENT_CHECK(x[2] % 4 == 0 && x[3] % 4 == 0 && x[2] >= 8 && x[3] >= 8,
                    "{}: takes H and W that are multiples of 4 and at least 8 (two stride-2 convs and back), got "
                    "{}×{}; crop or pad to e.g. {}×{}",
                    arch, x[2], x[3], std::max<std::int64_t>(8, (x[2] + 3) / 4 * 4),
                    std::max<std::int64_t>(8, (x[3] + 3) / 4 * 4));
    };
    return std::make_unique<Network>(arch, std::make_unique<ResnetGenerator>(o, o.arch.size, device, dropout_rng),
                                     device, check);
  }
  const std::int64_t multiple = std::int64_t{1} << o.arch.size;
  auto check = [arch, channels, multiple](const Shape& x) {
    check_image_input(arch, x, channels);
    PIGMENT_CHECK(x[2] % multiple == 0 && x[3] % multiple == 0,
                  "{}: takes H and W that are multiples of {} ({} stride-2 levels), got {}×{}; use --crop_size "
                  "{} (or {}), or gan-test, which pads any size",
                  arch, multiple, __builtin_ctzll(static_cast<unsigned long long>(multiple)), x[2], x[3], multiple,
                  2 * multiple);
  };
  return std::make_unique<Network>(arch, make_unet(o, device, dropout_rng), device, check);
}

}  // namespace pigment::nets
