// Two backends, one training: a tiny pix2pix, CycleGAN and colorizer step on the CPU and on the CUDA
// backend (a GPU, or the SIMT device) from the same seed, and the caching allocator's steady state.
//
// Why each step starts from the same state: a free-running comparison measures chaos, not the
// kernels. Adam's update is ≈ lr·sign(g) for an element whose gradient is tiny, and many are —
// the biases before an instance norm have an exact-zero gradient that rounding makes ±1e-9 — so
// two float32 backends that sum in different orders already differ by 2·lr in such weights after
// one step (measured on the SIMT device with TF32 off: a CycleGAN's G_B losses 2.3% apart after
// one step, 5% after five; with TF32, 20% after five). So before every step the CUDA model gets the
// CPU model's whole training state — weights, Adam moments and steps, random stream position, image
// pools — and then both run the same step: the losses (each computed before its update) and every
// parameter gradient must agree, step after step.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "nets/models/model.h"
#include "tests/gpu/gpu_device.h"

using namespace pigment;
using namespace pigment::nets;

namespace {
struct TinyModel {
  ModelKind kind;
  const char* generator;
  int in, out;
};
constexpr TinyModel kTinyModels[] = {{ModelKind::pix2pix, "unet_5d", 3, 3},
                                     {ModelKind::cycle_gan, "resnet_6blocks", 3, 3},
                                     {ModelKind::colorization, "unet_5d", 1, 2},
                                     {ModelKind::memory_colorization, "unet_5d", 1, 2}};

ModelOptions tiny(const TinyModel& m, std::uint64_t seed) {
  ModelOptions o;
  o.kind = m.kind;
  o.generator.arch = m.generator;
  o.generator.ngf = 8;
  o.generator.input_nc = m.in;
  o.generator.output_nc = m.out;
  o.generator.norm = NormType::instance;
  o.generator.dropout = false;
  o.discriminator.ndf = 8;
  o.discriminator.norm = NormType::instance;
  o.gan_mode = m.kind == ModelKind::cycle_gan ? GanMode::lsgan : GanMode::vanilla;
  o.pool_size = m.kind == ModelKind::cycle_gan ? 4 : 0;
  o.seed = seed;
  // The memory colorizer: a small memory and key network. Its threshold is so large that every
  // neighbour counts as the same colours: the triplet loss is 0 and every sample merges into its
  // nearest slot, so that no decision rests on a distance near the threshold, which the two
  // devices' rounding could put on either side (the retrieval and update ops have their own
  // CUDA checks in gan-check).
  o.memory.memory_size = 8;
  o.memory.key.width = 4;
  o.memory.key.query_dims = 16;
  o.memory.threshold = 1e9;
  return o;
}

// Everything `to` needs to continue exactly where `from` is.
void copy_training_state(const Model& from, Model& to) {
  for (const auto& [name, net] : from.networks()) to.network(name)->load_state_dict(net->state_dict(), "the CPU model");
  TensorList tensors;
  Metadata metadata;
  from.save_training_state(tensors, metadata);
  to.load_training_state(tensors, metadata);
}

// How far a network's gradient on the CUDA side is from the CPU's: the largest element difference
// relative to the largest CPU element, and the cosine between the two whole gradients.
struct GradientAgreement {
  double max_error = 0, cosine = 1;
};
GradientAgreement compare_gradients(Network& cpu, Network& cuda) {
  double scale = 0, diff = 0, dot = 0, norm_cpu = 0, norm_cuda = 0;
  for (std::size_t e = 0; e < cpu.parameters().entries().size(); ++e) {
    const Tensor gc = cpu.parameters().entries()[e].second.grad(), gg = cuda.parameters().entries()[e].second.grad();
    if (!gc.defined()) continue;
    const std::vector<double> a = gc.to_vector<double>(), b = gg.to_vector<double>();
    for (std::size_t i = 0; i < a.size(); ++i) {
      scale = std::max(scale, std::fabs(a[i]));
      diff = std::max(diff, std::isfinite(b[i]) ? std::fabs(a[i] - b[i]) : INFINITY);
      dot += a[i] * b[i];
      norm_cpu += a[i] * a[i];
      norm_cuda += b[i] * b[i];
    }
  }
  return {scale > 0 ? diff / scale : diff, norm_cpu > 0 && norm_cuda > 0 ? dot / std::sqrt(norm_cpu * norm_cuda) : 1.0};
}

// The precision the CUDA side multiplies in: TF32 tensor cores, or (the SIMT device with TF32 off)
// full float32 products, where only the order of additions differs from the CPU.
bool multiplies_in_tf32(const Device& gpu) { return !gpu.is_simt() || simt_options(gpu).tf32; }
}  // namespace

// Tolerances, measured on the SIMT device (seeds 9 and 12, four steps) and set with a margin.
// Losses, relative to max(|loss|, 0.1): TF32 5e-3 — one forward's TF32 products (≈5e-4 relative
// each) through the networks and the losses, measured ≤ 2.2e-3; float32 products 2e-5 — sums in
// another order, measured ≤ 1.4e-6.
// Gradients: the backward of these tiny GANs amplifies rounding a few hundred times — instance
// norms over 2×2 to 4×4 maps in the discriminators, and loss gradients nearly in the span the norm
// removes, cancel — so TF32 gradients differ from the CPU's by up to 25% of the network's largest
// element, yet point the same way: cosine ≥ 0.95 (measured ≥ 0.972). With float32 products:
// cosine ≥ 0.9999 (measured ≥ 0.999994) and every element within 1e-2 of the largest: a ReLU whose
// input is within rounding of zero may take the other branch (measured ≤ 3.6e-3; else ≤ 6e-6).
TEST_CASE("pix2pix, CycleGAN and the colorizers take the same steps on the CPU and the CUDA backend",
          "[gpu][training]") {
  const Device gpu = test_gpu();
  set_kernel_choice(gpu, KernelChoice{ConvImpl::custom});
  const bool tf32 = multiplies_in_tf32(gpu);
  const double loss_tolerance = tf32 ? 5e-3 : 2e-5, min_cosine = tf32 ? 0.95 : 0.9999;
  const double element_tolerance = tf32 ? INFINITY : 1e-2;
  for (const TinyModel& m : kTinyModels) {
    for (std::uint64_t seed : {9, 12}) {
      const ModelOptions o = tiny(m, seed);
      const Device cpu = Device::cpu();
      auto on_cpu = Model::create(o, cpu);
      auto on_gpu = Model::create(o, gpu);
      Rng data(seed);
      double worst_loss = 0, worst_element = 0, worst_cosine = 1;
      for (int step = 0; step < 4; ++step) {
        copy_training_state(*on_cpu, *on_gpu);
        // Two 64² images for the memory colorizer: its ResNet's last batch norms then see 2 × 2×2
        // values a channel, not one.
        const bool memory = m.kind == ModelKind::memory_colorization;
        const std::int64_t side = memory ? 64 : 32, batch = memory ? 2 : 1;
        Tensor a = Tensor::empty({batch, m.in, side, side}, DType::f32, cpu);
        Tensor b = Tensor::empty({batch, m.out, side, side}, DType::f32, cpu);
        data.fill_uniform(a, -1, 1);
        data.fill_uniform(b, -1, 1);
        for (Model* model : {on_cpu.get(), on_gpu.get()}) {
          model->set_input(a, b);
          model->optimize_parameters();
        }
        const auto lc = on_cpu->current_losses(), lg = on_gpu->current_losses();
        REQUIRE(lc.size() == lg.size());
        for (std::size_t k = 0; k < lc.size(); ++k) {
          const double error = std::fabs(lc[k].second - lg[k].second) / std::max(std::fabs(lc[k].second), 0.1);
          worst_loss = std::max(worst_loss, std::isfinite(lg[k].second) ? error : INFINITY);
          INFO(kModelNames.name(m.kind) << " seed " << seed << " step " << step << " " << lc[k].first << ": cpu "
                                  << lc[k].second << ", cuda " << lg[k].second << " (error " << error << ")");
          CHECK(error <= loss_tolerance);
        }
        for (const auto& [name, net] : on_cpu->networks()) {
          const GradientAgreement g = compare_gradients(*net, *on_gpu->network(name));
          worst_element = std::max(worst_element, g.max_error);
          worst_cosine = std::min(worst_cosine, g.cosine);
          INFO(kModelNames.name(m.kind) << " seed " << seed << " step " << step << " gradients of " << name
                                  << ": largest element error " << g.max_error << ", cosine " << g.cosine);
          // The memory colorizer's key network K sends its KL loss's gradient through the 17 TF32
          // convolutions of a ResNet-18 (width 4) and batch norms over 8 values a channel: its TF32
          // gradients point less the same way (measured cosine ≥ 0.946; with float32 products ≥
          // 0.99999, as every other network's).
          CHECK(g.cosine >= (name == "K" && tf32 ? 0.9 : min_cosine));
          CHECK(g.max_error <= element_tolerance);
        }
      }
      WARN(kModelNames.name(m.kind) << " seed " << seed << (tf32 ? " (TF32)" : " (float32 products)") << ": loss error ≤ "
                              << worst_loss << "; gradients: element error ≤ " << worst_element << ", cosine ≥ "
                              << worst_cosine);
    }
  }
}

// The trainer's watch of non-finite losses on the device: each step marks, nothing waits, and
// the read names the first bad step and loss.
TEST_CASE("the non-finite watch marks the first bad step on the device", "[gpu][training]") {
  const Device gpu = test_gpu();
  auto model = Model::create(tiny(kTinyModels[2], 9), gpu);
  Tensor a = Tensor::full({1, 1, 32, 32}, 0.2, DType::f32, Device::cpu()), b = Tensor::full({1, 2, 32, 32}, 0.1, DType::f32, Device::cpu());
  for (std::int64_t step = 1; step <= 4; ++step) {
    if (step == 3) model->network("G")->parameters().entries().front().second.fill_(NAN);
    model->set_input(a, b);
    model->optimize_parameters();
    model->mark_nonfinite_losses(step);
    if (step == 2) CHECK_FALSE(model->take_nonfinite_mark());  // two finite steps
  }
  const auto bad = model->take_nonfinite_mark();
  REQUIRE(bad);
  CHECK(bad->step == 3);  // the first of the two bad steps
  CHECK(bad->loss == "G_GAN");
  CHECK_FALSE(model->take_nonfinite_mark());  // read and cleared
}

// The CycleGAN's image pools hold copies of the fakes until they are full (pool_size images each):
// the steady state begins once they are, two steps after.
TEST_CASE("no cudaMalloc in a training step once the image pools are full", "[gpu][allocator]") {
  const Device gpu = test_gpu();
  const ModelOptions o = tiny(kTinyModels[1], 9);
  auto model = Model::create(o, gpu);
  Tensor a = Tensor::full({1, 3, 32, 32}, 0.5, DType::f32, Device::cpu()), b = Tensor::full({1, 3, 32, 32}, -0.5, DType::f32, Device::cpu());
  for (int s = 0; s < o.pool_size + 2; ++s) {
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

TEST_CASE("guard bytes catch a write past the end of an allocation", "[gpu][allocator][guards]") {
  if (kGuardBytesAreRedzones) return;  // ASan reports the write itself (simt_asan_reports_…)
  const Device gpu = test_gpu();
  set_allocator_checks(gpu, {true, 256});
  Tensor t = Tensor::empty({100}, DType::f32, gpu);
  verify_allocator_guards(gpu);
  const float value = 1.0f;
  gpu.context().copy_from_host(static_cast<char*>(t.raw_data()) + 100 * sizeof(float), &value, sizeof value);
  gpu.context().synchronize();
  CHECK_THROWS_WITH(verify_allocator_guards(gpu), Catch::Contains("guard bytes overwritten"));
}
