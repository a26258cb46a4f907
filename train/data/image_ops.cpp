// Pixel operations. resize_bicubic follows Pillow's ImagingResample (libImaging/Resample.c): a
// separable filter, horizontal pass then vertical, with the window and weights computed as below;
// in float like Pillow's mode 'F', or in 8 bits like its RGB and L modes (resize_bicubic_8bit).
#include <algorithm>
#include <cmath>
#include <vector>

#include "engine/error.h"
#include "train/data/image.h"
#include "train/data/preprocess.h"

namespace pigment::data {

namespace {

void check_image(const char* op, const Image& image) {
  PIGMENT_CHECK((image.channels == 1 || image.channels == 3 || image.channels == 4) && image.width > 0 &&
                    image.height > 0 &&
                    image.pixels.size() == static_cast<std::size_t>(image.width) * image.height * image.channels,
                "{}: expected a non-empty image with 1, 3 or 4 channels, got {}×{}×{} with {} values", op, image.width,
                image.height, image.channels, image.pixels.size());
}

// Keys' cubic convolution kernel with a = −0.5 (Pillow's bicubic_filter), support 2.
double bicubic_kernel(double x) {
  constexpr double a = -0.5;
  x = std::fabs(x);
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0;
  if (x < 2.0) return (((x - 5.0) * x + 8.0) * x - 4.0) * a;
  return 0.0;
}

// The taps of one output sample: source indices [first, first + weights.size()).
struct Taps {
  int first = 0;
  std::vector<double> weights;
};

// Pillow's precompute_coeffs for the box [0, in_size) → out_size. When shrinking by s = in/out,
// the kernel is stretched by s (support 2s, argument divided by s): an antialiasing low-pass.
// Output sample i is centred at (i + ½)·s in source coordinates; the window is rounded to whole
// pixels and clipped at the borders, and the weights are renormalised to sum to one there.
std::vector<Taps> bicubic_taps(int in_size, int out_size) {
  const double scale = static_cast<double>(in_size) / out_size;
  const double filter_scale = std::max(scale, 1.0);
  const double support = 2.0 * filter_scale;
  std::vector<Taps> taps(static_cast<std::size_t>(out_size));
  for (int i = 0; i < out_size; ++i) {
    const double center = (i + 0.5) * scale;
    const int lo = std::max(static_cast<int>(center - support + 0.5), 0);
    const int hi = std::min(static_cast<int>(center + support + 0.5), in_size);
    std::vector<double> w(static_cast<std::size_t>(std::max(hi - lo, 0)));
    double total = 0.0;
    for (int x = lo; x < hi; ++x) {
      w[x - lo] = bicubic_kernel((x - center + 0.5) / filter_scale);
      total += w[x - lo];
    }
    Taps& t = taps[i];
    t.first = lo;
    t.weights.resize(w.size());
    for (std::size_t k = 0; k < w.size(); ++k) t.weights[k] = total != 0.0 ? w[k] / total : w[k];
  }
  return taps;
}

// The float passes (Pillow's mode 'F' resampling): exact sums, no rounding between the passes.
Image resample_rows(const Image& src, int width) {
  const std::vector<Taps> taps = bicubic_taps(src.width, width);
  Image out(width, src.height, src.channels);
  const int c = src.channels;
  for (int y = 0; y < src.height; ++y) {
    const float* row = &src.pixels[static_cast<std::size_t>(y) * src.width * c];
    float* dst = &out.pixels[static_cast<std::size_t>(y) * width * c];
    for (int x = 0; x < width; ++x) {
      const Taps& t = taps[x];
      for (int ch = 0; ch < c; ++ch) {
        double acc = 0.0;
        for (std::size_t k = 0; k < t.weights.size(); ++k) acc += t.weights[k] * row[(t.first + k) * c + ch];
        dst[x * c + ch] = static_cast<float>(acc);
      }
    }
  }
  return out;
}

Image resample_columns(const Image& src, int height) {
  const std::vector<Taps> taps = bicubic_taps(src.height, height);
  Image out(src.width, height, src.channels);
  const std::size_t row_len = static_cast<std::size_t>(src.width) * src.channels;
  std::vector<double> acc(row_len);
  for (int y = 0; y < height; ++y) {
    const Taps& t = taps[y];
    std::fill(acc.begin(), acc.end(), 0.0);
    for (std::size_t k = 0; k < t.weights.size(); ++k) {
      const double w = t.weights[k];
      const float* row = &src.pixels[(t.first + k) * row_len];
      for (std::size_t i = 0; i < row_len; ++i) acc[i] += w * row[i];
    }
    float* dst = &out.pixels[y * row_len];
    for (std::size_t i = 0; i < row_len; ++i) dst[i] = static_cast<float>(acc[i]);
  }
  return out;
}

// ---- Pillow's 8-bit path (ImagingResampleHorizontal_8bpc / Vertical_8bpc) ----------------------
// Weights become integers with 22 fractional bits (32 − 8 − 2: headroom for 8-bit pixels times
// weights summing to about one), rounded half away from zero; a sum starts at ½ (so the shift
// rounds) and is clipped to [0, 255]. The horizontal pass is rounded to 8 bits before the vertical.
constexpr int kPrecisionBits = 22;

std::vector<std::int32_t> fixed_point(const std::vector<double>& weights) {
  std::vector<std::int32_t> out(weights.size());
  for (std::size_t k = 0; k < weights.size(); ++k) {
    const double scaled = weights[k] * (1 << kPrecisionBits);
    out[k] = static_cast<std::int32_t>(scaled < 0 ? scaled - 0.5 : scaled + 0.5);
  }
  return out;
}

std::uint8_t clip8(std::int64_t sum) {
  return static_cast<std::uint8_t>(std::clamp<std::int64_t>(sum >> kPrecisionBits, 0, 255));
}

struct Bytes8 {
  int width, height, channels;
  std::vector<std::uint8_t> v;
};

Bytes8 resample_rows_8bit(const Bytes8& src, int width) {
  const std::vector<Taps> taps = bicubic_taps(src.width, width);
  Bytes8 out{width, src.height, src.channels, std::vector<std::uint8_t>(static_cast<std::size_t>(width) * src.height * src.channels)};
  const int c = src.channels;
  for (int x = 0; x < width; ++x) {
    const std::vector<std::int32_t> k = fixed_point(taps[x].weights);
    const int first = taps[x].first;
    for (int y = 0; y < src.height; ++y)
      for (int ch = 0; ch < c; ++ch) {
        std::int64_t sum = std::int64_t{1} << (kPrecisionBits - 1);
        for (std::size_t i = 0; i < k.size(); ++i)
          sum += std::int64_t{src.v[(static_cast<std::size_t>(y) * src.width + first + i) * c + ch]} * k[i];
        out.v[(static_cast<std::size_t>(y) * width + x) * c + ch] = clip8(sum);
      }
  }
  return out;
}

Bytes8 resample_columns_8bit(const Bytes8& src, int height) {
  const std::vector<Taps> taps = bicubic_taps(src.height, height);
  const std::size_t row_len = static_cast<std::size_t>(src.width) * src.channels;
  Bytes8 out{src.width, height, src.channels, std::vector<std::uint8_t>(row_len * height)};
  for (int y = 0; y < height; ++y) {
    const std::vector<std::int32_t> k = fixed_point(taps[y].weights);
    const std::size_t first = static_cast<std::size_t>(taps[y].first);
    for (std::size_t i = 0; i < row_len; ++i) {
      std::int64_t sum = std::int64_t{1} << (kPrecisionBits - 1);
      for (std::size_t j = 0; j < k.size(); ++j) sum += std::int64_t{src.v[(first + j) * row_len + i]} * k[j];
      out.v[y * row_len + i] = clip8(sum);
    }
  }
  return out;
}

}  // namespace

Image resize_bicubic(const Image& src, int width, int height) {
  check_image("resize_bicubic", src);
  PIGMENT_CHECK(width > 0 && height > 0, "resize_bicubic: target size {}×{} must be positive", width, height);
  Image out = width == src.width ? src : resample_rows(src, width);
  if (height != src.height) out = resample_columns(out, height);
  return out;
}

namespace detail {
Image resize_bicubic_8bit(const Image& src, int width, int height) {
  check_image("resize_bicubic_8bit", src);
  PIGMENT_CHECK(width > 0 && height > 0, "resize_bicubic_8bit: target size {}×{} must be positive", width, height);
  Bytes8 bytes{src.width, src.height, src.channels, std::vector<std::uint8_t>(src.pixels.size())};
  std::transform(src.pixels.begin(), src.pixels.end(), bytes.v.begin(), [](float v) {
    return static_cast<std::uint8_t>(std::nearbyint(std::clamp(v, 0.0f, 1.0f) * 255.0f));
  });
  if (width != src.width) bytes = resample_rows_8bit(bytes, width);
  if (height != src.height) bytes = resample_columns_8bit(bytes, height);
  Image out(width, height, src.channels);
  std::transform(bytes.v.begin(), bytes.v.end(), out.pixels.begin(), [](std::uint8_t v) { return static_cast<float>(v) / 255.0f; });
  return out;
}
}  // namespace detail

// PIL's crop: the box may extend past the image; pixels outside it are black.
Image crop(const Image& src, int x, int y, int width, int height) {
  check_image("crop", src);
  PIGMENT_CHECK(width > 0 && height > 0, "crop: size {}×{} must be positive", width, height);
  Image out(width, height, src.channels);
  const int x0 = std::max(x, 0), x1 = std::min(x + width, src.width);
  if (x1 <= x0) return out;
  const std::size_t c = static_cast<std::size_t>(src.channels);
  for (int row = std::max(y, 0); row < std::min(y + height, src.height); ++row) {
    const float* from = &src.pixels[(static_cast<std::size_t>(row) * src.width + x0) * c];
    float* to = &out.pixels[(static_cast<std::size_t>(row - y) * width + (x0 - x)) * c];
    std::copy(from, from + (x1 - x0) * c, to);
  }
  return out;
}

Image flip_horizontal(const Image& src) {
  check_image("flip_horizontal", src);
  Image out(src.width, src.height, src.channels);
  const int c = src.channels;
  for (int y = 0; y < src.height; ++y)
    for (int x = 0; x < src.width; ++x)
      for (int ch = 0; ch < c; ++ch) out.at(y, src.width - 1 - x, ch) = src.at(y, x, ch);
  return out;
}

Image to_gray(const Image& src) {
  check_image("to_gray", src);
  if (src.channels == 1) return src;
  Image out(src.width, src.height, 1);
  const std::size_t n = static_cast<std::size_t>(src.width) * src.height, c = static_cast<std::size_t>(src.channels);
  for (std::size_t i = 0; i < n; ++i)
    out.pixels[i] = 0.299f * src.pixels[i * c] + 0.587f * src.pixels[i * c + 1] + 0.114f * src.pixels[i * c + 2];
  return out;
}

Image to_rgb(const Image& src) {
  check_image("to_rgb", src);
  if (src.channels == 3) return src;
  Image out(src.width, src.height, 3);
  const std::size_t n = static_cast<std::size_t>(src.width) * src.height, c = static_cast<std::size_t>(src.channels);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t ch = 0; ch < 3; ++ch) out.pixels[i * 3 + ch] = src.pixels[i * c + (c == 1 ? 0 : ch)];
  return out;
}

}  // namespace pigment::data
