#pragma once
// A synthetic scene's plan: every random choice of one picture (palette, horizon, hills, water,
// ground, objects), drawn once from (seed, index) and then rendered. Private to synthetic*.cpp.
#include <cstdint>
#include <vector>

#include "train/data/noise.h"
#include "train/data/synthetic_parts.h"

namespace pigment::data::detail {

enum class TimeOfDay { day, dusk, night };
enum class Terrain { rocky, sandstone, forest, grassy, autumn };
enum class Ground { meadow, wheat, lavender, steppe, beach };

struct SkyPlan {
  Rgb zenith, middle, horizon;  // gradient stops at t = 0, 0.6 and 1, t = v / horizon line
  Rgb body, glow;               // the sun or moon and its halo
  float body_X = 0, body_v = 0, body_radius = 0, glow_size = 0;
  bool moon = false, stars = false;
  float cloud_cover = 0;        // 0 clear … 1 overcast
  Rgb cloud_lit, cloud_shade;
};

struct HillLayer {
  Terrain terrain = Terrain::grassy;
  Rgb colour, second, third;  // the family's main colour and its variations
  float crest = 0, amplitude = 0;  // ridge line v = crest − amplitude·(shape(u) − ½)·2
  float haze = 0;                  // how far away: fades towards the horizon sky
  float snow_line = -1;            // v above which peaks are white (rocky only; −1: none)
  float texture_shift = 0;
  ValueNoise ridge;                // the ridge line's shape along u
};

struct ScenePlan {
  TimeOfDay time = TimeOfDay::day;
  bool autumn = false;
  float horizon = 0.5f;  // v of the horizon line: sky and hills above, ground or water below
  SkyPlan sky;
  Lighting light;
  std::vector<HillLayer> layers;  // far → near
  bool water = false;
  float shore = 2.0f;             // water from the horizon down to v ≈ shore (≥ 1: to the bottom)
  Rgb deep_water;
  Ground ground = Ground::meadow;
  Rgb ground_colour, ground_second;
  std::vector<Tree> far_trees, near_trees;
  std::vector<Rock> rocks;
  // Textures (scene units: u across, v down).
  ValueNoise clouds, fine, coarse, ground_fine, patches, ripples, flowers, craters;
  ObjectTextures objects;
  std::uint64_t star_key = 0;
};

// family ≥ 0: the palette family's fixed choices (synthetic.h); −1: every choice drawn.
ScenePlan plan_scene(std::uint64_t seed, std::int64_t index, float aspect, int family = -1);

}  // namespace pigment::data::detail
