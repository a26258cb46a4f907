#include "nets/module.h"


namespace pigment::nets {

void Module::set_training(bool training) {
  visit([training](Module& m) { m.training_ = training; });
}

Tensor& Module::register_parameter(std::string name, Tensor t) {
  t.set_requires_grad(true);
  parameters_.emplace_back(std::move(name), std::move(t));
  return parameters_.back().second;
}

Tensor& Module::register_buffer(std::string name, Tensor t) {
  buffers_.emplace_back(std::move(name), std::move(t));
  return buffers_.back().second;
}

void Module::collect_parameters(const std::string& prefix, TensorList& out) const {
  for (const auto& [name, t] : parameters_) out.emplace_back(prefix + name, t);
  for (const auto& [name, child] : children_) child->collect_parameters(prefix + name + ".", out);
}

void Module::collect_buffers(const std::string& prefix, TensorList& out) const {
  for (const auto& [name, t] : buffers_) out.emplace_back(prefix + name, t);
  for (const auto& [name, child] : children_) child->collect_buffers(prefix + name + ".", out);
}

Tensor Sequential::forward_first(const Tensor& x, std::size_t layers) {
  Tensor y = x;
  for (std::size_t i = 0; i < layers; ++i) y = children()[i].second->forward(y);
  return y;
}

}  // namespace pigment::nets
