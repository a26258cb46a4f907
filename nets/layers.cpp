#include "nets/layers.h"

namespace pigment::nets {

Conv2d::Conv2d(std::int64_t in, std::int64_t out, int kernel, int stride, int padding, bool with_bias,
               const Device& device, PadMode pad_mode)
    : params{stride, padding, pad_mode} {
  weight = register_parameter("weight", Tensor::zeros({out, in, kernel, kernel}, DType::f32, device));
  if (with_bias) bias = register_parameter("bias", Tensor::zeros({out}, DType::f32, device));
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

Tensor BatchNorm2d::forward(const Tensor& x) {
  return batch_norm(x, weight, bias, running_mean, running_var, BatchNormParams{training_, 0.1, 1e-5});
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
