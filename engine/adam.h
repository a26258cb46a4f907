#pragma once
// Adam with PyTorch's semantics (torch.optim.Adam, amsgrad off, no weight decay). At step t:
//   m ← β₁m + (1 − β₁)g,   v ← β₂v + (1 − β₂)g²,
//   p ← p − (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε).
// One call updates every parameter of a ParameterSet through its flat buffers: one kernel.
#include <cstdint>
#include <memory>

#include "engine/parameters.h"

namespace pigment::distributed {
class Communicator;
class GradientReducer;
}

namespace pigment {

struct AdamOptions {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
};

class Adam {
 public:
  // Flattens `params` if needed; the moments start at zero.
  Adam(ParameterSet& params, AdamOptions options);
  ~Adam();
  Adam(const Adam&) = delete;
  Adam& operator=(const Adam&) = delete;

  // Data parallelism: with a communicator of several ranks, the gradients are averaged over them —
  // all-reduced in buckets as the backward pass completes them, finished before the step
  // (engine/distributed/gradient_reducer.h) — so every rank takes the same step.
  void average_gradients_over(distributed::Communicator& comm);
  const distributed::GradientReducer* reducer() const { return reducer_.get(); }

  void step();
  void zero_grad();

  double lr() const { return options_.lr; }
  void set_lr(double lr) { options_.lr = lr; }
  const AdamOptions& options() const { return options_; }
  std::int64_t step_count() const { return step_; }

  // The flat first and second moments (checkpointing reads and restores them).
  const Tensor& exp_avg() const { return exp_avg_; }
  const Tensor& exp_avg_sq() const { return exp_avg_sq_; }
  void load_state(std::int64_t step, const Tensor& exp_avg, const Tensor& exp_avg_sq);

 private:
  ParameterSet* params_;
  std::unique_ptr<distributed::GradientReducer> reducer_;
  AdamOptions options_;
  std::int64_t step_ = 0;
  Tensor exp_avg_, exp_avg_sq_;
};

}  // namespace pigment
