#pragma once
// Decoded images and the pixel operations of the data pipeline. Pixels are float in [0, 1],
// interleaved (row-major HWC), 1 channel (gray) or 3 (RGB).
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace pigment::data {

struct Image {
  int width = 0, height = 0, channels = 0;
  std::vector<float> pixels;  // height · width · channels

  Image() = default;
  Image(int w, int h, int c) : width(w), height(h), channels(c), pixels(static_cast<std::size_t>(w) * h * c, 0.0f) {}
  float& at(int y, int x, int c) { return pixels[(static_cast<std::size_t>(y) * width + x) * channels + c]; }
  float at(int y, int x, int c) const { return pixels[(static_cast<std::size_t>(y) * width + x) * channels + c]; }
  bool empty() const { return pixels.empty(); }
};

// Limits that keep a hostile file from exhausting memory or time.
struct DecodeLimits {
  std::uint64_t max_file_bytes = 64u << 20;  // 64 MiB
  int max_dimension = 16384;                 // per side
  // Width × height: a small, highly compressible file may still declare a huge picture (64 Mi
  // pixels ≈ 8192², 0.8 GB as float RGB).
  std::uint64_t max_pixels = std::uint64_t{64} << 20;
};

// Decodes PNG, JPEG or BMP (stb_image, compiled with those formats only). On failure returns
// nothing and sets `error` to a reason naming the file (unreadable, empty, truncated, corrupt,
// unsupported format such as TIFF, over a limit). Never throws on bad data, never crashes.
std::optional<Image> load_image(const std::filesystem::path& path, std::string& error,
                                const DecodeLimits& limits = {}, int force_channels = 0 /* 0, 1 or 3 */);
// The same for an image held in memory (an upload); `name` names it in the error.
std::optional<Image> decode_image_bytes(std::span<const std::uint8_t> bytes, const std::string& name,
                                        std::string& error, const DecodeLimits& limits = {}, int force_channels = 0);
// Writes an 8-bit PNG atomically (temporary + rename); throws pigment::Error naming the path.
void save_png(const std::filesystem::path& path, const Image& image);
// The PNG file's bytes of an image (what save_png writes).
std::vector<std::byte> png_bytes(const Image& image);

// ---- Pixel operations (used by preprocessing and the tools) --------------------------------------
// Bicubic resampling as PIL's Image.resize(BICUBIC) does it (torchvision's default for the
// reference): separable, a = −0.5, and the filter support widened by the scale factor when
// shrinking (antialiasing). In float like PIL's mode 'F': values are not clipped, so any range
// (e.g. ab/110 in [−1, 1]) resizes; near hard edges [0, 1] images may overshoot slightly. (The
// data pipeline resamples in 8 bits, bit for bit as PIL does for RGB and L images.)
Image resize_bicubic(const Image& src, int width, int height);
Image crop(const Image& src, int x, int y, int width, int height);
Image flip_horizontal(const Image& src);
// ITU-R 601-2 luma as PIL's convert('L'): L = 0.299 R + 0.587 G + 0.114 B.
Image to_gray(const Image& src);
Image to_rgb(const Image& src);  // gray replicated to 3 channels

}  // namespace pigment::data
