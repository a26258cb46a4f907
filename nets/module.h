#pragma once
// Module: a layer or a network with named parameters, buffers and children, named exactly as the
// reference implementation's PyTorch state_dict ("model.10.conv_block.1.weight"), so weights move
// between Pigment and PyTorch through safetensors.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine/safetensors.h"
#include "engine/tensor.h"

namespace pigment::nets {

class Module {
 public:
  Module() = default;
  virtual ~Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  virtual Tensor forward(const Tensor& x) = 0;
  Tensor operator()(const Tensor& x) { return forward(x); }

  // Training mode (dropout on, batch statistics) or evaluation; applies to every descendant.
  void set_training(bool training);
  bool training() const { return training_; }

  // Every parameter (trainable) and buffer (running statistics) under this module, with its full
  // dotted name, in registration order (PyTorch's state_dict order).
  void collect_parameters(const std::string& prefix, TensorList& out) const;
  void collect_buffers(const std::string& prefix, TensorList& out) const;
  // Visits this module and every descendant (parents first).
  template <class F> void visit(F&& fn) {
    fn(*this);
    for (auto& [name, child] : children_) child->visit(fn);
  }
  const std::vector<std::pair<std::string, Tensor>>& own_parameters() const { return parameters_; }

 protected:
  Tensor& register_parameter(std::string name, Tensor t);
  Tensor& register_buffer(std::string name, Tensor t);
  template <class M> M& register_module(std::string name, std::unique_ptr<M> m) {
    M& ref = *m;
    children_.emplace_back(std::move(name), std::move(m));
    return ref;
  }
  const std::vector<std::pair<std::string, std::unique_ptr<Module>>>& children() const { return children_; }

  bool training_ = true;

 private:
  std::vector<std::pair<std::string, Tensor>> parameters_, buffers_;
  std::vector<std::pair<std::string, std::unique_ptr<Module>>> children_;
};

// Children named "0", "1", … run in order (nn.Sequential), indexed as the reference's layers are,
// parameterless ones included, so that the state_dict names match. A fused layer (nets/layers.h:
// add_reflect_conv, add_norm_act) computes several consecutive layers of the reference in one
// op; it takes the index of the one holding the parameters, and the others' indices (a padding,
// an activation: no parameters) stay unused. What runs is what was built: no rewriting at forward.
class Sequential final : public Module {
 public:
  template <class M> M& add(std::unique_ptr<M> m) { return add_fused(std::move(m), 1, 0); }
  // Appends a layer standing for the next `span` layers of the reference, named by the index of
  // the one at offset `params_at` among them.
  template <class M> M& add_fused(std::unique_ptr<M> m, int span, int params_at) {
    M& layer = register_module(std::to_string(size_ + params_at), std::move(m));
    size_ += span;
    return layer;
  }
  Tensor forward(const Tensor& x) override { return forward_first(x, children().size()); }
  // The first `layers` children only (a ResNet block runs its last norm with the residual).
  Tensor forward_first(const Tensor& x, std::size_t layers);
  std::size_t layers() const { return children().size(); }

 private:
  int size_ = 0;  // reference layers so far
};

}  // namespace pigment::nets
