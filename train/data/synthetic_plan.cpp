// The random choices of a synthetic scene. Each object class has its own colour family, varied a
// little per scene and per object, so colour follows from what a thing is and where it stands.
#include <algorithm>

#include "train/data/seeds.h"
#include "train/data/synthetic_scene.h"

namespace pigment::data::detail {

namespace {

SkyPlan plan_sky(TimeOfDay time, float horizon, float aspect, Rng& gen) {
  SkyPlan s;
  const auto U = [&](double lo, double hi) { return static_cast<float>(gen.uniform(lo, hi)); };
  s.body_X = U(0.1, 0.9) * aspect;
  switch (time) {
    case TimeOfDay::day:
      s.zenith = vary({0.18f, 0.38f, 0.78f}, gen, 0.08f);
      s.horizon = vary({0.72f, 0.84f, 0.95f}, gen, 0.04f);
      s.middle = mix(s.zenith, s.horizon, 0.55f);
      s.body = {1.0f, 0.97f, 0.86f};
      s.glow = {0.35f, 0.32f, 0.22f};
      s.body_v = U(0.06, horizon - 0.18);
      s.body_radius = U(0.03, 0.045);
      s.glow_size = 0.09f;
      s.cloud_cover = U(0.0, 0.75);
      s.cloud_lit = {0.98f, 0.98f, 1.0f};
      s.cloud_shade = vary({0.68f, 0.72f, 0.80f}, gen, 0.05f);
      break;
    case TimeOfDay::dusk:
      s.zenith = vary({0.15f, 0.14f, 0.38f}, gen, 0.06f);
      s.middle = vary({0.80f, 0.42f, 0.50f}, gen, 0.06f);
      s.horizon = vary({1.0f, 0.64f, 0.30f}, gen, 0.05f);
      s.body = {1.0f, 0.66f, 0.30f};
      s.glow = {0.55f, 0.28f, 0.10f};
      s.body_v = U(horizon - 0.14, horizon - 0.03);
      s.body_radius = U(0.035, 0.055);
      s.glow_size = 0.18f;
      s.cloud_cover = U(0.1, 0.7);
      s.cloud_lit = vary({1.0f, 0.62f, 0.52f}, gen, 0.05f);
      s.cloud_shade = vary({0.40f, 0.28f, 0.45f}, gen, 0.05f);
      break;
    case TimeOfDay::night:
      s.zenith = {0.01f, 0.02f, 0.07f};
      s.middle = vary({0.04f, 0.06f, 0.17f}, gen, 0.03f);
      s.horizon = vary({0.11f, 0.15f, 0.30f}, gen, 0.03f);
      s.body = {0.93f, 0.93f, 0.86f};
      s.glow = {0.10f, 0.12f, 0.18f};
      s.body_v = U(0.08, 0.28);
      s.body_radius = U(0.03, 0.045);
      s.glow_size = 0.10f;
      s.moon = s.stars = true;
      s.cloud_cover = U(0.0, 0.45);
      s.cloud_lit = {0.26f, 0.28f, 0.36f};
      s.cloud_shade = {0.09f, 0.10f, 0.16f};
      break;
  }
  return s;
}

Lighting plan_light(const SkyPlan& sky, TimeOfDay time) {
  Lighting light;
  light.sun_X = sky.body_X;
  light.haze = sky.horizon;
  if (time == TimeOfDay::dusk) light.tint = {0.92f, 0.70f, 0.58f};
  if (time == TimeOfDay::night) light.tint = {0.26f, 0.31f, 0.48f};
  return light;
}

Terrain pick_terrain(bool farthest, bool autumn, Rng& gen) {
  const double p = gen.uniform();
  if (farthest) return p < 0.55 ? Terrain::rocky : p < 0.75 ? Terrain::sandstone : Terrain::forest;
  if (autumn) return p < 0.6 ? Terrain::autumn : p < 0.8 ? Terrain::forest : Terrain::grassy;
  return p < 0.5 ? Terrain::forest : Terrain::grassy;
}

HillLayer plan_layer(Terrain terrain, float distance, float horizon, std::uint64_t key, Rng& gen) {
  HillLayer l;
  l.terrain = terrain;
  const auto U = [&](double lo, double hi) { return static_cast<float>(gen.uniform(lo, hi)); };
  const bool mountain = terrain == Terrain::rocky || terrain == Terrain::sandstone;
  l.amplitude = (mountain ? 0.08f : 0.035f) + 0.07f * distance + U(0.0, 0.03);
  l.crest = horizon - (0.05f + 0.14f * distance + U(0.0, 0.05)) - (mountain ? 0.04f : 0.0f);
  l.haze = 0.08f + 0.32f * distance;
  l.texture_shift = U(0.0, 1.0);
  const int cells = mountain ? 3 + static_cast<int>(gen.uniform_int(3)) : 2 + static_cast<int>(gen.uniform_int(2));
  l.ridge = ValueNoise(key, cells, 1, mountain ? 5 : 3, mountain ? 0.55f : 0.45f);
  switch (terrain) {
    case Terrain::rocky:
      l.colour = vary({0.44f, 0.45f, 0.52f}, gen, 0.08f);
      l.second = vary({0.36f, 0.32f, 0.30f}, gen, 0.06f);
      l.snow_line = gen.uniform() < 0.7 ? l.crest - 0.2f * l.amplitude : -1.0f;
      break;
    case Terrain::sandstone:
      l.colour = vary({0.80f, 0.44f, 0.22f}, gen, 0.08f);
      l.second = vary({0.62f, 0.30f, 0.16f}, gen, 0.06f);
      break;
    case Terrain::forest:
      l.colour = vary({0.13f, 0.33f, 0.13f}, gen, 0.1f);
      l.second = vary({0.07f, 0.21f, 0.10f}, gen, 0.08f);
      break;
    case Terrain::grassy:
      l.colour = vary({0.44f, 0.63f, 0.22f}, gen, 0.08f);
      l.second = vary({0.30f, 0.50f, 0.16f}, gen, 0.06f);
      break;
    case Terrain::autumn:
      l.colour = vary({0.84f, 0.45f, 0.12f}, gen, 0.08f);
      l.second = vary({0.68f, 0.17f, 0.08f}, gen, 0.06f);
      l.third = vary({0.90f, 0.74f, 0.18f}, gen, 0.06f);
      break;
  }
  return l;
}

void plan_ground(ScenePlan& p, Rng& gen) {
  const double r = gen.uniform();
  if (p.water && r < 0.5) {
    p.ground = Ground::beach;
  } else if (p.autumn) {
    p.ground = r < 0.55 ? Ground::meadow : r < 0.8 ? Ground::wheat : Ground::steppe;
  } else {
    p.ground = r < 0.45 ? Ground::meadow : r < 0.65 ? Ground::wheat : r < 0.82 ? Ground::lavender : Ground::steppe;
  }
  switch (p.ground) {
    case Ground::meadow:
      p.ground_colour = vary(p.autumn ? Rgb{0.52f, 0.50f, 0.18f} : Rgb{0.30f, 0.55f, 0.15f}, gen, 0.08f);
      p.ground_second = p.ground_colour * 0.72f;
      break;
    case Ground::wheat:
      p.ground_colour = vary({0.88f, 0.70f, 0.30f}, gen, 0.06f);
      p.ground_second = vary({0.72f, 0.52f, 0.20f}, gen, 0.05f);
      break;
    case Ground::lavender:
      p.ground_colour = vary({0.54f, 0.38f, 0.78f}, gen, 0.06f);
      p.ground_second = vary({0.28f, 0.40f, 0.18f}, gen, 0.05f);
      break;
    case Ground::steppe:
      p.ground_colour = vary({0.74f, 0.64f, 0.40f}, gen, 0.06f);
      p.ground_second = vary({0.52f, 0.52f, 0.28f}, gen, 0.05f);
      break;
    case Ground::beach:
      p.ground_colour = vary({0.86f, 0.78f, 0.56f}, gen, 0.05f);
      p.ground_second = p.ground_colour * 0.8f;
      break;
  }
}

Rgb canopy_colour(TreeKind kind, bool autumn, Rng& gen) {
  if (kind == TreeKind::conifer) return vary({0.08f, 0.27f, 0.15f}, gen, 0.1f);
  if (!autumn) return vary({0.22f, 0.47f, 0.13f}, gen, 0.12f);
  const double p = gen.uniform();
  const Rgb base = p < 0.4 ? Rgb{0.90f, 0.46f, 0.10f} : p < 0.7 ? Rgb{0.74f, 0.16f, 0.08f} : Rgb{0.92f, 0.76f, 0.16f};
  return vary(base, gen, 0.08f);
}

// Objects stand on the ground (below the horizon, and past the shore when there is water), bigger
// when nearer: z = 0 at the horizon, 1 at the bottom edge.
void plan_objects(ScenePlan& p, float aspect, Rng& gen) {
  const auto U = [&](double lo, double hi) { return static_cast<float>(gen.uniform(lo, hi)); };
  const float conifer_share = U(0.0, 1.0);
  const auto make_tree = [&](float X, float base_v, float height, float haze) {
    Tree t;
    t.kind = gen.uniform() < conifer_share ? TreeKind::conifer : TreeKind::broadleaf;
    t.X = X;
    t.base_v = base_v;
    t.height = height;
    t.canopy = canopy_colour(t.kind, p.autumn, gen);
    t.trunk = vary({0.36f, 0.24f, 0.14f}, gen, 0.1f);
    t.haze = haze;
    t.texture_shift = U(0.0, 1.0);
    return t;
  };
  // A line of small trees along the horizon (reflected when there is water).
  const int far = gen.uniform() < 0.5 ? static_cast<int>(gen.uniform_int(14)) : 0;
  for (int i = 0; i < far; ++i)
    p.far_trees.push_back(make_tree(U(0.0, aspect), p.horizon + U(0.0, 0.01), U(0.03, 0.07), 0.3f));

  const float ground_top = p.water ? p.shore + 0.02f : p.horizon + 0.03f;
  if (ground_top >= 1.02f) return;
  const float span = 1.1f - ground_top;
  const int trees = static_cast<int>(gen.uniform_int(p.water ? 4 : 10));
  for (int i = 0; i < trees; ++i) {
    const float v = ground_top + U(0.0, span);
    const float z = std::clamp((v - p.horizon) / (1.0f - p.horizon), 0.0f, 1.2f);
    p.near_trees.push_back(make_tree(U(0.0, aspect), v, (0.06f + 0.5f * z) * U(0.75, 1.25),
                                     0.25f * (1.0f - z) * (1.0f - z)));
  }
  const int rocks = static_cast<int>(gen.uniform_int(p.ground == Ground::steppe || p.ground == Ground::beach ? 7 : 4));
  for (int i = 0; i < rocks; ++i) {
    Rock r;
    r.base_v = ground_top + U(0.0, span);
    const float z = std::clamp((r.base_v - p.horizon) / (1.0f - p.horizon), 0.0f, 1.2f);
    r.X = U(0.0, aspect);
    r.radius = (0.012f + 0.08f * z) * U(0.7, 1.3);
    r.colour = vary(gen.uniform() < 0.5 ? Rgb{0.50f, 0.51f, 0.55f} : Rgb{0.56f, 0.49f, 0.41f}, gen, 0.1f);
    r.haze = 0.25f * (1.0f - z) * (1.0f - z);
    r.texture_shift = U(0.0, 1.0);
    p.rocks.push_back(r);
  }
  std::sort(p.near_trees.begin(), p.near_trees.end(), [](const Tree& a, const Tree& b) { return a.base_v < b.base_v; });
  std::sort(p.rocks.begin(), p.rocks.end(), [](const Rock& a, const Rock& b) { return a.base_v < b.base_v; });
}

}  // namespace

ScenePlan plan_scene(std::uint64_t seed, std::int64_t index, float aspect, int family) {
  const auto idx = static_cast<std::uint64_t>(index);
  Rng gen(derive_seed(seed, Stream::scene, 0, idx));
  std::uint64_t part = 0;
  const auto key = [&] { return derive_seed(seed, Stream::scene_part, idx, part++); };
  ScenePlan p;
  const double t = gen.uniform();
  p.time = t < 0.58 ? TimeOfDay::day : t < 0.86 ? TimeOfDay::dusk : TimeOfDay::night;
  p.autumn = gen.uniform() < 0.3;
  p.horizon = static_cast<float>(gen.uniform(0.45, 0.62));
  if (family >= 0) {  // the family's own time of day and horizon band (synthetic.h)
    p.time = family % 3 == 0 ? TimeOfDay::day : family % 3 == 1 ? TimeOfDay::dusk : TimeOfDay::night;
    p.horizon = 0.42f + 0.06f * static_cast<float>(family % 4) + 0.04f * (p.horizon - 0.45f) / 0.17f;
  }
  p.sky = plan_sky(p.time, p.horizon, aspect, gen);
  p.light = plan_light(p.sky, p.time);

  const int layers = 1 + static_cast<int>(gen.uniform_int(3));
  for (int i = 0; i < layers; ++i) {
    const float distance = layers == 1 ? 0.3f : static_cast<float>(layers - 1 - i) / static_cast<float>(layers - 1);
    p.layers.push_back(plan_layer(pick_terrain(i == 0 && layers > 1, p.autumn, gen), distance, p.horizon, key(), gen));
  }
  p.water = gen.uniform() < 0.4;
  if (family >= 0) p.water = (family / 3) % 2 == 1;
  if (p.water) {
    p.shore = gen.uniform() < 0.35 ? 2.0f : static_cast<float>(gen.uniform(0.78, 0.95));
    const Rgb deep = p.time == TimeOfDay::day    ? Rgb{0.05f, 0.22f, 0.34f}
                     : p.time == TimeOfDay::dusk ? Rgb{0.14f, 0.10f, 0.22f}
                                                 : Rgb{0.01f, 0.02f, 0.06f};
    p.deep_water = vary(deep, gen, 0.1f);
  }
  plan_ground(p, gen);
  plan_objects(p, aspect, gen);

  p.clouds = ValueNoise(key(), 3, 6, 5, 0.55f);
  p.fine = ValueNoise(key(), 24, 24, 3);
  p.coarse = ValueNoise(key(), 5, 5, 3);
  p.ground_fine = ValueNoise(key(), 40, 20, 2);
  p.patches = ValueNoise(key(), 6, 6, 3);
  p.ripples = ValueNoise(key(), 3, 40, 2);
  p.flowers = ValueNoise(key(), 96, 96, 1);
  p.craters = ValueNoise(key(), 40, 40, 2);
  p.objects.leaves = ValueNoise(key(), 40, 40, 2);
  p.objects.lumps = ValueNoise(key(), 16, 16, 2);
  p.objects.grain = ValueNoise(key(), 48, 12, 2);
  p.star_key = key();
  return p;
}

}  // namespace pigment::data::detail
