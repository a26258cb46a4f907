// combine-A-and-B: the reference's datasets/combine_A_and_B.py. For every subfolder (phase) of
// fold_A, pairs each file with the file of the same name in fold_B (with --use_AB, name_A.ext with
// name_B.ext) and writes them side by side, A left, B right, to fold_AB/<phase>/ as PNG: the
// aligned layout pix2pix reads.
#include <algorithm>
#include <cstdio>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "tools/command_line.h"
#include "train/data/dataset.h"

using namespace pigment::data;
namespace fs = std::filesystem;

namespace {

std::vector<fs::path> sorted_entries(const fs::path& dir, bool directories) {
  std::vector<fs::path> out;
  for (const auto& entry : fs::directory_iterator(dir))
    if (directories ? entry.is_directory() : entry.is_regular_file()) out.push_back(entry.path());
  std::sort(out.begin(), out.end());
  return out;
}

std::string replace_once(std::string s, const std::string& from, const std::string& to) {
  const auto at = s.find(from);
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

Image side_by_side(const Image& a, const Image& b) {
  Image ab(a.width + b.width, a.height, 3);
  for (int y = 0; y < a.height; ++y) {
    std::copy_n(&a.pixels[static_cast<std::size_t>(y) * a.width * 3], a.width * 3, &ab.pixels[static_cast<std::size_t>(y) * ab.width * 3]);
    std::copy_n(&b.pixels[static_cast<std::size_t>(y) * b.width * 3], b.width * 3,
                &ab.pixels[(static_cast<std::size_t>(y) * ab.width + a.width) * 3]);
  }
  return ab;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"combine-A-and-B: write A|B pairs side by side for pix2pix (the reference's combine_A_and_B.py)"};
  std::string fold_a, fold_b, fold_ab;
  std::int64_t num_imgs = 1000000;
  bool use_ab = false;
  app.add_option("--fold_A", fold_a, "input folder of domain A, with one subfolder per phase (train, test, …)")
      ->required()
      ->check(CLI::ExistingDirectory);
  app.add_option("--fold_B", fold_b, "input folder of domain B, same layout and file names")
      ->required()
      ->check(CLI::ExistingDirectory);
  app.add_option("--fold_AB", fold_ab, "output folder")->required();
  pigment::add_number(app, "--num_imgs", num_imgs, "at most this many pairs per phase", {1});
  app.add_flag("--use_AB", use_ab, "pair <name>_A.<ext> in fold_A with <name>_B.<ext> in fold_B");
  if (const auto code = pigment::parse_command_line(app, "combine-A-and-B", argc, argv)) return *code;

  try {
    const std::vector<fs::path> phases = sorted_entries(fold_a, true);
    if (phases.empty()) {
      fmt::print(stderr, "combine-A-and-B: {} has no subfolders: put the images in {}/train, {}/test, …\n", fold_a,
                 fold_a, fold_a);
      return pigment::exit_code(pigment::ExitCode::bad_input);
    }
    std::int64_t written = 0, skipped = 0;
    for (const fs::path& phase_a : phases) {
      const std::string phase = phase_a.filename().string();
      const fs::path phase_b = fs::path(fold_b) / phase;
      if (!fs::is_directory(phase_b)) {
        fmt::print(stderr, "warning: {} has no {} subfolder; phase {} skipped\n", fold_b, phase, phase);
        continue;
      }
      std::vector<fs::path> files = sorted_entries(phase_a, false);
      if (use_ab)
        std::erase_if(files, [](const fs::path& p) { return p.filename().string().find("_A.") == std::string::npos; });
      if (static_cast<std::int64_t>(files.size()) > num_imgs) files.resize(static_cast<std::size_t>(num_imgs));
      fmt::print("combine-A-and-B: phase {}: {} images\n", phase, files.size());
      fs::create_directories(fs::path(fold_ab) / phase);
      for (const fs::path& path_a : files) {
        const std::string name_a = path_a.filename().string();
        const fs::path path_b = phase_b / (use_ab ? replace_once(name_a, "_A.", "_B.") : name_a);
        if (!fs::is_regular_file(path_b)) {
          fmt::print(stderr, "warning: {} has no partner {} (skipped)\n", path_a.string(), path_b.string());
          ++skipped;
          continue;
        }
        std::string error;
        std::optional<Image> a = load_image(path_a, error, {}, 3);
        std::optional<Image> b = a ? load_image(path_b, error, {}, 3) : std::nullopt;
        if (!a || !b) {
          fmt::print(stderr, "warning: {} (skipped)\n", error);
          ++skipped;
          continue;
        }
        if (a->width != b->width || a->height != b->height) {
          fmt::print(stderr, "warning: {} is {}×{} but {} is {}×{}: a pair must be the same size (skipped)\n",
                     path_a.string(), a->width, a->height, path_b.string(), b->width, b->height);
          ++skipped;
          continue;
        }
        const std::string name_ab = use_ab ? replace_once(name_a, "_A.", ".") : name_a;
        save_png(fs::path(fold_ab) / phase / fs::path(name_ab).replace_extension(".png"), side_by_side(*a, *b));
        ++written;
      }
    }
    fmt::print("combine-A-and-B: wrote {} pairs to {} ({} skipped)\n", written, fold_ab, skipped);
    return written > 0 ? 0 : pigment::exit_code(pigment::ExitCode::bad_input);
  } catch (const std::exception& e) {
    return pigment::report_failure("combine-A-and-B", e);
  }
}
