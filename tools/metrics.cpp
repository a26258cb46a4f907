#include "tools/metrics.h"

#include <cmath>
#include <algorithm>
#include <limits>
#include <vector>

#include "engine/error.h"

namespace pigment::metrics {

namespace {
void check_pair(const char* what, const data::Image& a, const data::Image& b) {
  PIGMENT_CHECK(a.width == b.width && a.height == b.height && a.channels == b.channels,
                "{}: images differ in size: {}×{}×{} and {}×{}×{}", what, a.width, a.height, a.channels, b.width,
                b.height, b.channels);
  PIGMENT_CHECK(!a.empty(), "{}: empty image", what);
}
}  // namespace

double psnr(const data::Image& a, const data::Image& b) {
  check_pair("psnr", a, b);
  double se = 0;
  for (std::size_t i = 0; i < a.pixels.size(); ++i) {
    const double d = static_cast<double>(a.pixels[i]) - static_cast<double>(b.pixels[i]);
    se += d * d;
  }
  const double mse = se / static_cast<double>(a.pixels.size());
  return mse == 0 ? std::numeric_limits<double>::infinity() : 10.0 * std::log10(1.0 / mse);
}

double ssim(const data::Image& a, const data::Image& b) {
  check_pair("ssim", a, b);
  constexpr int kRadius = 5;  // 11×11
  constexpr double kSigma = 1.5, kC1 = 0.01 * 0.01, kC2 = 0.03 * 0.03;
  double weights[2 * kRadius + 1], total = 0;
  for (int i = -kRadius; i <= kRadius; ++i) total += weights[i + kRadius] = std::exp(-i * i / (2 * kSigma * kSigma));
  for (double& w : weights) w /= total;
  // Small images: shrink to the largest window that fits (one window position at least).
  const int radius = std::min({kRadius, (a.width - 1) / 2, (a.height - 1) / 2});
  double sum = 0;
  std::int64_t count = 0;
  for (int c = 0; c < a.channels; ++c)
    for (int y = radius; y < a.height - radius; ++y)
      for (int x = radius; x < a.width - radius; ++x) {
        double mx = 0, my = 0, sxx = 0, syy = 0, sxy = 0, wsum = 0;
        for (int dy = -radius; dy <= radius; ++dy)
          for (int dx = -radius; dx <= radius; ++dx) {
            const double w = weights[dy + kRadius] * weights[dx + kRadius];
            const double u = a.at(y + dy, x + dx, c), v = b.at(y + dy, x + dx, c);
            mx += w * u;
            my += w * v;
            sxx += w * u * u;
            syy += w * v * v;
            sxy += w * u * v;
            wsum += w;
          }
        mx /= wsum;
        my /= wsum;
        const double vx = sxx / wsum - mx * mx, vy = syy / wsum - my * my, cxy = sxy / wsum - mx * my;
        sum += ((2 * mx * my + kC1) * (2 * cxy + kC2)) / ((mx * mx + my * my + kC1) * (vx + vy + kC2));
        ++count;
      }
  return count ? sum / static_cast<double>(count) : 1.0;
}

double colorfulness(const data::Image& image) {
  PIGMENT_CHECK(!image.empty(), "colorfulness: empty image");
  if (image.channels < 3) return 0.0;
  double srg = 0, syb = 0, srg2 = 0, syb2 = 0;
  const double n = static_cast<double>(image.width) * image.height;
  for (int y = 0; y < image.height; ++y)
    for (int x = 0; x < image.width; ++x) {
      const double r = 255.0 * image.at(y, x, 0), g = 255.0 * image.at(y, x, 1), b = 255.0 * image.at(y, x, 2);
      const double rg = r - g, yb = 0.5 * (r + g) - b;
      srg += rg;
      syb += yb;
      srg2 += rg * rg;
      syb2 += yb * yb;
    }
  const double mrg = srg / n, myb = syb / n;
  const double vrg = std::max(0.0, srg2 / n - mrg * mrg), vyb = std::max(0.0, syb2 / n - myb * myb);
  return std::sqrt(vrg + vyb) + 0.3 * std::sqrt(mrg * mrg + myb * myb);
}

}  // namespace pigment::metrics
