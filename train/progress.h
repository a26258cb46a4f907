#pragma once
// The terminal progress bar: epoch, a bar, images done, rate, ETA and the latest losses, redrawn
// in place on stderr. Off when stderr is not a terminal (logs stay clean) or with --no_progress.
#include <chrono>
#include <cstdint>
#include <string>

#include "train/loss_log.h"

namespace pigment::train {

class ProgressBar {
 public:
  explicit ProgressBar(bool enabled);
  void update(std::int64_t epoch, std::int64_t last_epoch, std::int64_t done, std::int64_t total, double images_per_s,
              double eta_seconds, const Losses& losses);
  // Clears the bar so that a printed line does not mix with it.
  void clear();
  bool enabled() const { return enabled_; }

 private:
  bool enabled_;
  bool drawn_ = false;
};

std::string format_duration(double seconds);  // "1:02:03" or "2:03"

}  // namespace pigment::train
