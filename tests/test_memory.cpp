// The memory colorizer (issue 13): its colour features, the colour memory and the model's step.
#include <set>

#include "engine/views.h"
#include "helpers.h"
#include "kernels/ops.h"
#include "nets/models/memory_colorization_model.h"
#include "train/data/lab.h"

using namespace pigment;
using namespace pigment::nets;

namespace {
const Device host = Device::cpu();

Tensor f32(const Shape& s, const std::vector<double>& v) { return Tensor::from_vector(s, v, host, DType::f32); }

// A batch of n flat-colour images of side s in the model's Lab scaling: image i has Lab (L_i, a_i, b_i).
std::pair<Tensor, Tensor> flat_images(const std::vector<std::array<double, 3>>& lab, std::int64_t s) {
  const auto n = static_cast<std::int64_t>(lab.size());
  std::vector<double> L, ab;
  for (const auto& c : lab) L.insert(L.end(), static_cast<std::size_t>(s * s), c[0] / 50 - 1);
  for (const auto& c : lab) {
    ab.insert(ab.end(), static_cast<std::size_t>(s * s), c[1] / 110);
    ab.insert(ab.end(), static_cast<std::size_t>(s * s), c[2] / 110);
  }
  return {f32({n, 1, s, s}, L), f32({n, 2, s, s}, ab)};
}
}  // namespace

TEST_CASE("the gamut bins are the 10-unit ab cells that some 8-bit sRGB colour reaches", "[memory]") {
  std::set<std::array<int, 2>> reached;
  for (int r = 0; r < 256; ++r)
    for (int g = 0; g < 256; ++g)
      for (int b = 0; b < 256; ++b) {
        const auto lab = data::rgb_to_lab(static_cast<float>(r) / 255.0f, static_cast<float>(g) / 255.0f,
                                          static_cast<float>(b) / 255.0f);
        reached.insert({10 * static_cast<int>(std::floor(lab[1] / 10.0 + 0.5)),
                        10 * static_cast<int>(std::floor(lab[2] / 10.0 + 0.5))});
      }
  const auto bins = ab_gamut_bins();
  CHECK(std::set<std::array<int, 2>>(bins.begin(), bins.end()) == reached);
  CHECK(bins.size() == 261);
}

TEST_CASE("an image's ab distribution sums to 1 and sits on the bins near its colour", "[memory]") {
  const ColourFeatures f(ValueKind::distribution, host);
  const auto [L, ab] = flat_images({{50, 20, -30}, {70, 0, 0}}, 4);
  const std::vector<double> d = f.distribution(ab).to_vector<double>();
  REQUIRE(d.size() == 2 * 261u);
  const auto bins = ab_gamut_bins();
  for (int img = 0; img < 2; ++img) {
    double total = 0, mass_near = 0;
    for (std::size_t q = 0; q < 261; ++q) {
      const double p = d[static_cast<std::size_t>(img) * 261 + q];
      total += p;
      const double a = img ? 0 : 20, b = img ? 0 : -30;
      if (std::hypot(bins[q][0] - a, bins[q][1] - b) <= 15) mass_near += p;
    }
    CHECK(total == Approx(1.0).epsilon(1e-5));
    CHECK(mass_near > 0.9);  // σ = 5: within 15 units of the colour
  }
  // Same colours: distance 0; different colours: far above MemoPainter's threshold of 0.5.
  const Tensor values = f.values(L, ab);
  const auto dist = f.distance(values, values, f32({2, 2}, {0, 1, 1, 0})).to_vector<double>();
  CHECK(dist[0] == Approx(0.0).margin(1e-9));
  CHECK(dist[1] > 2.0);
}

TEST_CASE("the triplet loss pulls a query to the same-coloured slot and away from the other", "[memory]") {
  const ColourFeatures f(ValueKind::distribution, host);
  ColourMemory memory(4, 2, f.dims(), host);
  const auto [L, ab] = flat_images({{50, 20, -30}, {60, -40, 40}}, 4);
  const Tensor values = f.values(L, ab);
  // Slot 0 (key (1, 0)) holds image 0's colours, slot 1 (key (0, 1)) image 1's; 2 and 3 are empty.
  Rng rng(3);
  memory.update(f32({2, 2}, {1, 0, 0, 1}), values, f32({2}, {0, 1}), f, 0.5, 0.0f, rng);
  CHECK(memory.occupied() == 2);
  // A query (0.6, 0.8) whose image has slot 0's colours: positive slot 0 scores 0.6, negative slot 1
  // scores 0.8, so the hinge is 0.8 − 0.6 + α and its gradient in q is K_neg − K_pos = (−1, 1).
  Tensor q = f32({1, 2}, {0.6, 0.8});
  q.set_requires_grad(true);
  const Tensor loss = memory.triplet_loss(q, reshape(gather_rows(values, f32({1}, {0})), {1, f.dims()}), f,
                                          4, 0.5, 0.1);
  CHECK(loss.item() == Approx(0.8 - 0.6 + 0.1).epsilon(1e-5));
  loss.backward();
  const std::vector<double> g = test::values(q.grad());
  CHECK(g[0] == Approx(-1.0).epsilon(1e-5));
  CHECK(g[1] == Approx(1.0).epsilon(1e-5));
  // A query with no negative among its neighbours adds nothing (the port trains it against 0).
  ColourMemory one(2, 2, f.dims(), host);
  one.update(f32({1, 2}, {1, 0}), reshape(gather_rows(values, f32({1}, {0})), {1, f.dims()}),
             f32({1}, {0}), f, 0.5, 0.0f, rng);
  CHECK(one.triplet_loss(f32({1, 2}, {0.6, 0.8}), reshape(gather_rows(values, f32({1}, {0})), {1, f.dims()}),
                         f, 2, 0.5, 0.1).item() == 0.0);
}

TEST_CASE("the memory colorizer trains, fills its memory and retrieves the slot of a training image", "[memory][models]") {
  for (const ValueKind kind : {ValueKind::distribution, ValueKind::colors})
    for (const KeyNetArch key : {KeyNetArch::resnet18, KeyNetArch::descriptor}) {
      INFO(kValueKindNames.name(kind) << ", " << kKeyNetNames.name(key));
      ModelOptions o;
      o.kind = ModelKind::memory_colorization;
      o.generator.arch = GeneratorArch::parse("unet_5d");
      o.generator.ngf = 4;
      o.generator.input_nc = 1;
      o.generator.output_nc = 2;
      o.discriminator.ndf = 4;
      o.gan_mode = GanMode::vanilla;
      o.seed = 7;
      o.memory.value_kind = kind;
      o.memory.memory_size = 6;
      o.memory.key.arch = key;
      o.memory.key.width = 4;
      o.memory.key.query_dims = 16;
      auto model = Model::create(o, host);
      auto& m = dynamic_cast<MemoryColorizationModel&>(*model);
      const auto [L, ab] = flat_images({{50, 20, -30}, {60, -40, 40}, {40, 60, 50}}, 32);
      for (int step = 0; step < 3; ++step) {
        model->set_input(L, ab);
        const std::int64_t sources[] = {10, 11, 12};
        model->set_input_sources(sources);
        model->optimize_parameters();
        for (const auto& [name, v] : model->current_losses()) {
          INFO(name);
          CHECK(std::isfinite(v));
        }
      }
      CHECK(m.memory().occupied() >= 3);
      CHECK(m.memory().occupied() <= 6);
      // Every image retrieves a slot that came from a training image of this batch.
      const Retrieval r = m.retrieve(L, 2);
      REQUIRE(r.slots.size() == 6);
      for (std::int64_t s : r.sources) CHECK((s >= 10 && s <= 12));
      CHECK(m.colorize(L, gather_rows(r.values, f32({3}, {0, 2, 4}))).shape() == Shape{3, 2, 32, 32});
    }
}

