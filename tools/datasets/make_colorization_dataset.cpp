// make-colorization-dataset: turns any folder of colour photos (searched recursively) into a
// colorization dataset, <output>/train and <output>/test. Files that do not decode, and photos
// without colour (nothing to learn from), are skipped with a warning.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "tools/command_line.h"
#include "engine/file_io.h"
#include "engine/rng.h"
#include "train/data/dataset.h"

using namespace pigment;
using namespace pigment::data;
namespace fs = std::filesystem;

namespace {

// A photo whose channels never differ by more than 3 levels in 255 is black and white.
bool has_colour(const Image& image) {
  if (image.channels < 3) return false;
  constexpr float kTolerance = 3.0f / 255.0f;
  for (std::size_t i = 0; i + 2 < image.pixels.size(); i += 3) {
    const float r = image.pixels[i], g = image.pixels[i + 1], b = image.pixels[i + 2];
    if (std::fabs(r - g) > kTolerance || std::fabs(g - b) > kTolerance || std::fabs(r - b) > kTolerance) return true;
  }
  return false;
}

// Short side to `size`, the long side in proportion (rounded).
Image resize_short_side(const Image& image, int size) {
  const bool wide = image.width >= image.height;
  const double scale = static_cast<double>(size) / (wide ? image.height : image.width);
  const int long_side = std::max(1, static_cast<int>(std::lround((wide ? image.width : image.height) * scale)));
  return wide ? resize_bicubic(image, long_side, size) : resize_bicubic(image, size, long_side);
}

// "a/b/c.jpg" under the input → "a__b__c.jpg": flat and unique.
std::string flat_name(const fs::path& file, const fs::path& root) {
  std::string name;
  for (const auto& part : fs::relative(file, root)) name += (name.empty() ? "" : "__") + part.string();
  return name;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"make-colorization-dataset: turn a folder of colour photos into <output>/train and <output>/test"};
  std::string input, output;
  double test_fraction = 0.1;
  int size = 0;
  std::uint64_t seed = 0;
  app.add_option("--input", input, "folder of colour photos (searched recursively)")->required()->check(CLI::ExistingDirectory);
  app.add_option("--output", output, "dataset folder to create (must not exist or be empty)")->required();
  pigment::add_number(app, "--test_fraction", test_fraction, "share of photos for the test split", {0.0, 0.9});
  pigment::add_number(app, "--size", size, "resize so the short side is this many pixels (0: copy the files unchanged)",
                      {0, 16384});
  app.add_option("--seed", seed, "seed of the train/test split")->capture_default_str();
  if (const auto code = pigment::parse_command_line(app, "make-colorization-dataset", argc, argv)) return *code;

  try {
    std::error_code ec;
    if (fs::exists(output, ec) && !fs::is_empty(output, ec)) {
      fmt::print(stderr, "make-colorization-dataset: {} exists and is not empty: choose a new --output folder\n", output);
      return pigment::exit_code(pigment::ExitCode::bad_input);
    }
    std::vector<fs::path> files = find_images(input);
    if (files.empty()) {
      fmt::print(stderr,
                 "make-colorization-dataset: no images in {} (searched recursively for .jpg .jpeg .png .ppm .bmp .tif "
                 ".tiff)\n",
                 input);
      return pigment::exit_code(pigment::ExitCode::bad_input);
    }
    // A seeded Fisher–Yates shuffle puts the photos in random order; walking it, a usable photo
    // goes to test while the test split holds fewer than round(g · fraction) of the first g usable
    // photos (at least one from the second on, when the fraction is positive), so skipped files do
    // not unbalance the split.
    Rng gen(seed);
    for (std::size_t i = files.size() - 1; i > 0; --i)
      std::swap(files[i], files[static_cast<std::size_t>(gen.uniform_int(static_cast<std::int64_t>(i) + 1))]);
    const auto test_target = [&](std::size_t usable) -> std::size_t {
      if (test_fraction <= 0 || usable < 2) return 0;
      return std::max<std::size_t>(1, static_cast<std::size_t>(std::lround(test_fraction * static_cast<double>(usable))));
    };

    std::size_t written[2] = {0, 0}, skipped = 0;
    std::set<std::string> used_names;
    for (std::size_t i = 0; i < files.size(); ++i) {
      std::string error;
      std::optional<Image> image = load_image(files[i], error);
      if (!image) {
        fmt::print(stderr, "warning: {} (skipped)\n", error);
        ++skipped;
        continue;
      }
      if (!has_colour(*image)) {
        fmt::print(stderr, "warning: {}: black and white, nothing to learn colour from (skipped)\n", files[i].string());
        ++skipped;
        continue;
      }
      const bool test = written[1] < test_target(written[0] + written[1] + 1);
      std::string name = flat_name(files[i], input);
      if (size > 0) name = fs::path(name).replace_extension(".png").string();
      while (!used_names.insert(name).second) name = "dup_" + name;
      const fs::path target = fs::path(output) / (test ? "test" : "train") / name;
      fs::create_directories(target.parent_path());
      if (size > 0)
        save_png(target, resize_short_side(*image, size));
      else {
        const std::vector<std::byte> bytes = read_file(files[i]);
        write_file_atomically(target, bytes);
      }
      ++written[test ? 1 : 0];
    }
    fmt::print("make-colorization-dataset: wrote {} train and {} test photos to {} ({} skipped)\n", written[0],
               written[1], output, skipped);
    if (written[0] == 0) {
      fmt::print(stderr, "make-colorization-dataset: no usable training photo in {}\n", input);
      return pigment::exit_code(pigment::ExitCode::bad_input);
    }
    return 0;
  } catch (const std::exception& e) {
    return pigment::report_failure("make-colorization-dataset", e);
  }
}
