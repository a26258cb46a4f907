#include "nets/memory/key_network.h"

#include <cmath>

#include "engine/views.h"
#include "kernels/ops.h"

namespace pigment::nets {

namespace {
// torchvision's BasicBlock: relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)), the shortcut a
// 1×1 stride-s conv and a batch norm when the shape changes.
class BasicBlock final : public Module {
 public:
  BasicBlock(std::int64_t in, std::int64_t out, int stride, const Device& device) {
    conv1_ = &register_module("conv1", std::make_unique<Conv2d>(in, out, 3, stride, 1, false, device));
    bn1_ = &register_module("bn1", std::make_unique<BatchNorm2d>(out, device));
    conv2_ = &register_module("conv2", std::make_unique<Conv2d>(out, out, 3, 1, 1, false, device));
    bn2_ = &register_module("bn2", std::make_unique<BatchNorm2d>(out, device));
    if (stride != 1 || in != out) {
      auto& d = register_module("downsample", std::make_unique<Sequential>());
      d.add(std::make_unique<Conv2d>(in, out, 1, stride, 0, false, device));
      d.add(std::make_unique<BatchNorm2d>(out, device));
      downsample_ = &d;
    }
  }
  Tensor forward(const Tensor& x) override {
    const Tensor y = bn2_->forward(conv2_->forward(relu(bn1_->forward(conv1_->forward(x)))));
    return relu(add(y, downsample_ ? downsample_->forward(x) : x));
  }

 private:
  Conv2d *conv1_, *conv2_;
  BatchNorm2d *bn1_, *bn2_;
  Sequential* downsample_ = nullptr;
};

// ResNet-18 up to its global average pool: [N, 3, H, W] → [N, 8·width].
class ResNetTrunk final : public Module {
 public:
  ResNetTrunk(int width, const Device& device) {
    conv1_ = &register_module("conv1", std::make_unique<Conv2d>(3, width, 7, 2, 3, false, device));
    bn1_ = &register_module("bn1", std::make_unique<BatchNorm2d>(width, device));
    std::int64_t in = width;
    for (int l = 0; l < 4; ++l) {
      const std::int64_t out = std::int64_t{width} << l;
      auto& layer = register_module(fmt::format("layer{}", l + 1), std::make_unique<Sequential>());
      layer.add(std::make_unique<BasicBlock>(in, out, l == 0 ? 1 : 2, device));
      layer.add(std::make_unique<BasicBlock>(out, out, 1, device));
      layers_[l] = &layer;
      in = out;
    }
  }
  Tensor forward(const Tensor& x) override {
    Tensor y = max_pool2d(relu(bn1_->forward(conv1_->forward(x))), 3, 2, 1);
    for (Sequential* layer : layers_) y = layer->forward(y);
    return reshape(mean(y, {2, 3}), {y.dim(0), y.dim(1)});
  }

 private:
  Conv2d* conv1_;
  BatchNorm2d* bn1_;
  Sequential* layers_[4] = {};
};

// The weight-free descriptor: [N, 1, H, W] (L, model scaling) → [N, 64 + 128].
class Descriptor final : public Module {
 public:
  explicit Descriptor(const Device& device) {
    // The Sobel derivatives combined into 8 orientations θ_k = k·45°: cos θ·∂x + sin θ·∂y.
    const double sx[9] = {-1, 0, 1, -2, 0, 2, -1, 0, 1}, sy[9] = {-1, -2, -1, 0, 0, 0, 1, 2, 1};
    std::vector<double> w(8 * 9);
    for (int k = 0; k < 8; ++k)
      for (int i = 0; i < 9; ++i) w[static_cast<std::size_t>(k * 9 + i)] = std::cos(k * M_PI / 4) * sx[i] + std::sin(k * M_PI / 4) * sy[i];
    orientations_ = Tensor::from_vector({8, 1, 3, 3}, w, device, DType::f32);
  }
  Tensor forward(const Tensor& L) override {
    const std::int64_t n = L.dim(0), h = L.dim(2), w = L.dim(3);
    PIGMENT_CHECK(h % 8 == 0 && w % 8 == 0, "descriptor: takes H and W that are multiples of 8, got {}×{}", h, w);
    auto box = [&](const Tensor& planes, std::int64_t cells) {  // [P, 1, H, W] → means over cells×cells blocks
      const std::int64_t ch = h / cells, cw = w / cells;
      PIGMENT_CHECK(ch == cw, "descriptor: takes square images, got {}×{}", h, w);
      const Tensor kernel = Tensor::full({1, 1, ch, cw}, 1.0 / static_cast<double>(ch * cw), DType::f32, L.device());
      return conv2d(planes, kernel, Tensor(), {static_cast<int>(ch), 0});
    };
    const Tensor thumb = reshape(box(L, 8), {n, 64});
    const Tensor gradients = relu(conv2d(L, orientations_, Tensor(), {1, 1}));  // [N, 8, H, W]
    const Tensor histograms = reshape(box(reshape(gradients, {n * 8, 1, h, w}), 4), {n, 128});
    return concat({l2_normalize(sub(thumb, expand(mean(thumb, {1}), thumb.shape()))), l2_normalize(histograms)}, 1);
  }

 private:
  Tensor orientations_;  // fixed weights, not parameters
};

// L (model scaling) → the gray sRGB image normalised as torchvision's ImageNet models expect:
// gray ≈ 1.055·((L + 16)/116)^1.25 − 0.055 (the CIE and sRGB curves' power-law parts; at most 0.034
// off in the darkest tones), then (gray − mean_c)/std_c for c = R, G, B.
Tensor imagenet_gray(const Tensor& L) {
  const Tensor gray = scale(pow(scale(L, 50.0 / 116.0, 66.0 / 116.0), 1.25), 1.055, -0.055);
  const double mean[3] = {0.485, 0.456, 0.406}, stddev[3] = {0.229, 0.224, 0.225};
  std::vector<Tensor> channels;
  for (int c = 0; c < 3; ++c) channels.push_back(scale(gray, 1.0 / stddev[c], -mean[c] / stddev[c]));
  return concat(channels, 1);
}
}  // namespace

KeyNetwork::KeyNetwork(const KeyNetworkOptions& o, const Device& device) : options_(o) {
  PIGMENT_CHECK(o.width >= 1 && o.query_dims >= 1, "key network: width {} and query_dims {} must be positive", o.width,
                o.query_dims);
  if (o.arch == KeyNetArch::resnet18) {
    PIGMENT_CHECK(o.bins >= 1, "key network: resnet18 needs the bins it predicts");
    extractor_ = &register_module("trunk", std::make_unique<ResNetTrunk>(o.width, device));
    fc_ = &register_module("fc", std::make_unique<Linear>(feature_dims(), o.bins, true, device));
  } else {
    extractor_ = &register_module("descriptor", std::make_unique<Descriptor>(device));
  }
  query_ = &register_module("query", std::make_unique<Linear>(feature_dims(), o.query_dims, true, device));
}

std::int64_t KeyNetwork::feature_dims() const {
  return options_.arch == KeyNetArch::resnet18 ? 8 * std::int64_t{options_.width} : 64 + 128;
}

Tensor KeyNetwork::features(const Tensor& L) {
  return options_.arch == KeyNetArch::resnet18 ? extractor_->forward(imagenet_gray(L)) : extractor_->forward(L);
}

Tensor KeyNetwork::distribution_logits(const Tensor& f) {
  PIGMENT_CHECK(fc_, "key network: the descriptor predicts no distribution");
  return fc_->forward(f);
}

Tensor KeyNetwork::query(const Tensor& f) { return l2_normalize(query_->forward(f)); }

std::unique_ptr<Network> make_key_network(const KeyNetworkOptions& o, const Device& device) {
  const std::string arch = o.arch == KeyNetArch::resnet18 ? fmt::format("resnet18 (width {})", o.width) : "descriptor";
  const std::int64_t multiple = o.arch == KeyNetArch::resnet18 ? 32 : 8;
  auto check = [arch, multiple](const Shape& x) {
    PIGMENT_CHECK(x.rank() == 4 && x[1] == 1, "key network {}: takes L [N, 1, H, W], got {}", arch, x.str());
    PIGMENT_CHECK(x[2] % multiple == 0 && x[3] % multiple == 0 && x[2] >= multiple,
                  "key network {}: takes H and W that are multiples of {}, got {}×{}", arch, multiple, x[2], x[3]);
  };
  return std::make_unique<Network>(arch, std::make_unique<KeyNetwork>(o, device), device, check);
}

int load_torchvision_weights(Network& key_network, const std::filesystem::path& file) {
  const SafetensorsContents contents = load_safetensors(file, key_network.device());
  int copied = 0;
  for (const auto& [name, t] : key_network.state_dict()) {
    if (!name.starts_with("trunk.")) continue;
    const std::string theirs = name.substr(6);
    const Tensor source = contents.find(theirs);
    PIGMENT_CHECK(source.defined(), "{}: no '{}' — not a torchvision ResNet-18 state_dict? (convert one with "
                                    "tools/convert_reference_checkpoint.py)", file.string(), theirs);
    PIGMENT_CHECK(source.shape() == t.shape(), "{}: '{}' is {}, the key network's is {} (a ResNet-18 of width 64 "
                                               "takes torchvision's weights: --key_width 64)",
                  file.string(), theirs, source.shape().str(), t.shape().str());
    t.copy_from(source);
    ++copied;
  }
  return copied;
}

}  // namespace pigment::nets
