// sRGB ↔ CIE Lab with scikit-image's constants (rgb2lab / lab2rgb), which the reference
// colorization model uses. Computed in double: the round trip then stays far below 8-bit steps.
#include "train/data/lab.h"

#include <algorithm>
#include <cmath>

namespace pigment::data {

namespace {

using Matrix3 = std::array<std::array<double, 3>, 3>;

// sRGB primaries → XYZ (D65), as in skimage.color.xyz_from_rgb.
constexpr Matrix3 kXyzFromRgb = {{{0.412453, 0.357580, 0.180423},
                                  {0.212671, 0.715160, 0.072169},
                                  {0.019334, 0.119193, 0.950227}}};
constexpr std::array<double, 3> kWhiteD65 = {0.95047, 1.0, 1.08883};

// skimage computes rgb_from_xyz = linalg.inv(xyz_from_rgb); the inverse by cofactors.
constexpr Matrix3 inverse(const Matrix3& m) {
  const double c00 = m[1][1] * m[2][2] - m[1][2] * m[2][1];
  const double c01 = m[1][2] * m[2][0] - m[1][0] * m[2][2];
  const double c02 = m[1][0] * m[2][1] - m[1][1] * m[2][0];
  const double det = m[0][0] * c00 + m[0][1] * c01 + m[0][2] * c02;
  return {{{c00 / det, (m[0][2] * m[2][1] - m[0][1] * m[2][2]) / det, (m[0][1] * m[1][2] - m[0][2] * m[1][1]) / det},
           {c01 / det, (m[0][0] * m[2][2] - m[0][2] * m[2][0]) / det, (m[0][2] * m[1][0] - m[0][0] * m[1][2]) / det},
           {c02 / det, (m[0][1] * m[2][0] - m[0][0] * m[2][1]) / det, (m[0][0] * m[1][1] - m[0][1] * m[1][0]) / det}}};
}
constexpr Matrix3 kRgbFromXyz = inverse(kXyzFromRgb);

double srgb_to_linear_exact(double c) { return c > 0.04045 ? std::pow((c + 0.055) / 1.055, 2.4) : c / 12.92; }

// Pixels of decoded images sit on the 8-bit grid k/255; for those the linearisation comes from a
// table of the same formula (a pure speed-up: identical values, a third of the conversion's cost).
struct LinearTable {
  std::array<double, 256> values;
  LinearTable() {
    for (int k = 0; k < 256; ++k) values[k] = srgb_to_linear_exact(static_cast<float>(k) / 255.0f);
  }
};

double srgb_to_linear(float c) {
  static const LinearTable table;
  const float scaled = c * 255.0f;
  if (scaled >= 0.0f && scaled <= 255.0f) {
    const auto k = static_cast<int>(std::nearbyint(scaled));
    if (static_cast<float>(k) / 255.0f == c) return table.values[k];
  }
  return srgb_to_linear_exact(c);
}
double linear_to_srgb(double c) { return c > 0.0031308 ? 1.055 * std::pow(c, 1.0 / 2.4) - 0.055 : c * 12.92; }

// The CIE f: a cube root above (6/29)³ ≈ 0.008856, the tangent line 7.787t + 16/116 below.
double lab_f(double t) { return t > 0.008856 ? std::cbrt(t) : 7.787 * t + 16.0 / 116.0; }
// Its inverse, switching at f(0.008856) ≈ 0.2068966.
double lab_f_inverse(double f) { return f > 0.2068966 ? f * f * f : (f - 16.0 / 116.0) / 7.787; }

}  // namespace

std::array<float, 3> rgb_to_lab(float r, float g, float b) {
  const double lin[3] = {srgb_to_linear(r), srgb_to_linear(g), srgb_to_linear(b)};
  double f[3];
  for (int i = 0; i < 3; ++i) {
    const double xyz = kXyzFromRgb[i][0] * lin[0] + kXyzFromRgb[i][1] * lin[1] + kXyzFromRgb[i][2] * lin[2];
    f[i] = lab_f(xyz / kWhiteD65[i]);
  }
  return {static_cast<float>(116.0 * f[1] - 16.0), static_cast<float>(500.0 * (f[0] - f[1])),
          static_cast<float>(200.0 * (f[1] - f[2]))};
}

std::array<float, 3> lab_to_rgb(float L, float a, float b) {
  const double fy = (L + 16.0) / 116.0;
  const double fx = fy + a / 500.0;
  const double fz = std::max(fy - b / 200.0, 0.0);  // skimage clips a negative z (of f) to 0
  const double xyz[3] = {lab_f_inverse(fx) * kWhiteD65[0], lab_f_inverse(fy) * kWhiteD65[1],
                         lab_f_inverse(fz) * kWhiteD65[2]};
  std::array<float, 3> rgb;
  for (int i = 0; i < 3; ++i) {
    const double lin = kRgbFromXyz[i][0] * xyz[0] + kRgbFromXyz[i][1] * xyz[1] + kRgbFromXyz[i][2] * xyz[2];
    rgb[i] = static_cast<float>(std::clamp(linear_to_srgb(lin), 0.0, 1.0));
  }
  return rgb;
}

}  // namespace pigment::data
