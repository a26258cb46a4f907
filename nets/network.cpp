#include "nets/network.h"

#include <set>

#include "nets/layers.h"

namespace pigment::nets {

Network::Network(std::string arch, std::unique_ptr<Module> root, const Device& device,
                 std::function<void(const Shape&)> check_input)
    : arch_(std::move(arch)), root_(std::move(root)), device_(device), check_input_(std::move(check_input)) {
  TensorList params;
  root_->collect_parameters("", params);
  for (auto& [name, t] : params) parameters_.add(name, t);
  root_->collect_buffers("", buffers_);
}

Tensor Network::forward(const Tensor& x) {
  check_input_(x.shape());
  return root_->forward(x);
}

TensorList Network::state_dict() const {
  TensorList out = parameters_.entries();
  out.insert(out.end(), buffers_.begin(), buffers_.end());
  return out;
}

void Network::load_state_dict(const TensorList& tensors, const std::string& source) {
  const TensorList mine = state_dict();
  std::set<std::string> expected;
  for (const auto& [name, t] : mine) expected.insert(name);
  std::set<std::string> found;
  for (const auto& [name, t] : tensors) {
    if (name.ends_with("num_batches_tracked")) continue;  // PyTorch's BatchNorm counter: unused
    PIGMENT_CHECK(expected.count(name),
                  "{}: '{}' is not a parameter of {} (is this checkpoint for another --netG/--netD, --ngf or --norm?)",
                  source, name, arch_);
    found.insert(name);
  }
  for (const auto& [name, t] : mine)
    PIGMENT_CHECK(found.count(name), "{}: parameter '{}' of {} is missing (is this checkpoint for another --netG/--netD, "
                  "--ngf or --norm?)", source, name, arch_);
  for (const auto& [name, t] : tensors) {
    if (name.ends_with("num_batches_tracked")) continue;
    for (const auto& [mine_name, dst] : mine) {
      if (mine_name != name) continue;
      PIGMENT_CHECK(dst.shape() == t.shape(), "{}: '{}' has shape {} but {} expects {}", source, name, t.shape().str(),
                    arch_, dst.shape().str());
      dst.copy_from(t.to(DType::f32).to(dst.device()));
    }
  }
}

void Network::init_weights(InitType type, double gain, Rng& gen) {
  // The reference applies its init function to every Conv and Linear module (weights by type,
  // biases 0) and to BatchNorm2d (weight N(1, gain), bias 0).
  root_->visit([&](Module& m) {
    if (auto* conv = dynamic_cast<Conv2d*>(&m)) {
      init_weight(conv->weight, type, gain, gen);
      if (conv->bias.defined()) conv->bias.zero_();
    } else if (auto* convt = dynamic_cast<ConvTranspose2d*>(&m)) {
      init_weight(convt->weight, type, gain, gen);
      if (convt->bias.defined()) convt->bias.zero_();
    } else if (auto* fc = dynamic_cast<Linear*>(&m)) {
      init_weight(fc->weight, type, gain, gen);
      if (fc->bias.defined()) fc->bias.zero_();
    } else if (auto* bn = dynamic_cast<BatchNorm2d*>(&m)) {
      init_normal(bn->weight, 1.0, gain, gen);
      bn->bias.zero_();
    }
  });
}

}  // namespace pigment::nets
