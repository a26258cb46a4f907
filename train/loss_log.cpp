#include "train/loss_log.h"

#include <ctime>
#include <fstream>
#include <regex>

#include <fmt/format.h>

#include "engine/error.h"

namespace pigment::train {

std::string format_loss_line(std::int64_t epoch, std::int64_t iters, double time_per_image, double data_time,
                             const Losses& losses) {
  std::string line = fmt::format("(epoch: {}, iters: {}, time: {:.3f}, data: {:.3f}) ", epoch, iters, time_per_image,
                                 data_time);
  for (const auto& [name, value] : losses) line += fmt::format("{}: {:.3f} ", name, value);
  return line;
}

LossLog::LossLog(std::filesystem::path path) : path_(std::move(path)) {
  std::ofstream out(path_, std::ios::app);
  PIGMENT_CHECK(out.good(), "cannot write the loss log '{}' (is the checkpoints directory writable?)", path_.string());
  char date[128];
  const std::time_t now = std::time(nullptr);
  std::strftime(date, sizeof date, "%c", std::localtime(&now));
  out << "================ Training Loss (" << date << ") ================\n";
}

void LossLog::append(const std::string& line) {
  std::ofstream out(path_, std::ios::app);
  PIGMENT_CHECK(out.good(), "cannot append to the loss log '{}'", path_.string());
  out << line << '\n';
}

std::vector<LossPoint> read_loss_history(const std::filesystem::path& path, std::int64_t epoch_size) {
  std::vector<LossPoint> points;
  std::ifstream in(path);
  if (!in) return points;
  static const std::regex header(R"(^\(epoch: (\d+), iters: (\d+), time: [^,]+, data: [^)]+\) (.*)$)");
  static const std::regex pair(R"(([A-Za-z0-9_]+): (-?[0-9.]+(?:e[-+]?[0-9]+)?|nan|inf|-inf) ?)");
  std::string line;
  while (std::getline(in, line)) {
    std::smatch m;
    if (!std::regex_match(line, m, header)) continue;
    LossPoint p;
    p.epoch = std::stod(m[1]) + (epoch_size > 0 ? std::stod(m[2]) / static_cast<double>(epoch_size) : 0.0) - 1.0;
    const std::string rest = m[3];
    for (auto it = std::sregex_iterator(rest.begin(), rest.end(), pair); it != std::sregex_iterator(); ++it)
      p.losses.emplace_back((*it)[1], std::stod((*it)[2]));
    points.push_back(std::move(p));
  }
  return points;
}

}  // namespace pigment::train
