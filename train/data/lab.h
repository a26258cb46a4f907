#pragma once
// sRGB ↔ CIE Lab (D65) with the reference colorization model's constants (docs and
// ../shared/guide/reference-models.md): sRGB linearisation c > 0.04045 ? ((c+0.055)/1.055)^2.4 : c/12.92;
// XYZ = M·rgb, M = [[0.412453, 0.357580, 0.180423], [0.212671, 0.715160, 0.072169],
// [0.019334, 0.119193, 0.950227]]; white (0.95047, 1.0, 1.08883); f(t) = t^(1/3) if t > 0.008856
// else 7.787t + 16/116; L = 116 f(Y) − 16, a = 500 (f(X) − f(Y)), b = 200 (f(Y) − f(Z)).
// Inverse: f⁻¹ threshold 0.2068966, negative Z clipped to 0, RGB clipped to [0, 1].
#include <array>

#include "train/data/image.h"

namespace pigment::data {

std::array<float, 3> rgb_to_lab(float r, float g, float b);  // r, g, b in [0, 1] (sRGB)
std::array<float, 3> lab_to_rgb(float L, float a, float b);  // → sRGB in [0, 1]

// The network's encoding: A = L/50 − 1 (1 channel), B = ab/110 (2 channels).
constexpr float kLScale = 50.0f, kAbScale = 110.0f;

}  // namespace pigment::data
