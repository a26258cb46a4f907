// Training on both backends: a tiny pix2pix and a tiny CycleGAN from the same seed and weights,
// five steps each on the CPU and on CUDA; the per-step losses agree. And the caching allocator: no
// cudaMalloc in a training step after the second.
#include <catch2/catch.hpp>

#include <cmath>

#include "nets/models/model.h"

using namespace pigment;
using namespace pigment::nets;

namespace {
ModelOptions tiny(ModelKind kind, const std::string& g) {
  ModelOptions o;
  o.kind = kind;
  o.generator.arch = g;
  o.generator.ngf = 8;
  o.generator.norm = NormType::instance;
  o.discriminator.ndf = 8;
  o.discriminator.norm = NormType::instance;
  o.gan_mode = kind == ModelKind::cycle_gan ? GanMode::lsgan : GanMode::vanilla;
  o.pool_size = kind == ModelKind::cycle_gan ? 4 : 0;
  o.seed = 9;
  return o;
}

std::vector<std::vector<double>> losses_over_steps(const ModelOptions& o, const Device& device, int steps) {
  auto model = Model::create(o, device);
  Generator gen(4);
  std::vector<std::vector<double>> out;
  for (int s = 0; s < steps; ++s) {
    Tensor a = Tensor::empty({1, 3, 32, 32}, DType::f32, Device::cpu()), b = Tensor::empty_like(a);
    gen.fill_uniform(a, -1, 1);
    gen.fill_uniform(b, -1, 1);
    model->set_input(a, b);
    model->optimize_parameters();
    std::vector<double> l;
    for (const auto& [name, v] : model->current_losses()) l.push_back(v);
    out.push_back(l);
  }
  return out;
}
}  // namespace

// The tolerance: TF32 convolutions (≈1e-3 relative per layer) on CUDA against the CPU's FP32, and
// the two runs' weights drifting apart through five Adam steps; losses agree to 2% relative (or
// 2e-3 absolute for losses near zero). Observed agreement is reported on failure.
TEST_CASE("pix2pix and CycleGAN losses agree on CPU and CUDA for five steps", "[gpu][training]") {
  const Device gpu = Device::cuda(0);
  set_conv_implementation(gpu, "custom");
  for (const auto& o : {tiny(ModelKind::pix2pix, "unet_5d"), tiny(ModelKind::cycle_gan, "resnet_6blocks")}) {
    const auto cpu_losses = losses_over_steps(o, Device::cpu(), 5);
    const auto gpu_losses = losses_over_steps(o, gpu, 5);
    for (std::size_t s = 0; s < cpu_losses.size(); ++s)
      for (std::size_t k = 0; k < cpu_losses[s].size(); ++k) {
        INFO(model_name(o.kind) << " step " << s << " loss " << k << ": cpu " << cpu_losses[s][k] << " cuda "
                                << gpu_losses[s][k]);
        CHECK(std::fabs(cpu_losses[s][k] - gpu_losses[s][k]) <= 2e-3 + 2e-2 * std::fabs(cpu_losses[s][k]));
      }
  }
}

TEST_CASE("no cudaMalloc in a training step after the second", "[gpu][allocator]") {
  const Device gpu = Device::cuda(0);
  auto model = Model::create(tiny(ModelKind::cycle_gan, "resnet_6blocks"), gpu);
  Tensor a = Tensor::full({1, 3, 32, 32}, 0.5, DType::f32, Device::cpu()), b = Tensor::full({1, 3, 32, 32}, -0.5, DType::f32, Device::cpu());
  for (int s = 0; s < 2; ++s) {
    model->set_input(a, b);
    model->optimize_parameters();
  }
  const auto before = gpu.context().allocator_stats().system_allocations;
  for (int s = 0; s < 3; ++s) {
    model->set_input(a, b);
    model->optimize_parameters();
  }
  CHECK(gpu.context().allocator_stats().system_allocations == before);
}

TEST_CASE("guard bytes catch a write past the end of an allocation", "[gpu][allocator]") {
  const Device gpu = Device::cuda(0);
  set_allocator_checks(gpu, {true, 256});
  Tensor t = Tensor::empty({100}, DType::f32, gpu);
  verify_allocator_guards(gpu);
  const float value = 1.0f;
  gpu.context().copy_from_host(static_cast<char*>(t.raw_data()) + 100 * sizeof(float), &value, sizeof value);
  gpu.context().synchronize();
  CHECK_THROWS_WITH(verify_allocator_guards(gpu), Catch::Contains("guard bytes overwritten"));
}
