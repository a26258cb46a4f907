// Rendering a planned scene: sky, hills and the horizon's tree line first; then the ground, or
// water that mirrors what stands above the horizon; then the trees and rocks nearest the viewer.
#include "train/data/synthetic.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "engine/error.h"
#include "engine/philox.h"
#include "train/data/image_source.h"
#include "train/data/lab.h"
#include "train/data/preprocess.h"
#include "train/data/synthetic_scene.h"

namespace pigment::data {

namespace detail {
namespace {

class SceneRenderer {
 public:
  SceneRenderer(const ScenePlan& plan, int width, int height) : p_(plan), canvas_(width, height) {
    ridges_.resize(p_.layers.size());
    for (std::size_t l = 0; l < p_.layers.size(); ++l) {
      const HillLayer& layer = p_.layers[l];
      ridges_[l].resize(static_cast<std::size_t>(width));
      for (int x = 0; x < width; ++x) {
        float shape = layer.ridge(canvas_.u(x), 0.0f);
        // Mountains get sharp crests (a folded noise); mesas get flat tops.
        if (layer.terrain == Terrain::rocky) shape = 1.0f - std::fabs(2.0f * shape - 1.0f);
        if (layer.terrain == Terrain::sandstone) shape = smoothstep(0.42f, 0.52f, shape) * 0.8f + 0.2f * shape;
        ridges_[l][x] = layer.crest - layer.amplitude * (shape - 0.5f) * 2.0f;
      }
    }
    towards_light_ = p_.light.sun_X >= 0.5f * canvas_.aspect() ? 1.0f : -1.0f;
    horizon_row_ = std::clamp(static_cast<int>(std::ceil(p_.horizon * static_cast<float>(height) - 0.5f)), 1, height);
  }

  Canvas render() {
    for (int y = 0; y < horizon_row_; ++y)
      for (int x = 0; x < canvas_.width; ++x) canvas_.at(x, y) = above_horizon(x, y, static_cast<int>(p_.layers.size()) - 1);
    for (const Tree& t : p_.far_trees) draw_tree(canvas_, t, p_.light, p_.objects);
    for (int y = horizon_row_; y < canvas_.height; ++y)
      for (int x = 0; x < canvas_.width; ++x) canvas_.at(x, y) = below_horizon(x, y);
    // Nearer objects over farther ones: merge trees and rocks by where they stand.
    std::size_t t = 0, r = 0;
    while (t < p_.near_trees.size() || r < p_.rocks.size()) {
      if (r == p_.rocks.size() || (t < p_.near_trees.size() && p_.near_trees[t].base_v < p_.rocks[r].base_v))
        draw_tree(canvas_, p_.near_trees[t++], p_.light, p_.objects);
      else
        draw_rock(canvas_, p_.rocks[r++], p_.light, p_.objects);
    }
    return std::move(canvas_);
  }

 private:
  float coverage(float inside) const { return std::clamp(inside / canvas_.pixel() + 0.5f, 0.0f, 1.0f); }

  // How steeply the face under a ridge rises towards the light: the ridge's slope, taken over a
  // window that widens with the depth below the crest, so each peak's faces spread downwards as
  // triangles (the slope of a cone seen from the side).
  float face_slope(std::size_t layer, int x, float depth) const {
    const std::vector<float>& ridge = ridges_[layer];
    const int reach = 1 + static_cast<int>(depth * 0.8f * static_cast<float>(canvas_.height));
    const int left = std::max(x - reach, 0), right = std::min(x + reach, canvas_.width - 1);
    if (right == left) return 0.0f;
    const float rise = (ridge[left] - ridge[right]) / (static_cast<float>(right - left) * canvas_.pixel());
    return std::clamp(rise * towards_light_, -1.5f, 1.5f);
  }

  // The nearest hill layer covering the pixel, blended at its ridge with what lies behind it.
  Rgb above_horizon(int x, int y, int layer) const {
    const float v = canvas_.v(y);
    for (int l = layer; l >= 0; --l) {
      const float inside = v - ridges_[l][x];
      if (inside <= -0.5f * canvas_.pixel()) continue;
      const Rgb c = terrain(p_.layers[l], face_slope(l, x, inside), x, y, inside);
      const float a = coverage(inside);
      return a >= 1.0f ? c : mix(above_horizon(x, y, l - 1), c, a);
    }
    return sky(x, y);
  }

  Rgb sky(int x, int y) const {
    const SkyPlan& s = p_.sky;
    const float u = canvas_.u(x), X = canvas_.X(x), v = canvas_.v(y);
    const float t = std::clamp(v / p_.horizon, 0.0f, 1.0f);
    Rgb c = t < 0.6f ? mix(s.zenith, s.middle, t / 0.6f) : mix(s.middle, s.horizon, (t - 0.6f) / 0.4f);
    if (s.stars && t < 0.85f) {
      const std::uint32_t w = philox::word(p_.star_key, static_cast<std::uint64_t>(y) * canvas_.width + x);
      if (w < 12000000u) c = c + Rgb{0.7f, 0.7f, 0.75f} * (static_cast<float>(w) / 12000000.0f);
    }
    const float d = std::hypot(X - s.body_X, v - s.body_v);
    c = c + s.glow * std::exp(-d / s.glow_size);
    const float disc = coverage(s.body_radius - d);
    if (disc > 0.0f) {
      Rgb body = s.body;
      if (s.moon) body = body * (0.78f + 0.3f * p_.craters((X - s.body_X) * 3.0f, (v - s.body_v) * 3.0f));
      c = mix(c, body, disc);
    }
    if (s.cloud_cover > 0.0f) {
      const float n = p_.clouds(u, v);
      const float threshold = 0.66f - 0.3f * s.cloud_cover;
      const float density = smoothstep(threshold, threshold + 0.12f, n);
      if (density > 0.0f) {
        // Where the cloud thickens downwards we see its lit top; where it thins, its shaded base.
        const float lit = std::clamp(0.55f + 8.0f * (n - p_.clouds(u, v - 0.025f)), 0.0f, 1.0f);
        c = mix(c, mix(s.cloud_shade, s.cloud_lit, lit), density * 0.95f);
      }
    }
    return c;
  }

  Rgb terrain(const HillLayer& l, float slope, int x, int y, float depth) const {
    const float u = canvas_.u(x) + l.texture_shift, v = canvas_.v(y);
    const float fine = p_.fine(u, v), coarse = p_.coarse(u, v);
    Rgb c;
    switch (l.terrain) {
      case Terrain::rocky: {
        const float streak = p_.fine(u, v * 0.5f);  // gullies running down the faces
        c = mix(l.colour, l.second, coarse) * (0.8f + 0.4f * streak);
        if (l.snow_line > 0.0f && v < l.snow_line + 0.05f * (coarse - 0.5f))
          c = Rgb{0.93f, 0.95f, 0.99f} * (0.8f + 0.3f * streak);
        break;
      }
      case Terrain::sandstone: {
        const float strata = 0.5f + 0.5f * std::sin(v * 110.0f + 5.0f * coarse);  // horizontal rock layers
        c = mix(l.colour, l.second, 0.6f * strata) * (0.85f + 0.3f * fine);
        break;
      }
      case Terrain::forest: c = mix(l.colour, l.second, p_.fine(u * 1.7f, v * 1.7f)) * (0.7f + 0.6f * fine); break;
      case Terrain::grassy: c = mix(l.colour, l.second, coarse) * (0.85f + 0.3f * fine); break;
      case Terrain::autumn: {
        const float patch = p_.coarse(u * 2.0f, v * 2.6f);
        c = mix(mix(l.colour, l.second, smoothstep(0.40f, 0.48f, patch)), l.third, smoothstep(0.56f, 0.64f, patch));
        c = c * (0.65f + 0.6f * fine);
        break;
      }
    }
    // Faces towards the light are brighter, most clearly near the crest (deeper down the faces
    // merge); crests catch the light.
    const bool steep = l.terrain == Terrain::rocky || l.terrain == Terrain::sandstone;
    const float face = (steep ? 0.45f : 0.2f) * std::tanh(slope) * (1.0f - smoothstep(0.0f, 0.35f, depth));
    const float shade = (1.1f - 0.35f * smoothstep(0.0f, 0.25f, depth)) * (1.0f + face);
    return mix(c * shade * p_.light.tint, p_.light.haze, l.haze);
  }

  float shore_at(float u) const { return p_.shore + 0.04f * (p_.patches(u, 0.7f) - 0.5f); }

  Rgb below_horizon(int x, int y) const {
    const float u = canvas_.u(x), v = canvas_.v(y);
    if (p_.water && v < shore_at(u)) return water(x, y);
    return ground(x, y);
  }

  // Water mirrors the rows above the horizon, shaken by ripples, over the colour of deep water;
  // nearer the viewer one sees more into the water and less reflection (Fresnel).
  Rgb water(int x, int y) const {
    const float u = canvas_.u(x), X = canvas_.X(x), v = canvas_.v(y);
    const float z = std::clamp((v - p_.horizon) / (1.0f - p_.horizon), 0.0f, 1.0f);
    const float ripple = p_.ripples(u, v);
    const float scale = static_cast<float>(canvas_.height) / 128.0f;
    const int dy = static_cast<int>(std::lround((ripple - 0.5f) * (1.0f + 8.0f * z) * scale));
    const int dx = static_cast<int>(std::lround((p_.ripples(u + 0.5f, v) - 0.5f) * 3.0f * z * scale));
    const int my = std::clamp(2 * horizon_row_ - 1 - y + dy, 0, horizon_row_ - 1);
    const int mx = std::clamp(x + dx, 0, canvas_.width - 1);
    const Rgb reflected = canvas_.pixels[static_cast<std::size_t>(my) * canvas_.width + mx];
    Rgb c = mix(p_.deep_water, reflected * 0.9f, 0.82f - 0.4f * z) * (0.9f + 0.2f * ripple);
    // Glitter: the sun's or moon's path on the waves.
    const float path = std::exp(-std::fabs(X - p_.sky.body_X) / (0.03f + 0.08f * z));
    c = c + p_.sky.body * (path * smoothstep(0.62f, 0.8f, ripple) * (p_.sky.moon ? 0.35f : 0.6f));
    if (p_.shore < 1.0f) c = mix(c, Rgb{0.92f, 0.93f, 0.92f}, 0.6f * smoothstep(-0.008f, 0.0f, v - shore_at(u)));
    return c;
  }

  Rgb ground(int x, int y) const {
    const float u = canvas_.u(x), X = canvas_.X(x), v = canvas_.v(y);
    const float dv = std::max(v - p_.horizon, 0.0f);
    const float fine = p_.ground_fine(u, v), patch = p_.patches(u, v * 1.5f);
    // Furrows converge on a vanishing point at the horizon's centre; they fade out with distance.
    const float rows = 0.5f + 0.5f * std::sin(40.0f * (X - 0.5f * canvas_.aspect()) / (dv + 0.02f));
    const float rows_visible = smoothstep(0.02f, 0.12f, dv);
    Rgb c;
    switch (p_.ground) {
      case Ground::meadow: {
        c = mix(p_.ground_colour, p_.ground_second, patch) * (0.75f + 0.5f * fine);
        const float bloom = p_.flowers(u, v);
        if (bloom > 0.86f && dv > 0.08f) {
          const float pick = p_.coarse(u * 3.0f, v * 3.0f);
          const Rgb flower = pick < 0.45f ? Rgb{0.95f, 0.85f, 0.20f} : pick < 0.55f ? Rgb{0.95f, 0.95f, 0.92f} : Rgb{0.86f, 0.16f, 0.14f};
          c = mix(c, flower, smoothstep(0.86f, 0.9f, bloom));
        }
        break;
      }
      case Ground::wheat:
        c = mix(p_.ground_colour, p_.ground_second, 0.6f * fine) * (1.0f - 0.2f * rows_visible * rows);
        break;
      case Ground::lavender: {
        const float in_row = rows_visible * smoothstep(0.3f, 0.5f, rows) + (1.0f - rows_visible) * 0.7f;
        c = mix(p_.ground_second, p_.ground_colour * (0.75f + 0.45f * fine), in_row);
        break;
      }
      case Ground::steppe: c = mix(p_.ground_colour, p_.ground_second, patch) * (0.8f + 0.4f * fine); break;
      case Ground::beach: {
        const float wet = p_.water ? 1.0f - 0.25f * smoothstep(0.03f, 0.0f, v - shore_at(u)) : 1.0f;
        c = p_.ground_colour * ((0.88f + 0.24f * fine) * wet);
        break;
      }
    }
    return mix(c * p_.light.tint, p_.light.haze, 0.35f * (1.0f - smoothstep(0.0f, 0.2f, dv)));
  }

  const ScenePlan& p_;
  Canvas canvas_;
  std::vector<std::vector<float>> ridges_;  // per layer, per column: v of the ridge line
  float towards_light_ = 1.0f;              // +1: the light comes from the right
  int horizon_row_ = 0;                     // first row at or below the horizon
};

}  // namespace
}  // namespace detail

Image synthetic_scene(std::uint64_t seed, std::int64_t index, int width, int height, int palettes) {
  PIGMENT_CHECK(width >= 8 && height >= 8 && width <= 8192 && height <= 8192,
                "synthetic_scene: size {}×{} must lie in [8, 8192] a side", width, height);
  PIGMENT_CHECK(palettes >= 0 && palettes <= 64, "synthetic_scene: {} palette families; between 0 and 64", palettes);
  const int family = palettes > 0 ? static_cast<int>(index % palettes) : -1;
  const detail::ScenePlan plan =
      detail::plan_scene(seed, index, static_cast<float>(width) / static_cast<float>(height), family);
  const detail::Canvas canvas = detail::SceneRenderer(plan, width, height).render();
  Image image(width, height, 3);
  for (std::size_t i = 0; i < canvas.pixels.size(); ++i) {
    image.pixels[3 * i] = canvas.pixels[i].r;
    image.pixels[3 * i + 1] = canvas.pixels[i].g;
    image.pixels[3 * i + 2] = canvas.pixels[i].b;
  }
  if (family >= 0) {  // the family's hues: (a, b) turned by its angle, L kept
    const double angle = 2.0 * 3.14159265358979323846 * static_cast<double>((5 * family) % palettes) / palettes;
    const double c = std::cos(angle), s = std::sin(angle);
    for (std::size_t i = 0; i < canvas.pixels.size(); ++i) {
      float* px = &image.pixels[3 * i];
      const auto lab = rgb_to_lab(px[0], px[1], px[2]);
      const auto rgb = lab_to_rgb(lab[0], static_cast<float>(c * lab[1] - s * lab[2]), static_cast<float>(s * lab[1] + c * lab[2]));
      for (int k = 0; k < 3; ++k) px[k] = rgb[static_cast<std::size_t>(k)];
    }
  }
  detail::quantize_8bit(image);  // as a PNG of it would hold: in-memory and on-disk data agree
  return image;
}

std::int64_t write_synthetic_dataset(const std::filesystem::path& dir, SyntheticLayout layout, std::int64_t n_train,
                                     std::int64_t n_test, int size, std::uint64_t seed) {
  PIGMENT_CHECK(n_train >= 0 && n_test >= 0, "write_synthetic_dataset: counts {} and {} must not be negative", n_train,
                n_test);
  PIGMENT_CHECK(size >= 8 && size <= 8192, "write_synthetic_dataset: size {} must lie in [8, 8192]", size);
  std::int64_t written = 0;
  for (const auto& [phase, count, first] :
       {std::tuple{"train", n_train, std::int64_t{0}}, std::tuple{"test", n_test, detail::kSyntheticTestOffset}}) {
    const std::filesystem::path folder = dir / phase;
    std::error_code ec;
    std::filesystem::create_directories(folder, ec);
    PIGMENT_CHECK(!ec, "write_synthetic_dataset: cannot create {}: {}", folder.string(), ec.message());
    for (std::int64_t i = 0; i < count; ++i) {
      const Image colour = synthetic_scene(seed, first + i, size, size);
      const Image out = layout == SyntheticLayout::aligned ? detail::gray_colour_pair(colour) : colour;
      save_png(folder / fmt::format("{:06}.png", i), out);
      ++written;
    }
  }
  return written;
}

}  // namespace pigment::data
