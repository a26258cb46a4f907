#pragma once
// Learning-rate policies, stepped at the start of every epoch as the reference does
// (model.update_learning_rate() at the top of the epoch loop), so epoch e trains with the rate
// after e − epoch_count + 1 steps:
//   linear:  λ(k) = 1 − max(0, k + epoch_count − n_epochs) / (n_epochs_decay + 1), k = steps taken.
//            With the defaults the final epoch trains at lr 0 — the reference's schedule, kept.
//   step:    × 0.1 every lr_decay_iters epochs.
//   plateau: ReduceLROnPlateau(mode min, factor 0.2, threshold 0.01 relative, patience 5) on the
//            epoch's mean generator loss. (The reference passes a constant 0 as the metric, so its
//            plateau policy decays on a fixed timetable; Pigment gives it a real metric.)
//   cosine:  cosine annealing from lr to 0 over n_epochs (T_max = n_epochs, η_min = 0).
#include <cstdint>
#include <string>

#include "engine/names.h"
#include "engine/safetensors.h"

namespace pigment::train {

enum class LrPolicy { linear, step, plateau, cosine };
inline constexpr EnumNames<LrPolicy, 4> kLrPolicyNames{{{{"linear", LrPolicy::linear},
                                                        {"step", LrPolicy::step},
                                                        {"plateau", LrPolicy::plateau},
                                                        {"cosine", LrPolicy::cosine}}}};

class LrScheduler {
 public:
  LrScheduler(LrPolicy policy, double base_lr, int epoch_count, int n_epochs, int n_epochs_decay, int lr_decay_iters);
  // One epoch's step; `metric` is used by plateau only. Returns the new learning rate.
  double step(double metric);
  double lr() const { return lr_; }
  std::int64_t steps() const { return steps_; }

  void save(Metadata& metadata) const;
  // Restores the position; the rate follows this scheduler's schedule (see load's comment).
  void load(const Metadata& metadata);

 private:
  double scheduled_lr(std::int64_t steps) const;  // linear, step, cosine: the rate after `steps` steps
  LrPolicy policy_;
  double base_lr_;
  int epoch_count_, n_epochs_, n_epochs_decay_, lr_decay_iters_;
  std::int64_t steps_ = 0;
  double lr_;
  // plateau state
  double best_ = 1.0 / 0.0;
  int bad_epochs_ = 0;
};

}  // namespace pigment::train
