#include "engine/autograd.h"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "kernels/raw/pointwise.h"

namespace pigment {

// ---- Node teardown --------------------------------------------------------------------------------
// A node owns its predecessors through its edges and its saved inputs. Letting shared_ptr destroy
// a long chain would recurse once per node; instead the destructor moves every owned predecessor
// into a local stack and releases them one at a time, detaching the children of any node whose
// last owner we are before it dies.
namespace {
void take_predecessors(std::vector<Edge>& edges, std::vector<Tensor>& saved,
                       std::vector<std::shared_ptr<Node>>& stack) {
  for (Edge& e : edges)
    if (e.node) stack.push_back(std::move(e.node));
  edges.clear();
  for (Tensor& t : saved) {
    if (!t.defined()) continue;
    const auto& impl = t.impl_ptr();
    if (impl.use_count() == 1 && impl->grad_fn) stack.push_back(std::move(impl->grad_fn));
  }
  saved.clear();
}
}  // namespace

Node::~Node() {
  std::vector<std::shared_ptr<Node>> stack;
  take_predecessors(next_, saved_, stack);
  while (!stack.empty()) {
    std::shared_ptr<Node> n = std::move(stack.back());
    stack.pop_back();
    if (n.use_count() == 1) take_predecessors(n->next_, n->saved_, stack);
    // n is released here; its edges are already empty, so nothing recurses.
  }
}

namespace autograd {

// ---- Grad mode ------------------------------------------------------------------------------------
// Per thread, like PyTorch's: a data-loading thread never sees the trainer's no_grad scope.
namespace {
thread_local bool t_grad_enabled = true;
}

bool is_grad_enabled() { return t_grad_enabled; }
GradModeGuard::GradModeGuard(bool enabled) : previous_(t_grad_enabled) { t_grad_enabled = enabled; }
GradModeGuard::~GradModeGuard() { t_grad_enabled = previous_; }

std::string_view node_name(const Node& node) { return node.name(); }

// ---- Node kinds -----------------------------------------------------------------------------------
namespace {

class FunctionNode final : public Node {
 public:
  FunctionNode(std::string_view name, BackwardRule rule, DoubleBackward db)
      : Node(name), rule_(std::move(rule)), double_backward_(db) {}

  std::vector<Tensor> apply(std::vector<Tensor>& grad_outputs, const std::vector<bool>& needs) override {
    PIGMENT_CHECK(!released_,
                  "backward through '{}' a second time: its saved tensors were freed by the first backward "
                  "(pass create_graph=true, or run the forward again)",
                  name_);
    BackwardContext ctx(grad_outputs, saved_, needs);
    return rule_(ctx);
  }
  bool supports_double_backward() const override { return double_backward_ == DoubleBackward::supported; }
  void release_saved() override {
    saved_.clear();
    released_ = true;
  }

 private:
  BackwardRule rule_;
  DoubleBackward double_backward_;
  bool released_ = false;
};

// In-place dst += src (same shape, dtype, device); used for gradient accumulation.
void accumulate_into(const Tensor& dst, const Tensor& src) {
  if (dst.is_cpu()) {
    visit_dtype(dst.dtype(), [&]<class T>() { cpu::add_forward<T>(dst.numel(), dst.data<T>(), src.data<T>(), dst.data<T>()); });
  } else if constexpr (kCudaBuilt) {
    cuda::add_forward(as_cuda(dst.context()), dst.numel(), dst.data<float>(), src.data<float>(), dst.data<float>());
  }
}

Tensor add_grads(const Tensor& a, const Tensor& b);  // defined below, via the differentiable add op

// The sink of a leaf's gradient: adds into leaf.grad.
class AccumulateGrad final : public Node {
 public:
  explicit AccumulateGrad(std::shared_ptr<detail::TensorImpl> leaf) : Node("accumulate_grad"), leaf_(std::move(leaf)) {
    Tensor t(leaf_);
    outputs_.push_back(OutputMeta{t.shape(), t.dtype(), t.device()});
  }
  std::vector<Tensor> apply(std::vector<Tensor>& grads, const std::vector<bool>&) override {
    Tensor leaf(leaf_);
    const Tensor& g = grads[0];
    Tensor current = leaf.grad();
    if (!current.defined()) {
      // Own the storage: g may be shared with other gradients (add's backward passes dy to both).
      leaf.set_grad(is_grad_enabled() ? g : g.detach().clone());
    } else if (is_grad_enabled() || current.requires_grad()) {
      leaf.set_grad(add_grads(current, g));
    } else {
      accumulate_into(current, g);  // in place: parameters' grads are views of a flat buffer
    }
    if (leaf_->grad_accumulated) leaf_->grad_accumulated();
    return {};
  }
  const std::shared_ptr<detail::TensorImpl>& leaf() const { return leaf_; }
  bool supports_double_backward() const override { return true; }  // it only adds

 private:
  std::shared_ptr<detail::TensorImpl> leaf_;
};

std::shared_ptr<Node> grad_accumulator(const Tensor& leaf) {
  auto& impl = *leaf.impl_ptr();
  if (auto existing = impl.grad_accumulator.lock()) return existing;
  auto acc = std::make_shared<AccumulateGrad>(leaf.impl_ptr());
  impl.grad_accumulator = acc;
  return acc;
}

Edge edge_for(const Tensor& input) {
  if (!input.defined() || !input.requires_grad()) return {};
  if (input.grad_fn()) return Edge{input.grad_fn(), input.output_nr()};
  return Edge{grad_accumulator(input), 0};
}

}  // namespace

// ---- Recording ----------------------------------------------------------------------------------------
bool needs_grad(std::span<const Tensor> inputs) {
  if (!is_grad_enabled()) return false;
  return std::any_of(inputs.begin(), inputs.end(), [](const Tensor& t) { return t.requires_grad(); });
}

bool needs_grad(std::initializer_list<const Tensor*> inputs) {
  if (!is_grad_enabled()) return false;
  return std::any_of(inputs.begin(), inputs.end(), [](const Tensor* t) { return t && t->requires_grad(); });
}

void record(std::string_view name, std::span<const Tensor> inputs, std::span<Tensor> outputs,
            std::vector<Tensor> saved, BackwardRule rule, DoubleBackward double_backward) {
  auto node = std::make_shared<FunctionNode>(name, std::move(rule), double_backward);
  for (const Tensor& in : inputs) node->next_edges().push_back(edge_for(in));
  for (Tensor& s : saved) {
    const bool is_output =
        std::any_of(outputs.begin(), outputs.end(), [&](const Tensor& o) { return o.defined() && o.is_same(s); });
    if (is_output) s = s.detach();  // an output saved by its own node would be a reference cycle
  }
  node->saved() = std::move(saved);
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    Tensor& out = outputs[i];
    node->outputs().push_back(OutputMeta{out.shape(), out.dtype(), out.device()});
    auto& impl = *out.impl_ptr();
    PIGMENT_CHECK(impl.grad_fn == nullptr && !impl.requires_grad,
                  "autograd::record('{}'): output {} already has autograd history; ops must return fresh tensors",
                  name, i);
    impl.requires_grad = true;
    impl.grad_fn = node;
    impl.output_nr = static_cast<int>(i);
  }
}


// ---- The engine ------------------------------------------------------------------------------------------
namespace {

Tensor add_grads(const Tensor& a, const Tensor& b) {
  // The differentiable add op (kernels/ops/pointwise.h) is above the engine; a sum of two gradients is
  // expressed through a one-line rule instead, so that create_graph keeps the sum on the tape.
  Tensor out = a.clone();
  accumulate_into(out, b);
  if (needs_grad({&a, &b})) {
    const Tensor ins[] = {a, b};
    Tensor outs[] = {out};
    record("add_grads", ins, outs, {},
           [](const BackwardContext& ctx) { return std::vector<Tensor>{ctx.grad(), ctx.grad()}; },
           DoubleBackward::supported);
    return outs[0];
  }
  return out;
}

struct PendingGrads {
  std::vector<Tensor> grads;  // one per output of the node
};

void add_pending(PendingGrads& p, std::size_t slot, const Tensor& g) {
  if (!p.grads[slot].defined())
    p.grads[slot] = g;
  else
    p.grads[slot] = add_grads(p.grads[slot], g);
}

// Roots and their gradients → initial pending gradients per node.
std::vector<std::pair<std::shared_ptr<Node>, std::pair<int, Tensor>>> root_entries(std::span<const Tensor> roots,
                                                                                    std::span<const Tensor> grads) {
  PIGMENT_CHECK(roots.size() == grads.size(), "backward: {} roots but {} gradients", roots.size(), grads.size());
  std::vector<std::pair<std::shared_ptr<Node>, std::pair<int, Tensor>>> entries;
  for (std::size_t i = 0; i < roots.size(); ++i) {
    const Tensor& r = roots[i];
    check_defined("backward", r, "root");
    PIGMENT_CHECK(r.requires_grad(),
                  "backward: root {} does not require a gradient (it was computed under no_grad, from inputs "
                  "that need none, or detached)",
                  r.str());
    Tensor g = grads[i];
    if (!g.defined()) {
      PIGMENT_CHECK(r.numel() == 1,
                    "backward: root {} is not a scalar; pass a gradient of the same shape", r.str());
      g = Tensor::full(r.shape(), 1.0, r.dtype(), r.device());
    } else {
      PIGMENT_CHECK(g.shape() == r.shape() && g.dtype() == r.dtype() && g.device() == r.device(),
                    "backward: gradient {} does not match root {}", g.str(), r.str());
    }
    if (r.grad_fn())
      entries.push_back({r.grad_fn(), {r.output_nr(), g}});
    else
      entries.push_back({grad_accumulator(r), {0, g}});
  }
  return entries;
}

// All nodes reachable from the roots, in an order where every node comes before the nodes its
// edges point to (Kahn's algorithm on in-degrees; iterative throughout).
std::vector<Node*> topological_order(const std::vector<Node*>& roots) {
  std::unordered_map<Node*, int> in_degree;
  std::unordered_set<Node*> seen;
  std::vector<Node*> stack;
  for (Node* r : roots)
    if (seen.insert(r).second) stack.push_back(r);  // several roots may share a node (split's parts)
  while (!stack.empty()) {
    Node* n = stack.back();
    stack.pop_back();
    in_degree.try_emplace(n, 0);
    for (Edge& e : n->next_edges()) {
      if (!e.valid()) continue;
      in_degree[e.node.get()]++;
      if (seen.insert(e.node.get()).second) stack.push_back(e.node.get());
    }
  }
  std::vector<Node*> order;
  order.reserve(in_degree.size());
  std::vector<Node*> ready;
  for (Node* r : roots)
    if (in_degree[r] == 0 && std::find(ready.begin(), ready.end(), r) == ready.end()) ready.push_back(r);
  while (!ready.empty()) {
    Node* n = ready.back();
    ready.pop_back();
    order.push_back(n);
    for (Edge& e : n->next_edges())
      if (e.valid() && --in_degree[e.node.get()] == 0) ready.push_back(e.node.get());
  }
  PIGMENT_CHECK(order.size() == in_degree.size(), "backward: the autograd graph has a cycle");
  return order;
}

// The shared engine of backward() and grad(). With `targets` non-null, gradients arriving at the
// target (node, slot) pairs are returned instead of being accumulated into leaves, and only nodes
// on a path to a target run.
std::vector<Tensor> run_engine(std::span<const Tensor> roots, std::span<const Tensor> grads, bool create_graph,
                               const std::vector<Edge>* targets) {
  auto entries = root_entries(roots, grads);
  std::vector<Node*> root_nodes;
  for (auto& e : entries) root_nodes.push_back(e.first.get());
  const std::vector<Node*> order = topological_order(root_nodes);

  // Which nodes must run: all of them for backward(); for grad(), those with a path to a target.
  std::unordered_set<Node*> useful;
  if (targets) {
    std::unordered_set<Node*> target_nodes;
    for (const Edge& t : *targets)
      if (t.valid()) target_nodes.insert(t.node.get());
    for (auto it = order.rbegin(); it != order.rend(); ++it) {
      Node* n = *it;
      bool u = target_nodes.count(n) > 0;
      for (Edge& e : n->next_edges()) u = u || (e.valid() && useful.count(e.node.get()));
      if (u) useful.insert(n);
    }
  }
  auto is_useful = [&](Node* n) { return !targets || useful.count(n) > 0; };

  std::unordered_map<Node*, PendingGrads> pending;
  auto pending_of = [&](Node* n) -> PendingGrads& {
    auto [it, inserted] = pending.try_emplace(n);
    if (inserted) it->second.grads.resize(n->outputs().size());
    return it->second;
  };
  for (auto& [node, slot_grad] : entries)
    add_pending(pending_of(node.get()), static_cast<std::size_t>(slot_grad.first), slot_grad.second);

  std::vector<Tensor> results(targets ? targets->size() : 0);
  GradModeGuard grad_mode(create_graph);
  for (Node* n : order) {
    if (!is_useful(n)) continue;
    auto found = pending.find(n);
    if (found == pending.end()) continue;  // every path into n carried no gradient
    std::vector<Tensor> in_grads = std::move(found->second.grads);
    pending.erase(found);

    if (targets) {
      // Capture what arrives at a target; grad() never touches .grad, and a node runs only when
      // its backward leads on to another target.
      for (std::size_t t = 0; t < targets->size(); ++t) {
        const Edge& target = (*targets)[t];
        if (target.node.get() == n) results[t] = in_grads[static_cast<std::size_t>(target.slot)];
      }
      if (dynamic_cast<AccumulateGrad*>(n)) continue;
      const auto& edges = n->next_edges();
      const bool leads_on =
          std::any_of(edges.begin(), edges.end(), [&](const Edge& e) { return e.valid() && useful.count(e.node.get()); });
      if (!leads_on) continue;
    }

    // Outputs nobody used still need a gradient of zeros for the rule.
    for (std::size_t i = 0; i < in_grads.size(); ++i) {
      if (!in_grads[i].defined()) {
        const OutputMeta& m = n->outputs()[i];
        in_grads[i] = Tensor::zeros(m.shape, m.dtype, m.device);
      }
    }
    // A rule that calls kernels directly returns gradients that do not depend on the op's inputs
    // on the tape, so a gradient of that gradient would silently miss terms: refuse instead.
    PIGMENT_CHECK(!create_graph || n->supports_double_backward(),
                  "create_graph: op '{}' has no double backward, so gradients of its gradient would be wrong "
                  "(needed e.g. by the WGAN-GP gradient penalty); avoid '{}' in that network",
                  n->name(), n->name());

    auto& edges = n->next_edges();
    std::vector<bool> needs(edges.size());
    for (std::size_t i = 0; i < edges.size(); ++i) needs[i] = edges[i].valid() && is_useful(edges[i].node.get());
    std::vector<Tensor> out_grads = n->apply(in_grads, needs);
    if (!create_graph) n->release_saved();
    if (dynamic_cast<AccumulateGrad*>(n)) continue;
    PIGMENT_CHECK(out_grads.size() == edges.size(), "backward of '{}' returned {} gradients for {} inputs", n->name(),
                  out_grads.size(), edges.size());
    for (std::size_t i = 0; i < edges.size(); ++i) {
      const Edge& e = edges[i];
      if (!needs[i] || !out_grads[i].defined()) continue;
      const OutputMeta& want = e.node->outputs()[static_cast<std::size_t>(e.slot)];
      PIGMENT_CHECK(out_grads[i].shape() == want.shape && out_grads[i].dtype() == want.dtype,
                    "backward of '{}' returned a gradient {} for input {}, expected {}{}", n->name(),
                    out_grads[i].str(), i, dtype_name(want.dtype), want.shape.str());
      add_pending(pending_of(e.node.get()), static_cast<std::size_t>(e.slot), out_grads[i]);
    }
  }
  return results;
}

}  // namespace

void backward(std::span<const Tensor> roots, std::span<const Tensor> grads, bool create_graph) {
  run_engine(roots, grads, create_graph, nullptr);
}

std::vector<Tensor> grad(std::span<const Tensor> roots, std::span<const Tensor> grads, std::span<const Tensor> inputs,
                         bool create_graph) {
  std::vector<Edge> targets;
  for (const Tensor& in : inputs) {
    check_defined("autograd::grad", in, "input");
    PIGMENT_CHECK(in.requires_grad(), "autograd::grad: input {} does not require a gradient", in.str());
    targets.push_back(edge_for(in));
  }
  return run_engine(roots, grads, create_graph, &targets);
}

}  // namespace autograd
}  // namespace pigment
