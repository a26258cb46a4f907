// Trees and rocks: drawn over the ground in a bounding box, with coverage from an approximate
// signed distance (in pixels) so edges are antialiased, and shading from the side the light is on.
#include <algorithm>
#include <cmath>

#include "train/data/synthetic_parts.h"

namespace pigment::data::detail {

namespace {

// Blends `colour` over the pixel with coverage alpha.
void blend(Canvas& canvas, int x, int y, Rgb colour, float alpha) {
  if (alpha <= 0.0f) return;
  Rgb& px = canvas.at(x, y);
  px = mix(px, colour, std::min(alpha, 1.0f));
}

// Signed distance (scene units, positive inside) → coverage of a pixel.
float coverage(float inside_distance, float pixel) { return std::clamp(inside_distance / pixel + 0.5f, 0.0f, 1.0f); }

struct Box {
  int x0, x1, y0, y1;  // half-open
};
Box clip_box(const Canvas& c, float X0, float X1, float v0, float v1) {
  const float h = static_cast<float>(c.height);
  return {std::max(0, static_cast<int>(std::floor(X0 * h))), std::min(c.width, static_cast<int>(std::ceil(X1 * h)) + 1),
          std::max(0, static_cast<int>(std::floor(v0 * h))), std::min(c.height, static_cast<int>(std::ceil(v1 * h)) + 1)};
}

float side_of_light(const Lighting& light, float X) { return light.sun_X >= X ? 1.0f : -1.0f; }

Rgb finish(Rgb c, const Lighting& light, float haze) { return mix(c * light.tint, light.haze, haze); }

void draw_trunk(Canvas& canvas, const Tree& t, const Lighting& light, const ObjectTextures& tex, float top_v,
                float half_width) {
  const Box box = clip_box(canvas, t.X - half_width - canvas.pixel(), t.X + half_width + canvas.pixel(), top_v, t.base_v);
  const float side = side_of_light(light, t.X);
  for (int y = box.y0; y < box.y1; ++y)
    for (int x = box.x0; x < box.x1; ++x) {
      const float dx = canvas.X(x) - t.X;
      const float alpha = coverage(half_width - std::fabs(dx), canvas.pixel()) *
                          coverage(t.base_v - canvas.v(y), canvas.pixel());
      const float shade = 0.85f + 0.3f * side * dx / half_width;
      const Rgb c = t.trunk * (shade * (0.75f + 0.5f * tex.grain(canvas.u(x) * 4.0f, canvas.v(y) * 0.5f)));
      blend(canvas, x, y, finish(c, light, t.haze), alpha);
    }
}

void draw_broadleaf(Canvas& canvas, const Tree& t, const Lighting& light, const ObjectTextures& tex) {
  const float h = t.height;
  draw_trunk(canvas, t, light, tex, t.base_v - 0.5f * h, 0.045f * h);
  const float cx = t.X, cy = t.base_v - 0.63f * h, rx = 0.3f * h, ry = 0.34f * h;
  const Box box = clip_box(canvas, cx - 1.4f * rx, cx + 1.4f * rx, cy - 1.4f * ry, cy + 1.3f * ry);
  const float side = side_of_light(light, t.X);
  for (int y = box.y0; y < box.y1; ++y)
    for (int x = box.x0; x < box.x1; ++x) {
      const float dx = (canvas.X(x) - cx) / rx, dy = (canvas.v(y) - cy) / ry;
      const float r = std::sqrt(dx * dx + dy * dy);
      // A ragged outline: the radius varies by ±30% with coarse noise around the tree.
      const float edge = 1.0f + 0.6f * (tex.lumps(dx * 0.12f + t.texture_shift, dy * 0.12f + t.texture_shift) - 0.5f);
      const float alpha = coverage((edge - r) * std::min(rx, ry), canvas.pixel());
      if (alpha <= 0.0f) continue;
      // Lit on the sun's side and from above; leaves give a fine mottle.
      const float shade = 0.9f + 0.22f * side * dx - 0.2f * dy;
      const float mottle = 0.6f + 0.65f * tex.leaves(canvas.u(x) + t.texture_shift, canvas.v(y));
      blend(canvas, x, y, finish(t.canopy * (shade * mottle), light, t.haze), alpha);
    }
}

void draw_conifer(Canvas& canvas, const Tree& t, const Lighting& light, const ObjectTextures& tex) {
  const float h = t.height;
  draw_trunk(canvas, t, light, tex, t.base_v - 0.2f * h, 0.035f * h);
  const float apex = t.base_v - h, bottom = t.base_v - 0.12f * h, half_base = 0.23f * h;
  const Box box = clip_box(canvas, t.X - half_base, t.X + half_base, apex, bottom);
  const float side = side_of_light(light, t.X);
  for (int y = box.y0; y < box.y1; ++y)
    for (int x = box.x0; x < box.x1; ++x) {
      const float s = (canvas.v(y) - apex) / (bottom - apex);  // 0 at the apex, 1 at the bottom
      // Three tiers: the half-width grows with s and steps back at each tier (a sawtooth).
      const float tier = s * 3.0f - std::floor(s * 3.0f);
      const float half = half_base * s * (0.7f + 0.3f * tier);
      const float dx = canvas.X(x) - t.X;
      const float alpha = coverage(half - std::fabs(dx), canvas.pixel()) * coverage(bottom - canvas.v(y), canvas.pixel());
      if (alpha <= 0.0f) continue;
      const float shade = 0.85f + 0.25f * side * dx / half_base + 0.1f * tier;
      const float mottle = 0.65f + 0.55f * tex.leaves(canvas.u(x) + t.texture_shift, canvas.v(y));
      blend(canvas, x, y, finish(t.canopy * (shade * mottle), light, t.haze), alpha);
    }
}

}  // namespace

void draw_tree(Canvas& canvas, const Tree& tree, const Lighting& light, const ObjectTextures& tex) {
  if (tree.kind == TreeKind::broadleaf)
    draw_broadleaf(canvas, tree, light, tex);
  else
    draw_conifer(canvas, tree, light, tex);
}

void draw_rock(Canvas& canvas, const Rock& rock, const Lighting& light, const ObjectTextures& tex) {
  const float r = rock.radius, side = side_of_light(light, rock.X);
  // The shadow: an ellipse on the ground, away from the light.
  const float sx = rock.X - side * 0.45f * r, sy = rock.base_v + 0.03f * r;
  const Box shadow = clip_box(canvas, sx - 1.5f * r, sx + 1.5f * r, sy - 0.25f * r, sy + 0.25f * r);
  for (int y = shadow.y0; y < shadow.y1; ++y)
    for (int x = shadow.x0; x < shadow.x1; ++x) {
      const float dx = (canvas.X(x) - sx) / (1.4f * r), dy = (canvas.v(y) - sy) / (0.2f * r);
      const float alpha = 0.45f * coverage((1.0f - std::sqrt(dx * dx + dy * dy)) * 0.2f * r, canvas.pixel());
      blend(canvas, x, y, canvas.at(x, y) * 0.3f, alpha);
    }
  // The rock: a dome 0.75·r tall, flattened where it sits in the ground.
  const Box box = clip_box(canvas, rock.X - 1.3f * r, rock.X + 1.3f * r, rock.base_v - r, rock.base_v + 0.2f * r);
  const float lx = side * 0.55f, ly = -0.6f, lz = 0.58f;  // towards the light (up is −v)
  for (int y = box.y0; y < box.y1; ++y)
    for (int x = box.x0; x < box.x1; ++x) {
      const float dx = (canvas.X(x) - rock.X) / r;
      const float below = canvas.v(y) - rock.base_v;
      const float dy = below > 0.0f ? below / (0.15f * r) : below / (0.75f * r);
      const float dist = std::sqrt(dx * dx + dy * dy);
      const float edge = 1.0f + 0.3f * (tex.lumps(dx * 0.1f + rock.texture_shift, dy * 0.1f + rock.texture_shift) - 0.5f);
      const float alpha = coverage((edge - dist) * 0.6f * r, canvas.pixel());
      if (alpha <= 0.0f) continue;
      const float nz = std::sqrt(std::max(0.0f, 1.0f - std::min(dist * dist, 1.0f)));
      const float lit = std::max(0.0f, dx * lx + std::min(dy, 0.0f) * ly + nz * lz);
      const float grain = 0.7f + 0.6f * tex.grain(canvas.u(x) * 2.0f + rock.texture_shift, canvas.v(y) * 2.0f);
      blend(canvas, x, y, finish(rock.colour * ((0.35f + 0.8f * lit) * grain), light, rock.haze), alpha);
    }
}

}  // namespace pigment::data::detail
