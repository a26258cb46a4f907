#pragma once
// The layers the reference networks are built from, each a thin Module over one op of kernels/,
// with PyTorch's parameter names and shapes. Parameters are created on the network's device;
// their values are set by Network::init_weights (or a loaded checkpoint).
#include <cstdint>
#include <memory>
#include <vector>

#include "engine/names.h"
#include "engine/rng.h"
#include "kernels/ops.h"
#include "nets/module.h"

namespace pigment::nets {

// adain: instance norm with a scale and shift per sample supplied from outside (AdaIN2d) — the
// memory colorizer's generator's; not a --norm choice (kNormNames), a model asks for it.
enum class NormType { batch, instance, none, adain };
inline constexpr EnumNames<NormType, 3> kNormNames{
    {{{"batch", NormType::batch}, {"instance", NormType::instance}, {"none", NormType::none}}}};

// With PadMode::reflect the conv reads its input through a reflection padding (the reference's
// ReflectionPad2d + Conv2d(padding 0)) without writing the padded copy.
class Conv2d final : public Module {
 public:
  Conv2d(std::int64_t in, std::int64_t out, int kernel, int stride, int padding, bool bias, const Device& device,
         PadMode pad_mode = PadMode::zeros);
  Tensor forward(const Tensor& x) override { return conv2d(x, weight, bias, params); }
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

// Affine off, no running statistics; `activation` is the (Leaky)ReLU after it when built by
// add_norm_act, applied in the norm's own pass.
// Whole-image instance-norm statistics for tiled inference (tools/inference.h). Modes:
// - record: every InstanceNorm2d given this object appends its input's per-channel mean and
//   biased variance, in the order the layers run (a pass over a whole, scaled-down image);
// - apply: each normalises by the next recorded pair instead of its input's own;
// - refine: the norms before `refine_layer` apply their pairs; that one adds Σx and Σx² of its
//   input over the `owned` part of the tile to `sums` and stops the forward (throws
//   StopAfterRefinedLayer). Over all tiles, whose owned parts partition the image, the sums are
//   the whole image's at full resolution, given the pairs before it are.
// Inference only (batch 1, no gradient).
struct InstanceNormStatistics {
  enum class Mode { own, record, apply, refine };
  Mode mode = Mode::own;
  std::vector<Tensor> means, variances;  // one [C] pair per layer call, on the layers' device
  std::size_t next = 0;                  // apply, refine: the index of the next layer call
  // refine: the layer measured; the owned rectangle [x0, x1) × [y0, y1) in the tile's input pixels
  // (multiples of the net's largest stride, so that it maps to whole pixels at every layer) and
  // the tile's size; Σx, Σx² per channel and the pixel count so far.
  std::size_t refine_layer = 0;
  int tile_width = 0, tile_height = 0, x0 = 0, x1 = 0, y0 = 0, y1 = 0;
  std::vector<double> sum, sum_squares;
  double pixels = 0;
  // refine: the sums become refine_layer's pair (and are cleared).
  void finish_refinement();
};
struct StopAfterRefinedLayer {};

class InstanceNorm2d final : public Module {
 public:
  explicit InstanceNorm2d(NormActivation activation = NormActivation::none()) : activation_(activation) {}
  Tensor forward(const Tensor& x) override { return normalize(x, Tensor()); }
  // act(norm(x)) + residual in one pass: the tail of a ResNet block.
  Tensor forward_plus(const Tensor& x, const Tensor& residual) const { return normalize(x, residual); }
  void use_statistics(InstanceNormStatistics* statistics) { statistics_ = statistics; }

 private:
  Tensor normalize(const Tensor& x, const Tensor& residual) const;
  NormActivation activation_;
  InstanceNormStatistics* statistics_ = nullptr;
};

class BatchNorm2d final : public Module {  // affine, running statistics, momentum 0.1
 public:
  BatchNorm2d(std::int64_t channels, const Device& device);
  Tensor forward(const Tensor& x) override;
  Tensor weight, bias, running_mean, running_var;
  // Data parallelism with --sync_bn: training statistics over every rank's batch (Model::use_communicator).
  distributed::Communicator* sync = nullptr;
};

// Adaptive instance norm (kernels/ops/norm.h: adain): instance norm whose γ, β ([N, C]) are set
// before each forward by the network that owns the layer (set_style), from a colour feature.
class AdaIN2d final : public Module {
 public:
  explicit AdaIN2d(std::int64_t channels) : channels_(channels) {}
  std::int64_t channels() const { return channels_; }
  void set_style(Tensor gamma, Tensor beta) {
    gamma_ = std::move(gamma);
    beta_ = std::move(beta);
  }
  Tensor forward(const Tensor& x) override;

 private:
  std::int64_t channels_;
  Tensor gamma_, beta_;
};

// PyTorch's nn.Linear: y = x·Wᵀ + b, weight [out, in], bias [out] (initialised as convs are).
class Linear final : public Module {
 public:
  Linear(std::int64_t in, std::int64_t out, bool bias, const Device& device);
  Tensor forward(const Tensor& x) override { return linear(x, weight, bias); }
  Tensor weight, bias;
};

class Identity final : public Module {
 public:
  Tensor forward(const Tensor& x) override { return x; }
};

class ReLU final : public Module {
 public:
  Tensor forward(const Tensor& x) override { return relu(x); }
};

class LeakyReLU final : public Module {
 public:
  explicit LeakyReLU(double slope) : slope_(slope) {}
  Tensor forward(const Tensor& x) override { return leaky_relu(x, slope_); }

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

// SAGAN self-attention (kernels/ops/attention.h): query/key 1×1 convs C → C/8, value C → C,
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

// The reference's [ReflectionPad2d(pad), Conv2d(in, out, kernel, stride, padding 0)] as one layer,
// the conv reading through the padding (named by the conv's index; the padding's stays unused).
Conv2d& add_reflect_conv(Sequential& s, int pad, std::int64_t in, std::int64_t out, int kernel, int stride, bool bias,
                         const Device& device);
// The reference's [norm, activation] (activation ReLU: slope 0, LeakyReLU: its slope): one
// InstanceNorm2d applying the activation in its pass for instance norm; the two layers for the
// others, which cannot take it.
void add_norm_act(Sequential& s, NormType norm, std::int64_t channels, NormActivation activation,
                  const Device& device);

}  // namespace pigment::nets
