#pragma once
// Reverse-mode automatic differentiation on a tape of nodes.
//
// Every differentiable op, after running its forward kernel, calls autograd::record() when any
// input requires a gradient. record() creates one Node holding the op's backward rule (a lambda
// written right beside the forward), the tensors the rule needs, and one edge per input pointing
// at the node that produced that input (or at the accumulator of a leaf). An edge is empty when
// its input needs no gradient; the rule asks ctx.needs(i) and skips that work entirely, so a
// frozen discriminator in the generator step yields input gradients and no parameter gradients.
//
// backward() orders the reachable nodes topologically with an explicit stack (a 10,000-op chain
// does not recurse), sums gradients that fan out, and accumulates into the leaves' .grad.
// With create_graph the backward rules themselves are recorded, which is what a gradient
// penalty needs (WGAN-GP); rules written with differentiable ops declare it.
#include <functional>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "engine/tensor.h"

namespace pigment {

struct Edge {
  std::shared_ptr<Node> node;  // null when the input needs no gradient
  int slot = 0;                // which output of `node` the input was
  bool valid() const { return node != nullptr; }
};

struct OutputMeta {  // lets the engine make zero gradients for outputs nobody used
  Shape shape;
  DType dtype;
  Device device;
};

class Node {
 public:
  explicit Node(std::string_view name) : name_(name) {}
  virtual ~Node();  // tears the graph down iteratively (a 10,000-node chain must not recurse)
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // Gradients with respect to each input; needs[i] says whether input i wants one (its edge is
  // valid and, for autograd::grad, leads to a requested input). Undefined where not needed.
  virtual std::vector<Tensor> apply(std::vector<Tensor>& grad_outputs, const std::vector<bool>& needs) = 0;

  std::string_view name() const { return name_; }
  std::vector<Edge>& next_edges() { return next_; }
  std::vector<OutputMeta>& outputs() { return outputs_; }
  std::vector<Tensor>& saved() { return saved_; }
  virtual bool supports_double_backward() const { return false; }
  virtual void release_saved() { saved_.clear(); }

 protected:
  std::string_view name_;
  std::vector<Edge> next_;
  std::vector<OutputMeta> outputs_;
  std::vector<Tensor> saved_;
};

namespace autograd {

// ---- Grad mode (per thread, like PyTorch's: a scope, not shared state between threads) ----------
bool is_grad_enabled();
class GradModeGuard {
 public:
  explicit GradModeGuard(bool enabled);
  ~GradModeGuard();
  GradModeGuard(const GradModeGuard&) = delete;
  GradModeGuard& operator=(const GradModeGuard&) = delete;

 private:
  bool previous_;
};
// Inside this scope no op records anything (inference, the optimizer, image pools, metrics).
class NoGradGuard : public GradModeGuard {
 public:
  NoGradGuard() : GradModeGuard(false) {}
};

// ---- Recording -----------------------------------------------------------------------------------
// What a backward rule sees.
class BackwardContext {
 public:
  BackwardContext(std::span<Tensor> grads, std::span<const Tensor> saved, const std::vector<bool>& needs)
      : grads_(grads), saved_(saved), needs_(needs) {}
  // Gradient of the loss with respect to output i (zeros when that output was unused).
  const Tensor& grad(int i = 0) const { return grads_[static_cast<std::size_t>(i)]; }
  int num_grads() const { return static_cast<int>(grads_.size()); }
  const Tensor& saved(int i) const { return saved_[static_cast<std::size_t>(i)]; }
  // Whether input i needs a gradient; a rule computes nothing for inputs that do not.
  bool needs(int i) const { return needs_[static_cast<std::size_t>(i)]; }

 private:
  std::span<Tensor> grads_;
  std::span<const Tensor> saved_;
  const std::vector<bool>& needs_;
};

using BackwardRule = std::function<std::vector<Tensor>(const BackwardContext&)>;

enum class DoubleBackward : bool {
  unsupported = false,  // the rule calls kernels directly; create_graph through it is refused
  supported = true,     // the rule is built from differentiable ops of its saved inputs
};

// True when grad mode is on and any defined input requires a gradient.
bool needs_grad(std::initializer_list<const Tensor*> inputs);
bool needs_grad(std::span<const Tensor> inputs);

// Attaches a node named `name` (an op's registry name, or a view's such as reshape) to `outputs`.
// `inputs` are the op's tensor inputs in the order the rule returns gradients for them (undefined
// entries allowed: absent optional inputs). `saved` are the tensors the rule reads; any of them
// that is an output is stored detached, so the graph holds no cycle.
void record(std::string_view name, std::span<const Tensor> inputs, std::span<Tensor> outputs,
            std::vector<Tensor> saved, BackwardRule rule, DoubleBackward double_backward);

// ---- Running -------------------------------------------------------------------------------------
// Accumulates d(roots)/d(leaf) · grads into every leaf that requires a gradient. An undefined
// grad stands for 1 and needs a one-element root.
void backward(std::span<const Tensor> roots, std::span<const Tensor> grads, bool create_graph = false);
inline void backward(std::initializer_list<Tensor> roots, std::initializer_list<Tensor> grads,
                     bool create_graph = false) {
  backward(std::span<const Tensor>(roots.begin(), roots.size()),
           std::span<const Tensor>(grads.begin(), grads.size()), create_graph);
}
// Returns d(roots)/d(inputs) · grads without touching any .grad (torch.autograd.grad). Inputs that
// the roots do not depend on get undefined tensors. With create_graph the results are themselves
// differentiable.
std::vector<Tensor> grad(std::span<const Tensor> roots, std::span<const Tensor> grads, std::span<const Tensor> inputs,
                         bool create_graph = false);

std::string_view node_name(const Node& node);

}  // namespace autograd
}  // namespace pigment
