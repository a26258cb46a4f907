// Decoding valid PNG, JPEG and BMP, and refusing hostile files with a message naming the file.
#include <catch2/catch.hpp>

#include "data_test_helpers.h"
#include "engine/philox.h"
#include "engine/rng.h"
#include "train/data/image.h"

using namespace pigment;
using namespace pigment::data;
namespace codec = pigment::data::detail;

namespace {

std::vector<std::byte> png_of(const Image& image) {
  return codec::encode_png(test::to_bytes(image), image.width, image.height, image.channels);
}

// load_image must fail, and its message must name the file and contain `reason`.
void require_rejected(const std::filesystem::path& path, const std::string& reason, const DecodeLimits& limits = {}) {
  std::string error;
  const std::optional<Image> image = load_image(path, error, limits);
  INFO("file " << path << ", message: " << error);
  CHECK_FALSE(image.has_value());
  CHECK_THAT(error, Catch::Contains(path.filename().string()));
  CHECK_THAT(error, Catch::Contains(reason));
}

}  // namespace

TEST_CASE("PNG, JPEG and BMP written by stb_image_write decode", "[data][io]") {
  test::TempDir dir;
  const Image picture = test::test_picture(19, 11);

  save_png(dir / "rgb.png", picture);
  std::string error;
  std::optional<Image> png = load_image(dir / "rgb.png", error);
  REQUIRE(png);
  CHECK(png->channels == 3);
  CHECK(test::max_abs_diff(*png, picture) == 0.0);  // PNG is lossless on the 8-bit grid

  const Image gray = to_gray(test::test_picture(7, 5, 1));
  save_png(dir / "gray.png", gray);
  std::optional<Image> g1 = load_image(dir / "gray.png", error);
  REQUIRE(g1);
  CHECK(g1->channels == 1);
  std::optional<Image> g3 = load_image(dir / "gray.png", error, {}, 3);
  REQUIRE(g3);
  CHECK(g3->channels == 3);
  CHECK(g3->at(2, 3, 0) == g3->at(2, 3, 2));

  Image rgba(5, 4, 4);
  for (std::size_t i = 0; i < rgba.pixels.size(); ++i) rgba.pixels[i] = static_cast<float>(i % 256) / 255.0f;
  test::write_bytes(dir / "rgba.png", png_of(rgba));
  std::optional<Image> no_alpha = load_image(dir / "rgba.png", error);  // alpha dropped, as convert('RGB')
  REQUIRE(no_alpha);
  CHECK(no_alpha->channels == 3);
  CHECK(no_alpha->at(1, 2, 1) == rgba.at(1, 2, 1));

  test::write_bytes(dir / "photo.jpg", codec::encode_jpeg(test::to_bytes(picture), 19, 11, 3, 95));
  std::optional<Image> jpeg = load_image(dir / "photo.jpg", error);
  REQUIRE(jpeg);
  CHECK((jpeg->width == 19 && jpeg->height == 11 && jpeg->channels == 3));
  double mean_error = 0;
  for (std::size_t i = 0; i < picture.pixels.size(); ++i) mean_error += std::fabs(jpeg->pixels[i] - picture.pixels[i]);
  CHECK(mean_error / static_cast<double>(picture.pixels.size()) < 0.05);  // lossy, but close

  test::write_bytes(dir / "bitmap.bmp", codec::encode_bmp(test::to_bytes(picture), 19, 11, 3));
  std::optional<Image> bmp = load_image(dir / "bitmap.bmp", error);
  REQUIRE(bmp);
  CHECK(test::max_abs_diff(*bmp, picture) == 0.0);
}

TEST_CASE("hostile files are refused with the file and the reason", "[data][io]") {
  test::TempDir dir;
  const Image picture = test::test_picture(16, 12);
  const std::vector<std::byte> png = png_of(picture);
  const std::vector<std::byte> jpeg = codec::encode_jpeg(test::to_bytes(picture), 16, 12, 3, 90);
  const std::vector<std::byte> bmp = codec::encode_bmp(test::to_bytes(picture), 16, 12, 3);
  const auto prefix = [](const std::vector<std::byte>& b, std::size_t n) {
    return std::vector<std::byte>(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(n));
  };
  const auto bytes_of = [](const std::string& s) {
    std::vector<std::byte> b(s.size());
    std::memcpy(b.data(), s.data(), s.size());
    return b;
  };

  test::write_bytes(dir / "empty.png", {});
  require_rejected(dir / "empty.png", "empty file");

  test::write_bytes(dir / "cut.png", prefix(png, png.size() / 2));
  require_rejected(dir / "cut.png", "corrupt or truncated");
  test::write_bytes(dir / "header_only.png", prefix(png, 20));
  require_rejected(dir / "header_only.png", "corrupt or truncated");
  test::write_bytes(dir / "cut.jpg", prefix(jpeg, jpeg.size() * 6 / 10));
  require_rejected(dir / "cut.jpg", "truncated JPEG");
  test::write_bytes(dir / "cut.bmp", prefix(bmp, bmp.size() * 6 / 10));
  require_rejected(dir / "cut.bmp", "truncated BMP");

  // A Huffman table declaring more than 256 codes overflowed stb_image 2.27's tables (fixed in
  // stb 2.28); a second frame header made it reuse freed components. Both are refused up front.
  std::vector<std::byte> big_table = jpeg;
  for (std::size_t i = 2; i + 6 < big_table.size(); ++i)
    if (big_table[i] == std::byte{0xFF} && big_table[i + 1] == std::byte{0xC4}) {  // DHT: length, class/id, counts
      big_table[i + 5] = big_table[i + 6] = std::byte{0xFF};
      break;
    }
  test::write_bytes(dir / "big_table.jpg", big_table);
  require_rejected(dir / "big_table.jpg", "Huffman table declares");
  std::vector<std::byte> two_frames = jpeg;
  for (std::size_t i = 2; i + 4 < two_frames.size(); ++i)
    if (two_frames[i] == std::byte{0xFF} && two_frames[i + 1] == std::byte{0xC4}) {
      two_frames[i + 1] = std::byte{0xC1};  // the DHT segment now reads as a second (SOF1) frame header
      break;
    }
  test::write_bytes(dir / "two_frames.jpg", two_frames);
  require_rejected(dir / "two_frames.jpg", "more than one frame header");

  std::vector<std::byte> garbage = prefix(png, 8);  // a PNG signature, then noise
  for (std::uint32_t i = 0; i < 300; ++i) garbage.push_back(static_cast<std::byte>(philox::word(7, i)));
  test::write_bytes(dir / "garbage.png", garbage);
  require_rejected(dir / "garbage.png", "corrupt or truncated");

  test::write_text(dir / "notes.png", "these are not the pixels you are looking for\n");
  require_rejected(dir / "notes.png", "no PNG, JPEG or BMP signature");
  test::write_text(dir / "scan.tif", std::string("II*\0", 4) + std::string(64, '\0'));
  require_rejected(dir / "scan.tif", "TIFF is not supported");
  test::write_text(dir / "old.ppm", "P6\n2 2\n255\n" + std::string(12, '\x7f'));
  require_rejected(dir / "old.ppm", "not supported");
  test::write_bytes(dir / "anim.gif", bytes_of("GIF89a" + std::string(32, '\0')));
  require_rejected(dir / "anim.gif", "GIF is not supported");

  // A valid PNG whose header claims 20000 × 20000 pixels (IHDR width and height, big-endian).
  std::vector<std::byte> huge = png;
  for (int at : {16, 20}) {
    huge[at] = std::byte{0};
    huge[at + 1] = std::byte{0};
    huge[at + 2] = std::byte{0x4E};
    huge[at + 3] = std::byte{0x20};
  }
  test::write_bytes(dir / "huge.png", huge);
  require_rejected(dir / "huge.png", "over the limit");

  // The same lie in a BMP's info header and in a JPEG's start-of-frame segment.
  std::vector<std::byte> huge_bmp = bmp;
  huge_bmp[18] = std::byte{0x20};
  huge_bmp[19] = std::byte{0x4E};
  test::write_bytes(dir / "huge.bmp", huge_bmp);
  require_rejected(dir / "huge.bmp", "over the limit");
  std::vector<std::byte> huge_jpeg = jpeg;
  for (std::size_t i = 2; i + 9 < huge_jpeg.size(); ++i)
    if (huge_jpeg[i] == std::byte{0xFF} && huge_jpeg[i + 1] == std::byte{0xC0}) {  // SOF0: height, width at +5, +7
      for (std::size_t at : {i + 5, i + 7}) {
        huge_jpeg[at] = std::byte{0xFF};
        huge_jpeg[at + 1] = std::byte{0xF0};
      }
      break;
    }
  test::write_bytes(dir / "huge.jpg", huge_jpeg);
  require_rejected(dir / "huge.jpg", "65520×65520");

  require_rejected(dir / "rgb_big.png", "cannot read");  // does not exist
  test::write_bytes(dir / "big.png", png);
  require_rejected(dir / "big.png", "over the limit", DecodeLimits{10, 16384});
  DecodeLimits small_sides;
  small_sides.max_dimension = 8;
  require_rejected(dir / "big.png", "over the limit of 8 pixels a side", small_sides);
  DecodeLimits few_pixels;
  few_pixels.max_pixels = 100;  // the picture is 16 × 12 = 192
  require_rejected(dir / "big.png", "100 pixels in all", few_pixels);
  std::filesystem::create_directories(dir / "folder.png");
  require_rejected(dir / "folder.png", "not a regular file");
}

TEST_CASE("damaged files never crash the decoder", "[data][io]") {
  // Random truncations and byte flips of valid files: each load either fails with a message naming
  // the file or yields a sane image.
  test::TempDir dir;
  const Image picture = test::test_picture(24, 16);
  const std::vector<std::vector<std::byte>> originals = {
      png_of(picture), codec::encode_jpeg(test::to_bytes(picture), 24, 16, 3, 80),
      codec::encode_bmp(test::to_bytes(picture), 24, 16, 3)};
  Rng gen(20240601);
  int decoded = 0, refused = 0;
  for (int trial = 0; trial < 240; ++trial) {
    std::vector<std::byte> bytes = originals[static_cast<std::size_t>(trial % 3)];
    const int flips = static_cast<int>(gen.uniform_int(6));
    for (int f = 0; f < flips; ++f)
      bytes[static_cast<std::size_t>(gen.uniform_int(static_cast<std::int64_t>(bytes.size())))] =
          static_cast<std::byte>(gen.next_u32());
    if (gen.uniform() < 0.4) bytes.resize(static_cast<std::size_t>(gen.uniform_int(static_cast<std::int64_t>(bytes.size()))));
    const auto path = dir / ("damaged_" + std::to_string(trial) + ".img");
    test::write_bytes(path, bytes);
    std::string error;
    const std::optional<Image> image = load_image(path, error);
    if (image) {
      ++decoded;
      CHECK((image->width > 0 && image->height > 0 && image->width <= 16384 && image->height <= 16384));
      CHECK(image->pixels.size() == static_cast<std::size_t>(image->width) * image->height * image->channels);
    } else {
      ++refused;
      CHECK_THAT(error, Catch::Contains(path.filename().string()));
    }
  }
  INFO(decoded << " decoded, " << refused << " refused");
  CHECK(refused > 0);
}

TEST_CASE("save_png writes atomically and names the path on failure", "[data][io]") {
  test::TempDir dir;
  save_png(dir / "a.png", test::test_picture(3, 3));
  CHECK(std::filesystem::exists(dir / "a.png"));
  for (const auto& entry : std::filesystem::directory_iterator(dir.path()))
    CHECK(entry.path().filename() == "a.png");  // no temporary left behind
  CHECK_THROWS_WITH(save_png(dir / "no_such_folder" / "b.png", test::test_picture(3, 3)),
                    Catch::Contains("no_such_folder"));
  CHECK_THROWS_WITH(save_png(dir / "c.png", Image()), Catch::Contains("c.png"));
}
