#pragma once
// The layers the reference networks are built from, each a thin Module over one op of kernels/,
// with PyTorch's parameter names and shapes. Parameters are created on the network's device;
// their values are set by Network::init_weights (or a loaded checkpoint).
#include <cstdint>
#include <memory>

#include "engine/rng.h"
#include "kernels/all_ops.h"
#include "nets/module.h"

namespace pigment::nets {

enum class NormType { batch, instance, none };
NormType parse_norm(const std::string& name);  // "batch", "instance", "none"

class Conv2d final : public Module {
 public:
  Conv2d(std::int64_t in, std::int64_t out, int kernel, int stride, int padding, bool bias, const Device& device);
  Tensor forward(const Tensor& x) override { return conv2d(x, weight, bias, params); }
  Tensor forward_reflection_padded(const Tensor& x, int pad) override {
    if (params.padding != 0) return Tensor();
    return conv2d(x, weight, bias, {params.stride, pad, PadMode::reflect});
  }
  Tensor weight, bias;  // [out, in, k, k]; [out] or undefined
  Conv2dParams params;
};

class ConvTranspose2d final : public Module {
 public:
  ConvTranspose2d(std::int64_t in, std::int64_t out, int kernel, int stride, int padding, int output_padding,
                  bool bias, const Device& device);
  Tensor forward(const Tensor& x) override { return conv_transpose2d(x, weight, bias, params); }
  Tensor weight, bias;  // [in, out, k, k]; [out] or undefined
  ConvTranspose2dParams params;
};

class InstanceNorm2d final : public Module {  // affine off, no running statistics
 public:
  Tensor forward(const Tensor& x) override { return instance_norm(x); }
  Tensor forward_fused(const Tensor& x, double negative_slope, const Tensor& residual) override {
    return instance_norm(x, Tensor(), Tensor(), 1e-5, {negative_slope}, residual);
  }
};

class BatchNorm2d final : public Module {  // affine, running statistics, momentum 0.1
 public:
  BatchNorm2d(std::int64_t channels, const Device& device);
  Tensor forward(const Tensor& x) override;
  Tensor weight, bias, running_mean, running_var;
};

class Identity final : public Module {
 public:
  Tensor forward(const Tensor& x) override { return x; }
};

class ReLU final : public Module {
 public:
  Tensor forward(const Tensor& x) override { return relu(x); }
  std::optional<double> activation_slope() const override { return 0.0; }
};

class LeakyReLU final : public Module {
 public:
  explicit LeakyReLU(double slope) : slope_(slope) {}
  Tensor forward(const Tensor& x) override { return leaky_relu(x, slope_); }
  std::optional<double> activation_slope() const override { return slope_; }

 private:
  double slope_;
};

class Tanh final : public Module {
 public:
  Tensor forward(const Tensor& x) override { return tanh(x); }
};

class ReflectionPad2d final : public Module {
 public:
  explicit ReflectionPad2d(int pad) : pad_(pad) {}
  Tensor forward(const Tensor& x) override { return reflection_pad2d(x, pad_); }
  std::optional<int> reflection_padding() const override { return pad_; }

 private:
  int pad_;
};

// Dropout draws its masks from the network's generator; identity in evaluation mode.
class Dropout final : public Module {
 public:
  Dropout(double p, Rng* gen) : p_(p), gen_(gen) {}
  Tensor forward(const Tensor& x) override { return training_ ? dropout(x, p_, *gen_) : x; }

 private:
  double p_;
  Rng* gen_;
};

// SAGAN self-attention (kernels/self_attention.h): query/key 1×1 convs C → C/8, value C → C,
// y = γ·attention + x with γ initialised to 0. Names follow the PyTorch peer: query, key, value, gamma.
class SelfAttention final : public Module {
 public:
  SelfAttention(std::int64_t channels, const Device& device);
  Tensor forward(const Tensor& x) override;
  Conv2d *query, *key, *value;
  Tensor gamma;
};

// The norm layer of a NormType for `channels` (Identity for none).
std::unique_ptr<Module> make_norm(NormType norm, std::int64_t channels, const Device& device);

}  // namespace pigment::nets
