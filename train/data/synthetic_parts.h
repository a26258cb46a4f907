#pragma once
// The pieces synthetic scenes are drawn with: colours, the canvas, the light of the time of day,
// and the objects standing on the ground (trees, rocks). Private to synthetic*.cpp.
#include <algorithm>
#include <cmath>
#include <vector>

#include "engine/rng.h"
#include "train/data/noise.h"

namespace pigment::data::detail {

struct Rgb {
  float r = 0, g = 0, b = 0;
};
inline Rgb operator+(Rgb a, Rgb b) { return {a.r + b.r, a.g + b.g, a.b + b.b}; }
inline Rgb operator-(Rgb a, Rgb b) { return {a.r - b.r, a.g - b.g, a.b - b.b}; }
inline Rgb operator*(Rgb a, float s) { return {a.r * s, a.g * s, a.b * s}; }
inline Rgb operator*(Rgb a, Rgb b) { return {a.r * b.r, a.g * b.g, a.b * b.b}; }
inline Rgb mix(Rgb a, Rgb b, float t) { return a + (b - a) * t; }

inline float smoothstep(float edge0, float edge1, float x) {
  const float t = std::clamp((x - edge0) / (edge1 - edge0), 0.0f, 1.0f);
  return t * t * (3.0f - 2.0f * t);
}

// A base colour varied per object: overall brightness ±amount and each channel ±amount/2, so an
// object class keeps its hue family while no two objects are identical.
inline Rgb vary(Rgb base, Rng& gen, float amount) {
  const auto d = [&](float a) { return static_cast<float>(gen.uniform(-a, a)); };
  const float bright = 1.0f + d(amount);
  return {base.r * bright + d(amount * 0.5f), base.g * bright + d(amount * 0.5f), base.b * bright + d(amount * 0.5f)};
}

// Pixels in scene units: v runs 0 (top) … 1 (bottom); X uses the same unit (the image height), so
// circles stay round whatever the aspect ratio; u = X·height/width runs 0 … 1 across.
struct Canvas {
  int width = 0, height = 0;
  std::vector<Rgb> pixels;
  Canvas(int w, int h) : width(w), height(h), pixels(static_cast<std::size_t>(w) * h) {}
  Rgb& at(int x, int y) { return pixels[static_cast<std::size_t>(y) * width + x]; }
  float X(int x) const { return (static_cast<float>(x) + 0.5f) / static_cast<float>(height); }
  float u(int x) const { return (static_cast<float>(x) + 0.5f) / static_cast<float>(width); }
  float v(int y) const { return (static_cast<float>(y) + 0.5f) / static_cast<float>(height); }
  float aspect() const { return static_cast<float>(width) / static_cast<float>(height); }
  float pixel() const { return 1.0f / static_cast<float>(height); }  // one pixel in scene units
};

// How the time of day colours what it lights.
struct Lighting {
  Rgb tint{1, 1, 1};       // multiplies the colour of lit objects
  float sun_X = 0.5f;      // where the light comes from (left or right of an object)
  Rgb haze{0.7f, 0.8f, 0.9f};  // the sky near the horizon, which distance fades towards
};

// The textures objects use (shared by all objects of a scene).
struct ObjectTextures {
  ValueNoise leaves;  // fine: foliage, in image coordinates
  ValueNoise lumps;   // coarse: ragged outlines of canopies and rocks, in object coordinates
  ValueNoise grain;   // fine, anisotropic: bark and stone
};

enum class TreeKind { broadleaf, conifer };
struct Tree {
  TreeKind kind = TreeKind::broadleaf;
  float X = 0, base_v = 0, height = 0;  // stands on (X, base_v), height in scene units
  Rgb canopy, trunk;
  float haze = 0;           // 0 near … towards 1 far: how much distance fades it into the sky
  float texture_shift = 0;  // decorrelates the leaf texture of neighbours
};

struct Rock {
  float X = 0, base_v = 0, radius = 0;
  Rgb colour;
  float haze = 0;
  float texture_shift = 0;
};

void draw_tree(Canvas& canvas, const Tree& tree, const Lighting& light, const ObjectTextures& tex);
void draw_rock(Canvas& canvas, const Rock& rock, const Lighting& light, const ObjectTextures& tex);

}  // namespace pigment::data::detail
