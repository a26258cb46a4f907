#include "nets/module.h"

#include "kernels/arithmetic.h"

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

Tensor Sequential::forward_plus(const Tensor& x, const Tensor& residual) {
  const auto& layers = children();
  const std::size_t n = layers.size();
  Tensor y = x;
  bool residual_added = false;
  for (std::size_t i = 0; i < n; ++i) {
    if (const std::optional<int> pad = layers[i].second->reflection_padding(); pad && i + 1 < n) {
      if (Tensor fused = layers[i + 1].second->forward_reflection_padded(y, *pad); fused.defined()) {
        y = std::move(fused);
        ++i;
        continue;
      }
    }
    const std::optional<double> activation = i + 1 < n ? layers[i + 1].second->activation_slope() : std::nullopt;
    const std::size_t span = activation ? 2 : 1;  // layers one fused call replaces
    const bool ends = i + span == n;
    Tensor fused = layers[i].second->forward_fused(y, activation.value_or(1.0), ends ? residual : Tensor());
    if (fused.defined()) {
      y = std::move(fused);
      residual_added = residual_added || ends;
      i += span - 1;
    } else {
      y = layers[i].second->forward(y);
    }
  }
  return residual.defined() && !residual_added ? pigment::add(y, residual) : y;
}

}  // namespace pigment::nets
