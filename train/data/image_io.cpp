// load_image and save_png: the file checks that keep hostile input harmless (size before reading,
// signature and header before decoding, truncation that stb would silently paper over), then stb.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <new>
#include <span>
#include <system_error>

#include <fmt/format.h>

#include "engine/error.h"
#include "engine/file_io.h"
#include "train/data/image.h"
#include "train/data/stb_codec.h"

namespace pigment::data {

namespace {

using Bytes = std::span<const std::uint8_t>;

bool starts_with(Bytes b, std::initializer_list<std::uint8_t> magic) {
  return b.size() >= magic.size() && std::equal(magic.begin(), magic.end(), b.begin());
}

enum class Format { png, jpeg, bmp, unknown };

// Names the format from the signature; for formats we do not decode, sets `reason` to a fix.
Format sniff_format(Bytes b, std::string& reason) {
  if (starts_with(b, {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A})) return Format::png;
  if (starts_with(b, {0xFF, 0xD8, 0xFF})) return Format::jpeg;
  if (starts_with(b, {'B', 'M'})) return Format::bmp;
  if (starts_with(b, {'I', 'I', 0x2A, 0x00}) || starts_with(b, {'M', 'M', 0x00, 0x2A}))
    reason = "TIFF is not supported (Pigment decodes PNG, JPEG and BMP): convert it to PNG";
  else if (b.size() >= 2 && b[0] == 'P' && b[1] >= '1' && b[1] <= '7')
    reason = "PPM/PGM/PBM (Netpbm) is not supported (Pigment decodes PNG, JPEG and BMP): convert it to PNG";
  else if (starts_with(b, {'G', 'I', 'F', '8'}))
    reason = "GIF is not supported (Pigment decodes PNG, JPEG and BMP): convert it to PNG";
  else if (b.size() >= 12 && starts_with(b, {'R', 'I', 'F', 'F'}) && b[8] == 'W' && b[9] == 'E' && b[10] == 'B' && b[11] == 'P')
    reason = "WebP is not supported (Pigment decodes PNG, JPEG and BMP): convert it to PNG";
  else
    reason = "not an image Pigment can decode (no PNG, JPEG or BMP signature)";
  return Format::unknown;
}

std::uint32_t read_le32(Bytes b, std::size_t at) {
  return static_cast<std::uint32_t>(b[at]) | static_cast<std::uint32_t>(b[at + 1]) << 8 |
         static_cast<std::uint32_t>(b[at + 2]) << 16 | static_cast<std::uint32_t>(b[at + 3]) << 24;
}

// stb_image also reads past the end of an uncompressed BMP as zeros. The pixel array of an
// uncompressed (BI_RGB or BI_BITFIELDS) BMP occupies |height| rows of ⌈bpp·width/32⌉·4 bytes
// from the data offset; the file must hold them all.
bool bmp_is_complete(Bytes b, const detail::ImageHeader& header) {
  if (b.size() < 34) return false;
  const std::uint32_t data_offset = read_le32(b, 10);
  const std::uint32_t info_size = read_le32(b, 14);
  if (info_size < 40) return true;  // old OS/2 headers: leave the checks to stb
  const std::uint16_t bits = static_cast<std::uint16_t>(b[28] | b[29] << 8);
  const std::uint32_t compression = read_le32(b, 30);
  if (compression != 0 && compression != 3) return true;  // RLE: stb checks its own runs
  const std::uint64_t row = (static_cast<std::uint64_t>(bits) * static_cast<std::uint64_t>(header.width) + 31) / 32 * 4;
  return static_cast<std::uint64_t>(data_offset) + row * static_cast<std::uint64_t>(header.height) <= b.size();
}

std::uint32_t read_be32(Bytes b, std::size_t at) {
  return static_cast<std::uint32_t>(b[at]) << 24 | static_cast<std::uint32_t>(b[at + 1]) << 16 |
         static_cast<std::uint32_t>(b[at + 2]) << 8 | static_cast<std::uint32_t>(b[at + 3]);
}
std::uint32_t read_be16(Bytes b, std::size_t at) { return static_cast<std::uint32_t>(b[at]) << 8 | b[at + 1]; }

bool is_sof(std::uint8_t marker) { return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC; }
bool is_standalone(std::uint8_t marker) { return marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8); }

// Walks a JPEG's marker segments and entropy-coded scans before stb sees it, and names what is
// wrong, or returns "". This closes what stb_image 2.27 gets wrong on hostile input:
// - a JPEG cut short decodes "successfully" (missing scan data reads as zeros): the file must
//   reach an end-of-image marker after its last scan (byte stuffing, FF 00, keeps markers out of
//   scan data, so the walk finds them);
// - a Huffman table (DHT) declaring more than 256 codes overflows stb's tables (fixed upstream in
//   2.28): every table is checked;
// - a second frame header (SOF) makes stb reallocate components it still uses: refused.
std::string jpeg_structure_problem(Bytes b) {
  std::size_t i = 2;  // after SOI
  int frames = 0;
  bool in_scan = false;
  while (true) {
    if (in_scan) {  // skip entropy-coded data up to the next real marker
      while (i + 1 < b.size() && !(b[i] == 0xFF && b[i + 1] != 0x00 && b[i + 1] != 0xFF &&
                                   !(b[i + 1] >= 0xD0 && b[i + 1] <= 0xD7)))
        ++i;
      in_scan = false;
    }
    if (i + 1 >= b.size()) return "truncated JPEG (no end-of-image marker after the last scan)";
    if (b[i] != 0xFF) return fmt::format("corrupt JPEG (no marker at byte {})", i);
    const std::uint8_t marker = b[i + 1];
    if (marker == 0xFF) {  // fill byte before a marker
      ++i;
      continue;
    }
    if (marker == 0xD9) return frames == 1 ? "" : "corrupt JPEG (no frame header before the end)";
    if (is_standalone(marker)) {
      i += 2;
      continue;
    }
    if (i + 4 > b.size()) return "truncated JPEG (the file ends inside a marker)";
    const std::size_t length = read_be16(b, i + 2), end = i + 2 + length;
    if (length < 2 || end > b.size()) return "truncated JPEG (a marker segment runs past the end of the file)";
    if (is_sof(marker) && ++frames > 1) return "corrupt JPEG (more than one frame header)";
    if (marker == 0xC4) {
      for (std::size_t p = i + 4; p < end;) {  // tables: class/id byte, 16 code counts, the symbols
        if (p + 17 > end || (b[p] >> 4) > 1 || (b[p] & 15) > 3) return "corrupt JPEG (malformed Huffman table)";
        std::size_t codes = 0;
        for (std::size_t k = 1; k <= 16; ++k) codes += b[p + k];
        if (codes > 256) return fmt::format("corrupt JPEG (a Huffman table declares {} codes; at most 256 exist)", codes);
        p += 17 + codes;
        if (p > end) return "corrupt JPEG (malformed Huffman table)";
      }
    }
    in_scan = marker == 0xDA;
    i = end;
  }
}

struct Dimensions {
  std::int64_t width = 0, height = 0;
};

// The size a JPEG declares in its start-of-frame segment: walk the marker segments up to the
// first SOFn (C0–CF except C4 DHT, C8 JPG, CC DAC), stopping at the start of scan.
std::optional<Dimensions> jpeg_dimensions(Bytes b) {
  std::size_t i = 2;
  while (i + 9 <= b.size()) {
    if (b[i] != 0xFF) return std::nullopt;
    const std::uint8_t marker = b[i + 1];
    if (marker == 0xFF) {  // fill byte
      ++i;
      continue;
    }
    if (marker == 0xDA) return std::nullopt;
    if (is_sof(marker)) return Dimensions{read_be16(b, i + 7), read_be16(b, i + 5)};
    if (is_standalone(marker)) {  // markers without a length
      i += 2;
      continue;
    }
    i += 2 + read_be16(b, i + 2);
  }
  return std::nullopt;
}

// The size the header declares, read before stb does anything (stb's own refusal of absurd sizes
// is reported as "unknown type"): PNG's IHDR, BMP's info header, JPEG's SOF.
std::optional<Dimensions> declared_dimensions(Format format, Bytes b) {
  switch (format) {
    case Format::png:
      if (b.size() >= 24 && b[12] == 'I' && b[13] == 'H' && b[14] == 'D' && b[15] == 'R')
        return Dimensions{read_be32(b, 16), read_be32(b, 20)};
      return std::nullopt;
    case Format::bmp: {
      if (b.size() < 26) return std::nullopt;
      const std::uint32_t info_size = read_le32(b, 14);
      if (info_size == 12)
        return Dimensions{static_cast<std::uint16_t>(b[18] | b[19] << 8), static_cast<std::uint16_t>(b[20] | b[21] << 8)};
      const auto w = static_cast<std::int32_t>(read_le32(b, 18)), h = static_cast<std::int32_t>(read_le32(b, 22));
      return Dimensions{std::abs(static_cast<std::int64_t>(w)), std::abs(static_cast<std::int64_t>(h))};
    }
    case Format::jpeg: return jpeg_dimensions(b);
    case Format::unknown: return std::nullopt;
  }
  return std::nullopt;
}

std::optional<std::vector<std::uint8_t>> read_bytes(const std::filesystem::path& path, std::string& error,
                                                    const DecodeLimits& limits) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) {
    error = fmt::format("{}: cannot read: {}", path.string(), ec ? ec.message() : "no such file");
    return std::nullopt;
  }
  if (!std::filesystem::is_regular_file(status)) {
    error = fmt::format("{}: not a regular file", path.string());
    return std::nullopt;
  }
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) {
    error = fmt::format("{}: cannot read its size: {}", path.string(), ec.message());
    return std::nullopt;
  }
  if (size == 0) {
    error = fmt::format("{}: empty file (0 bytes)", path.string());
    return std::nullopt;
  }
  if (size > limits.max_file_bytes) {
    error = fmt::format("{}: file is {} bytes, over the limit of {} (DecodeLimits::max_file_bytes)", path.string(),
                        size, limits.max_file_bytes);
    return std::nullopt;
  }
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(size));
  std::ifstream in(path, std::ios::binary);
  if (!in || !in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()))) {
    error = fmt::format("{}: cannot read: the file could not be opened or changed while reading", path.string());
    return std::nullopt;
  }
  return bytes;
}

Image decode_checked(const std::filesystem::path& path, Bytes bytes, std::string& error, const DecodeLimits& limits,
                     int force_channels) {
  std::string reason;
  const Format format = sniff_format(bytes, reason);
  if (format == Format::unknown) {
    error = fmt::format("{}: {}", path.string(), reason);
    return {};
  }
  const int max_side = std::min(limits.max_dimension, detail::kStbMaxDimension);
  const auto too_large = [&](std::int64_t w, std::int64_t h) {
    return w > max_side || h > max_side || static_cast<std::uint64_t>(w) * static_cast<std::uint64_t>(h) > limits.max_pixels;
  };
  const auto over_limit = [&](std::int64_t w, std::int64_t h) {
    error = fmt::format("{}: image is {}×{}, over the limit of {} pixels a side or {} pixels in all (DecodeLimits)",
                        path.string(), w, h, max_side, limits.max_pixels);
    return Image{};
  };
  if (const auto declared = declared_dimensions(format, bytes); declared && too_large(declared->width, declared->height))
    return over_limit(declared->width, declared->height);
  // Before stb reads anything: stbi_info already parses a JPEG's tables.
  if (format == Format::jpeg) {
    if (const std::string problem = jpeg_structure_problem(bytes); !problem.empty()) {
      error = fmt::format("{}: {}", path.string(), problem);
      return {};
    }
  }
  detail::ImageHeader header;
  if (!detail::probe_image(bytes, header, reason)) {
    // stb refuses absurd sizes while reading the header ("Very large image", "too large to decode").
    const bool stb_says_too_large = reason.find("large") != std::string::npos;
    error = stb_says_too_large ? fmt::format("{}: image dimensions are over the limit of what can be decoded ({})",
                                    path.string(), reason)
                      : fmt::format("{}: corrupt or truncated image header ({})", path.string(), reason);
    return {};
  }
  if (header.width <= 0 || header.height <= 0 || too_large(header.width, header.height))
    return over_limit(header.width, header.height);
  if (format == Format::bmp && !bmp_is_complete(bytes, header)) {
    error = fmt::format("{}: truncated BMP (the file ends before the pixel rows its header declares)", path.string());
    return {};
  }
  // Like PIL's convert('RGB'): alpha is dropped; gray stays gray unless 3 channels are asked for.
  const int channels = force_channels != 0 ? force_channels : (header.channels <= 2 ? 1 : 3);
  std::vector<std::uint8_t> pixels = detail::decode_image(bytes, channels, header, reason);
  if (pixels.empty()) {
    error = fmt::format("{}: corrupt or truncated image data ({})", path.string(), reason);
    return {};
  }
  Image image(header.width, header.height, channels);
  std::transform(pixels.begin(), pixels.end(), image.pixels.begin(),
                 [](std::uint8_t v) { return static_cast<float>(v) / 255.0f; });
  return image;
}

}  // namespace

std::optional<Image> load_image(const std::filesystem::path& path, std::string& error, const DecodeLimits& limits,
                                int force_channels) {
  PIGMENT_CHECK(force_channels == 0 || force_channels == 1 || force_channels == 3,
                "load_image: force_channels must be 0 (as stored), 1 (gray) or 3 (RGB), got {}", force_channels);
  try {
    auto bytes = read_bytes(path, error, limits);
    if (!bytes) return std::nullopt;
    Image image = decode_checked(path, *bytes, error, limits, force_channels);
    if (image.empty()) return std::nullopt;
    return image;
  } catch (const std::bad_alloc&) {
    error = fmt::format("{}: out of memory while decoding", path.string());
    return std::nullopt;
  }
}

std::optional<Image> decode_image_bytes(std::span<const std::uint8_t> bytes, const std::string& name,
                                        std::string& error, const DecodeLimits& limits, int force_channels) {
  PIGMENT_CHECK(force_channels == 0 || force_channels == 1 || force_channels == 3,
                "decode_image_bytes: force_channels must be 0 (as stored), 1 (gray) or 3 (RGB), got {}", force_channels);
  if (bytes.size() > limits.max_file_bytes) {
    error = fmt::format("{}: {} bytes, over the limit of {}", name, bytes.size(), limits.max_file_bytes);
    return std::nullopt;
  }
  try {
    Image image = decode_checked(name, bytes, error, limits, force_channels);
    if (image.empty()) return std::nullopt;
    return image;
  } catch (const std::bad_alloc&) {
    error = fmt::format("{}: out of memory while decoding", name);
    return std::nullopt;
  }
}

std::vector<std::byte> png_bytes(const Image& image) {
  PIGMENT_CHECK(image.channels >= 1 && image.channels <= 4 && image.width > 0 && image.height > 0 &&
                    image.pixels.size() == static_cast<std::size_t>(image.width) * image.height * image.channels,
                "PNG: cannot encode a {}×{} image with {} channels and {} values", image.width, image.height,
                image.channels, image.pixels.size());
  std::vector<std::uint8_t> bytes(image.pixels.size());
  std::transform(image.pixels.begin(), image.pixels.end(), bytes.begin(), [](float v) {
    const float clamped = std::isnan(v) ? 0.0f : std::clamp(v, 0.0f, 1.0f);
    return static_cast<std::uint8_t>(std::lround(clamped * 255.0f));
  });
  std::vector<std::byte> png = detail::encode_png(bytes, image.width, image.height, image.channels);
  PIGMENT_CHECK(!png.empty(), "PNG encoding failed for a {}×{} image", image.width, image.height);
  return png;
}

void save_png(const std::filesystem::path& path, const Image& image) {
  std::vector<std::byte> png;
  try {
    png = png_bytes(image);
  } catch (const Error& e) {
    throw Error(fmt::format("save_png {}: {}", path.string(), e.what()));
  }
  write_file_atomically(path, png);
}

}  // namespace pigment::data
