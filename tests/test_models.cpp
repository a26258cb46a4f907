// The models: update order, losses, frozen discriminators, the gradient penalty, the image pool.
#include "helpers.h"
#include "kernels/ops.h"
#include "nets/models/model.h"

using namespace pigment;
using namespace pigment::nets;

namespace {
const Device host = Device::cpu();

ModelOptions tiny(ModelKind kind, const std::string& g_arch, int in, int out) {
  ModelOptions o;
  o.kind = kind;
  o.generator.arch = GeneratorArch::parse(g_arch);
  o.generator.ngf = 4;
  o.generator.input_nc = in;
  o.generator.output_nc = out;
  o.discriminator.ndf = 4;
  o.discriminator.n_layers = 2;
  o.discriminator.arch = DiscriminatorArch::n_layers;
  // What these tests were written against (ModelOptions' defaults are the reference's CycleGAN ones).
  o.generator.norm = o.discriminator.norm = NormType::batch;
  o.generator.dropout = false;
  o.gan_mode = GanMode::vanilla;
  o.pool_size = 0;
  o.seed = 5;
  return o;
}

Tensor noise(const Shape& s, std::uint64_t seed) {
  Rng g(seed);
  Tensor t = Tensor::empty(s, DType::f32, host);
  g.fill_uniform(t, -1, 1);
  return t;
}

std::vector<std::string> names(const std::vector<std::pair<std::string, double>>& losses) {
  std::vector<std::string> n;
  for (const auto& [k, v] : losses) n.push_back(k);
  return n;
}
}  // namespace

TEST_CASE("pix2pix: D step first, then G with D frozen; the reference's loss names", "[models]") {
  ModelOptions o = tiny(ModelKind::pix2pix, "unet_5d", 3, 3);
  o.generator.norm = NormType::batch;
  o.discriminator.norm = NormType::batch;
  o.generator.dropout = true;
  auto model = Model::create(o, host);
  model->set_input(noise({2, 3, 32, 32}, 1), noise({2, 3, 32, 32}, 2));
  host.context().reset_op_counts();
  model->optimize_parameters();
  CHECK(names(model->current_losses()) == std::vector<std::string>{"G_GAN", "G_L1", "D_real", "D_fake"});
  for (const auto& [name, v] : model->current_losses()) CHECK(std::isfinite(v));
  std::vector<std::string> visuals;
  for (const Visual& v : model->current_visuals()) visuals.push_back(v.name);
  CHECK(visuals == std::vector<std::string>{"real_A", "fake_B", "real_B"});  // the reference's visual_names
  // Weight-gradient kernels: D's 4 convs for each of its 2 forwards in the D step, and G's 5 convs
  // and 5 transposed convs in the G step. None for D in the G step, where it is frozen.
  CHECK(op_count(host.context(), OpId::conv2d_weight_grad) == 4 * 2 + 5 + 5);
  CHECK(model->network("D")->parameters().entries().front().second.requires_grad() == false);
}

TEST_CASE("colorization: 1 channel in, 2 out, D sees 3, Lab visuals", "[models]") {
  auto model = Model::create(tiny(ModelKind::colorization, "unet_5d", 1, 2), host);
  model->set_input(noise({1, 1, 32, 32}, 3), noise({1, 2, 32, 32}, 4));
  model->optimize_parameters();
  const auto visuals = model->current_visuals();
  REQUIRE(visuals.size() == 3);
  CHECK(visuals[0].name == "real_A");  // the reference's colorization visual_names, in its order
  CHECK(visuals[0].kind == VisualKind::lab_L);
  CHECK(visuals[1].name == "real_B_rgb");
  CHECK(visuals[2].name == "fake_B_rgb");
  CHECK(visuals[2].tensor.shape() == Shape{1, 2, 32, 32});
  CHECK(model->network("D")->parameters().entries().front().second.dim(1) == 3);
}

TEST_CASE("wgangp applies its gradient penalty to D", "[models]") {
  ModelOptions o = tiny(ModelKind::pix2pix, "unet_5d", 1, 1);
  o.gan_mode = GanMode::wgangp;
  o.generator.norm = NormType::instance;
  o.discriminator.norm = NormType::instance;
  auto model = Model::create(o, host);
  model->set_input(noise({2, 1, 32, 32}, 5), noise({2, 1, 32, 32}, 6));
  model->optimize_parameters();
  const auto losses = model->current_losses();
  REQUIRE(names(losses).back() == "D_gp");
  CHECK(losses.back().second > 0);
  // The penalty's gradient reaches D's weights through the double backward of D's layers: with
  // λ_gp = 0 the same step leaves D with different weights.
  auto D_after = [&](double lambda) {
    ModelOptions p = o;
    p.lambda_gp = lambda;
    auto m = Model::create(p, host);
    m->set_input(noise({2, 1, 32, 32}, 5), noise({2, 1, 32, 32}, 6));
    m->optimize_parameters();
    return m->network("D")->parameters().entries().front().second.to_vector<double>();
  };
  CHECK(D_after(10.0) != D_after(0.0));
}

TEST_CASE("cycle_gan: losses in the reference's order; its cycle loss falls", "[models]") {
  ModelOptions o = tiny(ModelKind::cycle_gan, "resnet_6blocks", 3, 3);
  o.generator.norm = NormType::instance;
  o.discriminator.norm = NormType::instance;
  o.gan_mode = GanMode::lsgan;
  o.pool_size = 4;
  o.adam.lr = 2e-3;
  auto model = Model::create(o, host);
  const Tensor A = noise({1, 3, 16, 16}, 7), B = tanh(scale(noise({1, 3, 16, 16}, 8), 2.0));
  double first = 0, last = 0;
  for (int step = 0; step < 60; ++step) {
    model->set_input(A, B);
    model->optimize_parameters();
    const auto losses = model->current_losses();
    const double cycle = losses[2].second + losses[6].second;
    if (step == 0) first = cycle;
    last = cycle;
  }
  CHECK(names(model->current_losses()) ==
        std::vector<std::string>{"D_A", "G_A", "cycle_A", "idt_A", "D_B", "G_B", "cycle_B", "idt_B"});
  // The reference's visual_names: visual_names_A (+ idt_B with the identity loss), then _B.
  std::vector<std::string> visuals;
  for (const Visual& v : model->current_visuals()) visuals.push_back(v.name);
  CHECK(visuals == std::vector<std::string>{"real_A", "fake_B", "rec_A", "idt_B", "real_B", "fake_A", "rec_B", "idt_A"});
  INFO("cycle loss " << first << " → " << last);
  CHECK(last < 0.7 * first);
}

TEST_CASE("the image pool follows the reference's semantics", "[models]") {
  Rng gen(9);
  ImagePool none(0);
  const Tensor x = noise({2, 1, 2, 2}, 10);
  CHECK(none.query(x, gen).is_same(x));
  ImagePool pool(3);
  // Filling: images come back unchanged while the pool has room.
  CHECK(pool.query(x, gen).to_vector<double>() == x.to_vector<double>());
  CHECK(pool.stored() == 2);
  const Tensor y = noise({2, 1, 2, 2}, 11);
  pool.query(y, gen);
  CHECK(pool.stored() == 3);
  // Full: over many queries about half of the returned images are older ones.
  int from_pool = 0, total = 0;
  for (int i = 0; i < 400; ++i) {
    const Tensor z = Tensor::full({1, 1, 2, 2}, 100.0 + i, DType::f32, host);
    from_pool += pool.query(z, gen).to_vector<double>()[0] != 100.0 + i;
    ++total;
  }
  CHECK(from_pool == Approx(total / 2).margin(40));  // binomial(400, ½): σ = 10
}
