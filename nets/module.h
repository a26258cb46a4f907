#pragma once
// Module: a layer or a network with named parameters, buffers and children, named exactly as the
// reference implementation's PyTorch state_dict ("model.10.conv_block.1.weight"), so weights move
// between Pigment and PyTorch through safetensors.
#include <memory>
#include <optional>
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

  // Fusion hooks, used by Sequential. An element-wise activation act(z) = z > 0 ? z : s·z reports
  // its s. A layer that can apply the activation after it and add a residual in its own pass
  // (instance norm) returns act(forward(x)) + residual (either part may be absent: s = 1, an
  // undefined residual); other layers return an undefined tensor.
  virtual std::optional<double> activation_slope() const { return std::nullopt; }
  virtual Tensor forward_fused(const Tensor& /*x*/, double /*negative_slope*/, const Tensor& /*residual*/) {
    return Tensor();
  }
  // Likewise a reflection padding reports its width, and a layer that can read its input through
  // that padding (an unpadded conv) returns forward(reflection_pad(x, pad)) without the padded copy.
  virtual std::optional<int> reflection_padding() const { return std::nullopt; }
  virtual Tensor forward_reflection_padded(const Tensor& /*x*/, int /*pad*/) { return Tensor(); }

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

// Children named "0", "1", … run in order (nn.Sequential). Layers without parameters take an
// index too, so indices match the reference's. A layer followed by an activation it can fuse
// (instance norm → ReLU / LeakyReLU), and a reflection padding followed by an unpadded conv, run
// as one op each; the names stay those of the reference.
class Sequential final : public Module {
 public:
  template <class M> M& add(std::unique_ptr<M> m) { return register_module(std::to_string(size_++), std::move(m)); }
  Tensor forward(const Tensor& x) override { return forward_plus(x, Tensor()); }
  // forward(x) + residual, the add fused into the last layer when it can take it (ResNet blocks).
  Tensor forward_plus(const Tensor& x, const Tensor& residual);
  int size() const { return size_; }

 private:
  int size_ = 0;
};

}  // namespace pigment::nets
