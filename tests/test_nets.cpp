// The networks: parameter counts of the guide's table, state_dict names, output shapes, and clear
// errors for inputs a net cannot take.
#include "helpers.h"
#include "nets/discriminators.h"
#include "nets/generators.h"

using namespace pigment;
using namespace pigment::nets;
using test::error_of;

namespace {
const Device host = Device::cpu();

std::int64_t generator_params(const std::string& arch, NormType norm, int in, int out) {
  Rng rng(0);
  GeneratorOptions o;
  o.arch = GeneratorArch::parse(arch);
  o.norm = norm;
  o.input_nc = in;
  o.output_nc = out;
  return make_generator(o, host, &rng)->num_parameters();
}

std::int64_t discriminator_params(const std::string& arch, NormType norm, int in, int n_layers = 3) {
  DiscriminatorOptions o;
  o.arch = kDiscriminatorNames.parse(arch, "discriminator");
  o.norm = norm;
  o.input_nc = in;
  o.n_layers = n_layers;
  return make_discriminator(o, host)->num_parameters();
}
}  // namespace

TEST_CASE("parameter counts match the reference implementation", "[nets]") {
  CHECK(generator_params("resnet_9blocks", NormType::instance, 3, 3) == 11378179);
  CHECK(generator_params("resnet_9blocks", NormType::instance, 1, 2) == 11368770);
  CHECK(generator_params("resnet_6blocks", NormType::instance, 3, 3) == 7837699);
  CHECK(generator_params("unet_256", NormType::batch, 3, 3) == 54413955);
  CHECK(generator_params("unet_256", NormType::batch, 1, 2) == 54409858);
  CHECK(generator_params("unet_256", NormType::instance, 1, 2) == 54405506);
  CHECK(generator_params("unet_128", NormType::batch, 3, 3) == 41828995);
  CHECK(generator_params("unet_128", NormType::instance, 3, 3) == 41825667);
  CHECK(discriminator_params("basic", NormType::instance, 3) == 2764737);
  CHECK(discriminator_params("basic", NormType::batch, 6) == 2768705);
  CHECK(discriminator_params("n_layers", NormType::instance, 3, 5) == 11154369);
  CHECK(discriminator_params("pixel", NormType::instance, 3) == 8705);
  // sa_unet_256 = unet_256 (instance) + SAGAN blocks of 256 and 512 channels: 1.25C² + 1.25C + 1 each.
  const std::int64_t sagan256 = 82241, sagan512 = 5 * 512 * 512 / 4 + 5 * 512 / 4 + 1;
  CHECK(generator_params("sa_unet_256", NormType::batch, 1, 2) == 54405506 + sagan256 + sagan512);
}

TEST_CASE("state_dict keys follow the reference's nesting", "[nets]") {
  Rng rng(0);
  GeneratorOptions o;
  o.arch = "unet_256";
  o.norm = NormType::batch;
  o.dropout = false;
  auto unet = make_generator(o, host, &rng);
  TensorList sd = unet->state_dict();
  auto has = [&](const std::string& k) {
    return std::any_of(sd.begin(), sd.end(), [&](const auto& e) { return e.first == k; });
  };
  CHECK(has("model.model.0.weight"));                       // outermost down conv (no bias with batch norm)
  CHECK_FALSE(has("model.model.0.bias"));
  CHECK(has("model.model.1.model.1.weight"));               // second level's down conv
  CHECK(has("model.model.1.model.2.running_mean"));         // its BatchNorm buffers
  CHECK(has("model.model.3.bias"));                         // outermost up conv always has a bias
  o.arch = "resnet_9blocks";
  o.norm = NormType::instance;
  sd = make_generator(o, host, &rng)->state_dict();
  CHECK(has("model.1.weight"));
  CHECK(has("model.10.conv_block.1.weight"));
  CHECK(has("model.10.conv_block.5.bias"));
  CHECK(has("model.26.weight"));
  o.dropout = true;  // dropout shifts the block's later indices
  sd = make_generator(o, host, &rng)->state_dict();
  CHECK(has("model.10.conv_block.6.weight"));
  o = GeneratorOptions{};
  o.arch = "sa_unet_256";
  sd = make_generator(o, host, &rng)->state_dict();
  CHECK(has("model.model.1.model.3.model.3.attention.gamma"));  // 32×32 (512 channels)
  CHECK(has("model.model.1.model.3.attention.query.weight"));   // 64×64 (256 channels)
}

TEST_CASE("output shapes: the 70×70 PatchGAN gives 30×30 logits at 256²", "[nets]") {
  DiscriminatorOptions d;
  d.input_nc = 3;
  d.norm = NormType::instance;
  auto D = make_discriminator(d, host);
  autograd::NoGradGuard no_grad;
  CHECK(D->forward(Tensor::zeros({1, 3, 256, 256}, DType::f32, host)).shape() == Shape{1, 1, 30, 30});
  CHECK(patchgan_receptive_field(3) == 70);
  CHECK(patchgan_receptive_field(1) == 16);
  CHECK(patchgan_receptive_field(5) == 286);
  Rng rng(0);
  GeneratorOptions g;
  g.arch = "resnet_6blocks";
  g.ngf = 8;
  g.norm = NormType::instance;
  CHECK(make_generator(g, host, &rng)->forward(Tensor::zeros({2, 3, 36, 20}, DType::f32, host)).shape() ==
        Shape{2, 3, 36, 20});
  g.arch = "unet_6d";
  g.norm = NormType::batch;
  auto unet = make_generator(g, host, &rng);
  unet->set_training(false);
  CHECK(unet->forward(Tensor::zeros({1, 3, 64, 128}, DType::f32, host)).shape() == Shape{1, 3, 64, 128});
}

TEST_CASE("inputs a net cannot take get an error naming the sizes it can take", "[nets][errors]") {
  Rng rng(0);
  GeneratorOptions g;
  g.arch = "unet_128";
  g.ngf = 4;
  auto unet = make_generator(g, host, &rng);
  std::string msg = error_of([&] { unet->forward(Tensor::zeros({1, 3, 100, 128}, DType::f32, host)); });
  CHECK(msg.find("multiples of 128") != std::string::npos);
  CHECK(msg.find("100×128") != std::string::npos);
  msg = error_of([&] { unet->forward(Tensor::zeros({1, 1, 128, 128}, DType::f32, host)); });
  CHECK(msg.find("built for 3") != std::string::npos);
  g.arch = "resnet_6blocks";
  auto resnet = make_generator(g, host, &rng);
  CHECK(error_of([&] { resnet->forward(Tensor::zeros({1, 3, 30, 32}, DType::f32, host)); }).find("multiples of 4") !=
        std::string::npos);
  DiscriminatorOptions d;
  d.input_nc = 3;
  auto D = make_discriminator(d, host);
  CHECK(error_of([&] { D->forward(Tensor::zeros({1, 3, 16, 16}, DType::f32, host)); }).find("at least") !=
        std::string::npos);
  CHECK(error_of([] { GeneratorArch::parse("unet_300"); }).find("unknown generator 'unet_300'") != std::string::npos);
  CHECK(error_of([] { GeneratorArch::parse("resnet_9block"); }).find("did you mean resnet_9blocks?") !=
        std::string::npos);
  for (const char* name : {"resnet_9blocks", "resnet_6blocks", "unet_256", "unet_128", "unet_5d", "sa_unet_12d"})
    CHECK(GeneratorArch::parse(name).name() == name);
  CHECK(GeneratorArch::parse("unet_8d") == GeneratorArch::parse("unet_256"));
}

TEST_CASE("instance norm takes the ReLU, LeakyReLU and residual add that follow it into one op", "[nets]") {
  // resnet_6blocks: 1 + 2 + 2 norms with ReLU, 6 blocks of (norm+ReLU, norm+residual); the only
  // separate activation left is the final tanh. With batch norm nothing fuses.
  Rng rng(0);
  GeneratorOptions g;
  g.arch = "resnet_6blocks";
  g.ngf = 4;
  g.norm = NormType::instance;
  const Tensor image = Tensor::zeros({1, 3, 32, 32}, DType::f32, host);
  auto count = [&](Network& net, std::int64_t& norms, std::int64_t& relus, std::int64_t& adds) {
    autograd::NoGradGuard no_grad;
    host.context().reset_op_counts();
    net.forward(image);
    norms = op_count(host.context(), OpId::instance_norm) + op_count(host.context(), OpId::batch_norm);
    relus = op_count(host.context(), OpId::relu) + op_count(host.context(), OpId::leaky_relu);
    adds = op_count(host.context(), OpId::add);
  };
  std::int64_t norms = 0, relus = 0, adds = 0;
  count(*make_generator(g, host, &rng), norms, relus, adds);
  CHECK(norms == 5 + 2 * 6);
  CHECK(relus == 0);
  CHECK(adds == 0);
  // Every ReflectionPad2d (stem, head, two per block) is read through by the conv after it.
  CHECK(op_count(host.context(), OpId::reflection_pad2d) == 0);
  CHECK(op_count(host.context(), OpId::conv2d) == 2 + 2 + 2 * 6);
  g.norm = NormType::batch;
  count(*make_generator(g, host, &rng), norms, relus, adds);
  CHECK(relus == 5 + 6);
  CHECK(adds == 6);
  // The PatchGAN: the first LeakyReLU follows a conv and stays; the three after norms fuse.
  DiscriminatorOptions d;
  d.input_nc = 3;
  d.norm = NormType::instance;
  count(*make_discriminator(d, host), norms, relus, adds);
  CHECK(norms == 3);
  CHECK(relus == 1);
}
