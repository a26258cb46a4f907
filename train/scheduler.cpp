#include "train/scheduler.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include <fmt/format.h>

#include "engine/error.h"

namespace pigment::train {

LrScheduler::LrScheduler(LrPolicy policy, double base_lr, int epoch_count, int n_epochs, int n_epochs_decay,
                         int lr_decay_iters)
    : policy_(policy), base_lr_(base_lr), epoch_count_(epoch_count), n_epochs_(n_epochs),
      n_epochs_decay_(n_epochs_decay), lr_decay_iters_(lr_decay_iters), lr_(base_lr) {}

double LrScheduler::scheduled_lr(std::int64_t steps) const {
  const double k = static_cast<double>(steps);
  switch (policy_) {
    case LrPolicy::linear:
      return base_lr_ * (1.0 - std::max(0.0, k + epoch_count_ - n_epochs_) / (n_epochs_decay_ + 1.0));
    case LrPolicy::step:
      return base_lr_ * std::pow(0.1, std::floor(k / lr_decay_iters_));
    case LrPolicy::cosine:
      return base_lr_ * (1.0 + std::cos(std::numbers::pi * k / std::max(1, n_epochs_))) / 2.0;
    case LrPolicy::plateau:
      break;
  }
  PIGMENT_FAIL("the plateau policy has no closed form: its rate depends on the losses seen");
}

double LrScheduler::step(double metric) {
  ++steps_;
  if (policy_ != LrPolicy::plateau) {
    lr_ = scheduled_lr(steps_);
    return lr_;
  }
  // PyTorch's ReduceLROnPlateau, mode 'min', threshold_mode 'rel', cooldown 0.
  if (metric < best_ * (1.0 - 0.01)) {
    best_ = metric;
    bad_epochs_ = 0;
  } else if (++bad_epochs_ > 5) {
    lr_ *= 0.2;
    bad_epochs_ = 0;
  }
  return lr_;
}

void LrScheduler::save(Metadata& metadata) const {
  metadata["scheduler_steps"] = std::to_string(steps_);
  metadata["scheduler_lr"] = fmt::format("{:.17g}", lr_);
  metadata["scheduler_best"] = fmt::format("{:.17g}", best_);
  metadata["scheduler_bad_epochs"] = std::to_string(bad_epochs_);
}

void LrScheduler::load(const Metadata& metadata) {
  steps_ = metadata_number<std::int64_t>(metadata, "scheduler_steps", "training state");
  lr_ = metadata_number<double>(metadata, "scheduler_lr", "training state");
  // A resume with a changed schedule (more epochs, another --lr) continues on the new one from the
  // same position — the rate the saved steps give under it; the same schedule gives the saved rate
  // bit for bit (the same expression). Plateau's rate is state, restored as saved.
  if (policy_ != LrPolicy::plateau && steps_ > 0) lr_ = scheduled_lr(steps_);
  best_ = metadata_number<double>(metadata, "scheduler_best", "training state");
  bad_epochs_ = metadata_number<int>(metadata, "scheduler_bad_epochs", "training state");
}

}  // namespace pigment::train
