#pragma once
// Helpers shared by the data pipeline's tests: a scratch folder removed at the end of the test,
// byte files, deterministic test pictures, image comparisons.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "engine/tensor.h"
#include "train/data/dataset.h"
#include "train/data/image.h"
#include "train/data/stb_codec.h"

namespace pigment::data::test {

// A fresh folder under the system's temporary directory, removed (with its contents) on scope exit.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "pigment-data-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// The colorization data most tests read: L → ab (DataOptions' defaults are the reference's
// unaligned RGB → RGB).
inline DataOptions colorization_options() {
  DataOptions o;
  o.mode = DatasetMode::colorization;
  o.input_nc = 1;
  o.output_nc = 2;
  o.num_threads = 2;
  return o;
}

inline void write_bytes(const std::filesystem::path& path, const std::vector<std::byte>& bytes) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  REQUIRE(out.good());
}
inline void write_text(const std::filesystem::path& path, const std::string& text) {
  std::vector<std::byte> bytes(text.size());
  std::memcpy(bytes.data(), text.data(), text.size());
  write_bytes(path, bytes);
}

// save_png into a folder made on demand (save_png itself, like checkpoints, wants it to exist).
inline void save(const std::filesystem::path& path, const Image& image) {
  std::filesystem::create_directories(path.parent_path());
  save_png(path, image);
}

inline std::vector<std::uint8_t> to_bytes(const Image& image) {
  std::vector<std::uint8_t> out(image.pixels.size());
  for (std::size_t i = 0; i < out.size(); ++i)
    out[i] = static_cast<std::uint8_t>(std::lround(std::clamp(image.pixels[i], 0.0f, 1.0f) * 255.0f));
  return out;
}

// A picture with structure in both directions and no symmetry (so a wrong crop or flip shows),
// already on the 8-bit grid.
inline Image test_picture(int width, int height, int channels = 3, int variant = 0) {
  Image image(width, height, channels);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x)
      for (int c = 0; c < channels; ++c) {
        const int v = (x * 7 + y * 3 * (c + 1) + (x * y) % 11 + c * 40 + variant * 17 + (x > width / 3 ? 60 : 0)) % 256;
        image.at(y, x, c) = static_cast<float>(v) / 255.0f;
      }
  return image;
}

inline double max_abs_diff(const Image& a, const Image& b) {
  REQUIRE(a.width == b.width);
  REQUIRE(a.height == b.height);
  REQUIRE(a.channels == b.channels);
  double m = 0;
  for (std::size_t i = 0; i < a.pixels.size(); ++i) m = std::max(m, std::fabs(double(a.pixels[i]) - b.pixels[i]));
  return m;
}

inline bool same_values(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && a.to_vector<float>() == b.to_vector<float>();
}

}  // namespace pigment::data::test
