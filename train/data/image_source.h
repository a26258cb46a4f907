#pragma once
// Where a dataset's images come from: files found under a folder, or synthetic scenes made on the
// fly. A source is a list addressed by position; loading is safe from several threads at once.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "train/data/image.h"

namespace pigment::data::detail {

class ImageSource {
 public:
  virtual ~ImageSource() = default;
  virtual std::int64_t size() const = 0;
  virtual std::string name(std::int64_t i) const = 0;  // the path, or "synthetic:<seed>:<index>"
  // Image i as RGB (3 channels, like PIL's convert('RGB')); nothing, with a reason naming the
  // image, when it cannot be decoded.
  virtual std::optional<Image> load(std::int64_t i, std::string& error) const = 0;
};

// The extensions the reference lists (IMG_EXTENSIONS), compared without regard to case.
bool has_image_extension(const std::filesystem::path& path);
// Image files under `dir`, recursively (following directory links, at most 32 levels deep),
// sorted by path, the first `max_count` of them.
std::vector<std::filesystem::path> scan_images(const std::filesystem::path& dir, std::int64_t max_count);

std::unique_ptr<ImageSource> make_file_source(std::vector<std::filesystem::path> paths, const DecodeLimits& limits);

// The synthetic test phase's scenes start at this index, far from any training index.
inline constexpr std::int64_t kSyntheticTestOffset = std::int64_t{1} << 40;

enum class SceneKind { colour, gray, gray_colour_pair };
// Scenes first_index … first_index + count − 1 of synthetic_scene(seed, ·, size, size, palettes), as
// colour, as 3-channel gray, or as pix2pix's aligned pair (gray | colour, 2·size wide).
std::unique_ptr<ImageSource> make_synthetic_source(std::uint64_t seed, std::int64_t first_index, std::int64_t count,
                                                   int size, SceneKind kind, int palettes = 0);

// A colour image as its 8-bit gray version replicated to 3 channels (what a black-and-white photo
// decodes to), and the aligned pair gray | colour.
Image gray_as_rgb(const Image& colour);
Image gray_colour_pair(const Image& colour);

}  // namespace pigment::data::detail
