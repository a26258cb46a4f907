#include "nets/layers.h"

#include <algorithm>
#include <tuple>
#include <utility>
#include <vector>

namespace pigment::nets {

Conv2d::Conv2d(std::int64_t in, std::int64_t out, int kernel, int stride, int padding, bool with_bias,
               const Device& device, PadMode pad_mode)
    : params{stride, padding, pad_mode} {
  weight = register_parameter("weight", Tensor::zeros({out, in, kernel, kernel}, DType::f32, device));
  if (with_bias) bias = register_parameter("bias", Tensor::zeros({out}, DType::f32, device));
}

Linear::Linear(std::int64_t in, std::int64_t out, bool with_bias, const Device& device) {
  weight = register_parameter("weight", Tensor::zeros({out, in}, DType::f32, device));
  if (with_bias) bias = register_parameter("bias", Tensor::zeros({out}, DType::f32, device));
}

Tensor AdaIN2d::forward(const Tensor& x) {
  PIGMENT_CHECK(gamma_.defined() && beta_.defined(),
                "AdaIN2d: no style set; the network owning the layer sets γ and β from a colour feature before its "
                "forward");
  return adain(x, gamma_, beta_);
}

ConvTranspose2d::ConvTranspose2d(std::int64_t in, std::int64_t out, int kernel, int stride, int padding,
                                 int output_padding, bool with_bias, const Device& device)
    : params{stride, padding, output_padding, output_padding} {
  weight = register_parameter("weight", Tensor::zeros({in, out, kernel, kernel}, DType::f32, device));
  if (with_bias) bias = register_parameter("bias", Tensor::zeros({out}, DType::f32, device));
}

BatchNorm2d::BatchNorm2d(std::int64_t channels, const Device& device) {
  weight = register_parameter("weight", Tensor::full({channels}, 1.0, DType::f32, device));
  bias = register_parameter("bias", Tensor::zeros({channels}, DType::f32, device));
  running_mean = register_buffer("running_mean", Tensor::zeros({channels}, DType::f32, device));
  running_var = register_buffer("running_var", Tensor::full({channels}, 1.0, DType::f32, device));
}

namespace {
// Adds Σx and Σx² per channel of a [1, C, H, W] tensor over rows [y0, y1) and columns [x0, x1) to
// sum and sum_squares: in double, on the host (an inference pass, not a hot path).
void add_channel_sums(const Tensor& x, std::int64_t x0, std::int64_t x1, std::int64_t y0, std::int64_t y1,
                      std::vector<double>& sum, std::vector<double>& sum_squares) {
  const std::int64_t channels = x.dim(1), h = x.dim(2), w = x.dim(3);
  sum.resize(static_cast<std::size_t>(channels), 0.0);
  sum_squares.resize(static_cast<std::size_t>(channels), 0.0);
  const std::vector<float> v = x.to_vector<float>();
  for (std::int64_t c = 0; c < channels; ++c)
    for (std::int64_t y = y0; y < y1; ++y)
      for (std::int64_t i = x0; i < x1; ++i) {
        const double e = v[static_cast<std::size_t>((c * h + y) * w + i)];
        sum[static_cast<std::size_t>(c)] += e;
        sum_squares[static_cast<std::size_t>(c)] += e * e;
      }
}

// μ = Σx / M and the biased σ² = Σx² / M − μ² per channel, as [C] float32 tensors on `device`.
std::pair<Tensor, Tensor> mean_and_variance(const std::vector<double>& sum, const std::vector<double>& sum_squares,
                                            double pixels, const Device& device) {
  std::vector<double> mean(sum.size()), variance(sum.size());
  for (std::size_t c = 0; c < mean.size(); ++c) {
    mean[c] = sum[c] / pixels;
    variance[c] = std::max(0.0, sum_squares[c] / pixels - mean[c] * mean[c]);
  }
  const auto channels = static_cast<std::int64_t>(mean.size());
  return {Tensor::from_vector<double>({channels}, mean, device, DType::f32),
          Tensor::from_vector<double>({channels}, variance, device, DType::f32)};
}
}  // namespace

Tensor InstanceNorm2d::normalize(const Tensor& x, const Tensor& residual) const {
  using Mode = InstanceNormStatistics::Mode;
  if (!statistics_ || statistics_->mode == Mode::own) return instance_norm(x, Tensor(), Tensor(), 1e-5, activation_, residual);
  PIGMENT_CHECK(x.rank() == 4 && x.dim(0) == 1, "InstanceNorm2d: whole-image statistics take one image, got {}", x.str());
  InstanceNormStatistics& s = *statistics_;
  if (s.mode == Mode::record) {  // μ_c and σ²_c over the whole plane
    std::vector<double> sum, sum_squares;
    add_channel_sums(x, 0, x.dim(3), 0, x.dim(2), sum, sum_squares);
    auto [mean, variance] = mean_and_variance(sum, sum_squares, static_cast<double>(x.dim(2) * x.dim(3)), x.device());
    s.means.push_back(std::move(mean));
    s.variances.push_back(std::move(variance));
    return instance_norm(x, Tensor(), Tensor(), 1e-5, activation_, residual);
  }
  PIGMENT_CHECK(s.next < s.means.size(), "InstanceNorm2d: {} statistics were recorded, layer {} asks for one more",
                s.means.size(), s.next + 1);
  if (s.mode == Mode::refine && s.next == s.refine_layer) {
    // Σx, Σx² over the owned rectangle, scaled to this layer's resolution; the rest of the
    // network is not needed.
    PIGMENT_CHECK(s.tile_width > 0 && s.tile_height > 0, "InstanceNorm2d: refine needs the tile's size");
    auto scaled = [](int v, std::int64_t layer, int tile) { return static_cast<std::int64_t>(v) * layer / tile; };
    const std::int64_t x0 = scaled(s.x0, x.dim(3), s.tile_width), x1 = scaled(s.x1, x.dim(3), s.tile_width);
    const std::int64_t y0 = scaled(s.y0, x.dim(2), s.tile_height), y1 = scaled(s.y1, x.dim(2), s.tile_height);
    add_channel_sums(x, x0, x1, y0, y1, s.sum, s.sum_squares);
    s.pixels += static_cast<double>((x1 - x0) * (y1 - y0));
    throw StopAfterRefinedLayer{};
  }
  const Tensor& mean = s.means[s.next];
  const Tensor& variance = s.variances[s.next];
  ++s.next;
  PIGMENT_CHECK(mean.dim(0) == x.dim(1), "InstanceNorm2d: recorded statistics of {} channels for an input of {}",
                mean.dim(0), x.str());
  // (x − μ)/√(σ² + ε): batch norm's evaluation formula with μ, σ² as its running statistics.
  Tensor y = batch_norm(x, Tensor(), Tensor(), mean, variance, BatchNormParams{false, 0.1, 1e-5});
  if (activation_.negative_slope == 0.0) y = relu(y);
  else if (!activation_.is_none()) y = leaky_relu(y, activation_.negative_slope);
  return residual.defined() ? add(y, residual) : y;
}

void InstanceNormStatistics::finish_refinement() {
  PIGMENT_CHECK(refine_layer < means.size() && pixels > 0, "InstanceNormStatistics: nothing was refined");
  std::tie(means[refine_layer], variances[refine_layer]) =
      mean_and_variance(sum, sum_squares, pixels, means[refine_layer].device());
  sum.clear();
  sum_squares.clear();
  pixels = 0;
}

Tensor BatchNorm2d::forward(const Tensor& x) {
  return batch_norm(x, weight, bias, running_mean, running_var, BatchNormParams{training_, 0.1, 1e-5, sync});
}

SelfAttention::SelfAttention(std::int64_t channels, const Device& device) {
  PIGMENT_CHECK(channels >= 8, "SelfAttention: needs at least 8 channels (query and key have C/8), got {}", channels);
  query = &register_module("query", std::make_unique<Conv2d>(channels, channels / 8, 1, 1, 0, true, device));
  key = &register_module("key", std::make_unique<Conv2d>(channels, channels / 8, 1, 1, 0, true, device));
  value = &register_module("value", std::make_unique<Conv2d>(channels, channels, 1, 1, 0, true, device));
  gamma = register_parameter("gamma", Tensor::zeros({1}, DType::f32, device));
}

Tensor SelfAttention::forward(const Tensor& x) {
  return self_attention(x, query->weight, query->bias, key->weight, key->bias, value->weight, value->bias, gamma);
}

std::unique_ptr<Module> make_norm(NormType norm, std::int64_t channels, const Device& device) {
  switch (norm) {
    case NormType::batch: return std::make_unique<BatchNorm2d>(channels, device);
    case NormType::instance: return std::make_unique<InstanceNorm2d>();
    case NormType::none: return std::make_unique<Identity>();
    case NormType::adain: return std::make_unique<AdaIN2d>(channels);
  }
  return nullptr;
}

Conv2d& add_reflect_conv(Sequential& s, int pad, std::int64_t in, std::int64_t out, int kernel, int stride, bool bias,
                         const Device& device) {
  return s.add_fused(std::make_unique<Conv2d>(in, out, kernel, stride, pad, bias, device, PadMode::reflect), 2, 1);
}

void add_norm_act(Sequential& s, NormType norm, std::int64_t channels, NormActivation activation,
                  const Device& device) {
  if (norm == NormType::instance) {
    s.add_fused(std::make_unique<InstanceNorm2d>(activation), 2, 0);
    return;
  }
  s.add(make_norm(norm, channels, device));
  if (activation.negative_slope == 0.0) s.add(std::make_unique<ReLU>());
  else s.add(std::make_unique<LeakyReLU>(activation.negative_slope));
}

}  // namespace pigment::nets
