#include "train/data/image_source.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <system_error>

#include <fmt/format.h>

#include "engine/error.h"
#include "train/data/preprocess.h"
#include "train/data/synthetic.h"

namespace pigment::data::detail {

bool has_image_extension(const std::filesystem::path& path) {
  static constexpr std::array<std::string_view, 7> kExtensions = {".jpg", ".jpeg", ".png", ".ppm",
                                                                   ".bmp", ".tif",  ".tiff"};
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return std::find(kExtensions.begin(), kExtensions.end(), ext) != kExtensions.end();
}

std::vector<std::filesystem::path> scan_images(const std::filesystem::path& dir, std::int64_t max_count) {
  namespace fs = std::filesystem;
  constexpr int kMaxDepth = 32;  // a directory link cycle stops here instead of looping forever
  std::vector<fs::path> found;
  std::error_code ec;
  fs::recursive_directory_iterator it(dir, fs::directory_options::follow_directory_symlink |
                                               fs::directory_options::skip_permission_denied, ec);
  PIGMENT_CHECK(!ec, "data: cannot list {}: {}", dir.string(), ec.message());
  for (const fs::recursive_directory_iterator end; it != end; it.increment(ec)) {
    if (ec) break;
    if (it.depth() >= kMaxDepth) it.disable_recursion_pending();
    std::error_code type_ec;
    if (it->is_regular_file(type_ec) && has_image_extension(it->path())) found.push_back(it->path());
  }
  PIGMENT_CHECK(!ec, "data: error while listing {}: {}", dir.string(), ec.message());
  std::sort(found.begin(), found.end(), [](const fs::path& a, const fs::path& b) { return a.native() < b.native(); });
  if (static_cast<std::int64_t>(found.size()) > max_count) found.resize(static_cast<std::size_t>(std::max<std::int64_t>(max_count, 0)));
  return found;
}

namespace {

class FileSource final : public ImageSource {
 public:
  FileSource(std::vector<std::filesystem::path> paths, const DecodeLimits& limits)
      : paths_(std::move(paths)), limits_(limits) {}
  std::int64_t size() const override { return static_cast<std::int64_t>(paths_.size()); }
  std::string name(std::int64_t i) const override { return paths_.at(static_cast<std::size_t>(i)).string(); }
  std::optional<Image> load(std::int64_t i, std::string& error) const override {
    return load_image(paths_.at(static_cast<std::size_t>(i)), error, limits_, 3);
  }

 private:
  std::vector<std::filesystem::path> paths_;
  DecodeLimits limits_;
};

class SyntheticSource final : public ImageSource {
 public:
  SyntheticSource(std::uint64_t seed, std::int64_t first_index, std::int64_t count, int size, SceneKind kind,
                  int palettes)
      : seed_(seed), first_(first_index), count_(count), size_(size), kind_(kind), palettes_(palettes) {}
  std::int64_t size() const override { return count_; }
  std::string name(std::int64_t i) const override { return fmt::format("synthetic:{}:{}", seed_, first_ + i); }
  std::optional<Image> load(std::int64_t i, std::string&) const override {
    Image colour = synthetic_scene(seed_, first_ + i, size_, size_, palettes_);
    switch (kind_) {
      case SceneKind::colour: return colour;
      case SceneKind::gray: return gray_as_rgb(colour);
      case SceneKind::gray_colour_pair: return gray_colour_pair(colour);
    }
    return colour;
  }

 private:
  std::uint64_t seed_;
  std::int64_t first_, count_;
  int size_;
  SceneKind kind_;
  int palettes_;
};

}  // namespace

std::unique_ptr<ImageSource> make_file_source(std::vector<std::filesystem::path> paths, const DecodeLimits& limits) {
  return std::make_unique<FileSource>(std::move(paths), limits);
}

std::unique_ptr<ImageSource> make_synthetic_source(std::uint64_t seed, std::int64_t first_index, std::int64_t count,
                                                   int size, SceneKind kind, int palettes) {
  PIGMENT_CHECK(size >= 8 && size <= 4096, "synthetic scenes: size {} must lie in [8, 4096]", size);
  PIGMENT_CHECK(count >= 0, "synthetic scenes: count {} must not be negative", count);
  return std::make_unique<SyntheticSource>(seed, first_index, count, size, kind, palettes);
}

Image gray_as_rgb(const Image& colour) {
  Image gray = to_gray(colour);
  quantize_8bit(gray);
  return to_rgb(gray);
}

Image gray_colour_pair(const Image& colour) {
  const Image gray = gray_as_rgb(colour);
  const Image rgb = to_rgb(colour);
  Image pair(2 * rgb.width, rgb.height, 3);
  for (int y = 0; y < rgb.height; ++y)
    for (int x = 0; x < rgb.width; ++x)
      for (int c = 0; c < 3; ++c) {
        pair.at(y, x, c) = gray.at(y, x, c);
        pair.at(y, rgb.width + x, c) = rgb.at(y, x, c);
      }
  return pair;
}

}  // namespace pigment::data::detail
