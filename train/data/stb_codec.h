#pragma once
// The thin, private face of stb_image / stb_image_write (compiled in stb_impl.cpp only). Nothing
// here throws: decoding problems come back as a reason string.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace pigment::data::detail {

// stb_image refuses any side above this before allocating (STBI_MAX_DIMENSIONS). DecodeLimits
// applies the user's (smaller) limit on top.
inline constexpr int kStbMaxDimension = 1 << 16;

struct ImageHeader {
  int width = 0, height = 0, channels = 0;  // channels as stored in the file (1–4)
};

// Reads the header only (stbi_info_from_memory). False, with stb's reason, when the data is not a
// PNG, JPEG or BMP stb can parse.
bool probe_image(std::span<const std::uint8_t> bytes, ImageHeader& header, std::string& reason);

// Decodes to 8-bit pixels with `channels` (1 or 3) interleaved channels. Empty, with stb's reason,
// on failure.
std::vector<std::uint8_t> decode_image(std::span<const std::uint8_t> bytes, int channels, ImageHeader& header,
                                       std::string& reason);

// Encode 8-bit interleaved pixels (1, 2, 3 or 4 channels) as PNG, JPEG (quality 1–100) or BMP.
// Empty on failure. (JPEG and BMP are for tests and tools; datasets are written as PNG.)
std::vector<std::byte> encode_png(std::span<const std::uint8_t> pixels, int width, int height, int channels);
std::vector<std::byte> encode_jpeg(std::span<const std::uint8_t> pixels, int width, int height, int channels,
                                   int quality);
std::vector<std::byte> encode_bmp(std::span<const std::uint8_t> pixels, int width, int height, int channels);

}  // namespace pigment::data::detail
