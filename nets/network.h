#pragma once
// Network: a generator or discriminator — the Module tree, its flat ParameterSet, its buffers —
// with the operations the models and the trainer need: init as the reference does, state_dict in
// and out (safetensors with the reference's key names), train/eval, freeze, input-size checks.
#include <functional>
#include <memory>
#include <string>

#include "engine/init.h"
#include "engine/parameters.h"
#include "nets/module.h"

namespace pigment::nets {

class Network {
 public:
  // `check_input` throws, naming the sizes the net can take, for an input it cannot.
  Network(std::string arch, std::unique_ptr<Module> root, const Device& device,
          std::function<void(const Shape&)> check_input);

  Tensor forward(const Tensor& x);
  Tensor operator()(const Tensor& x) { return forward(x); }

  const std::string& arch() const { return arch_; }
  const Device& device() const { return device_; }
  // The parameters by state_dict key. A model flattens the parameters of each optimizer group
  // (e.g. G_A and G_B together) into one buffer; these handles follow them there.
  ParameterSet& parameters() { return parameters_; }
  std::int64_t num_parameters() const { return parameters_.numel(); }
  const TensorList& buffers() const { return buffers_; }
  Module& root() { return *root_; }

  // Parameters, then buffers (BatchNorm running statistics), by their state_dict keys.
  TensorList state_dict() const;
  // Copies every tensor of the state dict in; the file must hold exactly this architecture's keys
  // with matching shapes (PyTorch's num_batches_tracked is accepted and ignored). `source` names
  // the file in errors.
  void load_state_dict(const TensorList& tensors, const std::string& source);

  // The reference's init_weights: conv weights by `type` with `gain`, conv biases 0, BatchNorm
  // weight N(1, gain) and bias 0; SelfAttention's γ stays 0.
  void init_weights(InitType type, double gain, Rng& gen);
  void set_training(bool training) { root_->set_training(training); }
  void set_requires_grad(bool requires_grad) { parameters_.set_requires_grad(requires_grad); }
  void check_input(const Shape& x) const { check_input_(x); }

 private:
  std::string arch_;
  std::unique_ptr<Module> root_;
  Device device_;
  std::function<void(const Shape&)> check_input_;
  ParameterSet parameters_;
  TensorList buffers_;
};

}  // namespace pigment::nets
