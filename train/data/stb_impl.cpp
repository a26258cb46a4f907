// The one translation unit that compiles stb_image (PNG, JPEG and BMP only) and stb_image_write.
// stb comes from Debian's libstb-dev; its own warnings are silenced around the includes only.
#include "train/data/stb_codec.h"

#include <climits>

#define STBI_MAX_DIMENSIONS ::pigment::data::detail::kStbMaxDimension
#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_PNG
#define STBI_ONLY_JPEG
#define STBI_ONLY_BMP
#define STBI_NO_STDIO
#define STBI_FAILURE_USERMSG
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STBI_WRITE_NO_STDIO
#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_STATIC

#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wconversion"
#pragma GCC diagnostic ignored "-Wsign-conversion"
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#pragma GCC diagnostic ignored "-Wpedantic"
#endif
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <stb_image.h>
#include <stb_image_write.h>
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

namespace pigment::data::detail {

namespace {
const char* stb_reason() {
  const char* r = stbi_failure_reason();  // thread-local in stb_image 2.27
  return r ? r : "unknown error";
}
}  // namespace

bool probe_image(std::span<const std::uint8_t> bytes, ImageHeader& header, std::string& reason) {
  if (bytes.size() > static_cast<std::size_t>(INT_MAX)) {
    reason = "file too large for the decoder (over 2 GiB)";
    return false;
  }
  int w = 0, h = 0, c = 0;
  if (!stbi_info_from_memory(bytes.data(), static_cast<int>(bytes.size()), &w, &h, &c)) {
    reason = stb_reason();
    return false;
  }
  header = {w, h, c};
  return true;
}

std::vector<std::uint8_t> decode_image(std::span<const std::uint8_t> bytes, int channels, ImageHeader& header,
                                       std::string& reason) {
  std::vector<std::uint8_t> pixels;
  if (bytes.size() > static_cast<std::size_t>(INT_MAX)) {
    reason = "file too large for the decoder (over 2 GiB)";
    return pixels;
  }
  int w = 0, h = 0, c = 0;
  stbi_uc* data = stbi_load_from_memory(bytes.data(), static_cast<int>(bytes.size()), &w, &h, &c, channels);
  if (!data) {
    reason = stb_reason();
    return pixels;
  }
  header = {w, h, c};
  const std::size_t n = static_cast<std::size_t>(w) * static_cast<std::size_t>(h) * static_cast<std::size_t>(channels);
  try {
    pixels.assign(data, data + n);
  } catch (...) {
    stbi_image_free(data);
    throw;
  }
  stbi_image_free(data);
  return pixels;
}

namespace {
void append_to(void* context, void* data, int size) {
  auto* sink = static_cast<std::vector<std::byte>*>(context);
  const auto* first = static_cast<const std::byte*>(data);
  sink->insert(sink->end(), first, first + size);
}
}  // namespace

std::vector<std::byte> encode_png(std::span<const std::uint8_t> pixels, int width, int height, int channels) {
  std::vector<std::byte> out;
  if (!stbi_write_png_to_func(append_to, &out, width, height, channels, pixels.data(), width * channels)) out.clear();
  return out;
}

std::vector<std::byte> encode_jpeg(std::span<const std::uint8_t> pixels, int width, int height, int channels,
                                   int quality) {
  std::vector<std::byte> out;
  if (!stbi_write_jpg_to_func(append_to, &out, width, height, channels, pixels.data(), quality)) out.clear();
  return out;
}

std::vector<std::byte> encode_bmp(std::span<const std::uint8_t> pixels, int width, int height, int channels) {
  std::vector<std::byte> out;
  if (!stbi_write_bmp_to_func(append_to, &out, width, height, channels, pixels.data())) out.clear();
  return out;
}

}  // namespace pigment::data::detail
