#pragma once
// loss_log.txt in the reference's exact format (users' scripts parse it with regexes):
//   ================ Training Loss (<date>) ================
//   (epoch: %d, iters: %d, time: %.3f, data: %.3f) NAME: %.3f NAME: %.3f …
// and the history parsed back from it (for the loss plot of the training page).
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace pigment::train {

using Losses = std::vector<std::pair<std::string, double>>;

// One "(epoch: …) NAME: value …" line, without the newline.
std::string format_loss_line(std::int64_t epoch, std::int64_t iters, double time_per_image, double data_time,
                             const Losses& losses);

class LossLog {
 public:
  // Appends the banner (opens in append mode: a resumed run continues the same file).
  explicit LossLog(std::filesystem::path path);
  void append(const std::string& line);
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

struct LossPoint {
  double epoch;  // epoch + fraction of it done
  Losses losses;
};
// Parses every loss line of a loss_log.txt (banners and anything else are skipped); `epoch_size`
// (images per epoch) turns iters into the fraction.
std::vector<LossPoint> read_loss_history(const std::filesystem::path& path, std::int64_t epoch_size);

}  // namespace pigment::train
