#include "train/progress.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>

#include <fmt/format.h>

namespace pigment::train {

ProgressBar::ProgressBar(bool enabled) : enabled_(enabled && ::isatty(STDERR_FILENO)) {}

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const auto s = static_cast<long>(seconds + 0.5);
  return s >= 3600 ? fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60) : fmt::format("{}:{:02}", s / 60, s % 60);
}

void ProgressBar::update(std::int64_t epoch, std::int64_t last_epoch, std::int64_t done, std::int64_t total,
                         double images_per_s, double eta_seconds, const Losses& losses) {
  if (!enabled_) return;
  constexpr int kWidth = 24;
  const double fraction = total > 0 ? static_cast<double>(done) / static_cast<double>(total) : 0.0;
  const int filled = static_cast<int>(fraction * kWidth);
  std::string bar = std::string(static_cast<std::size_t>(filled), '#') + std::string(static_cast<std::size_t>(kWidth - filled), '.');
  std::string line = fmt::format("\r\033[2Kepoch {}/{} [{}] {}/{} {:.1f} img/s ETA {}", epoch, last_epoch, bar, done,
                                 total, images_per_s, format_duration(eta_seconds));
  for (const auto& [name, value] : losses) line += fmt::format(" {} {:.3f}", name, value);
  std::fputs(line.c_str(), stderr);
  std::fflush(stderr);
  drawn_ = true;
}

void ProgressBar::clear() {
  if (!enabled_ || !drawn_) return;
  std::fputs("\r\033[2K", stderr);
  std::fflush(stderr);
  drawn_ = false;
}

}  // namespace pigment::train
