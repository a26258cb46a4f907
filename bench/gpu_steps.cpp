// Whole training steps on the GPU, as the PyTorch peer (bench/peer/torch_step.py) times them: the
// same networks (instance norm), losses and update order, batch 1, synthetic data already on the
// device. Reported: the median of 200 steps (--steps=N) after 20 warm-ups (CUDA events, no L2 flush: a step
// is what it is), peak device memory, ops dispatched per step. With --verify (always on the SIMT
// device, at 1/8 of the image side and the filters) each model's first step is compared with the
// same step on the CPU instead.
//   build/bin/pigment_bench_gpu_steps --benchmark_out=bench/results/gpu_steps_<date>.json --benchmark_out_format=json
#include <benchmark/benchmark.h>

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <string>
#include <cmath>
#include <cstdio>
#include <vector>

#include "bench/gpu_timing.h"
#include "bench/gpu_verify.h"
#include "nets/models/model.h"

using namespace pigment;
using namespace pigment::bench;
using namespace pigment::nets;

namespace {
ModelOptions step_options(const std::string& model) {
  ModelOptions o;
  o.generator.norm = NormType::instance;
  o.discriminator.norm = NormType::instance;
  if (model == "cycle_gan") {
    o.kind = ModelKind::cycle_gan;
    o.generator = {"resnet_9blocks", 3, 3, 64, NormType::instance, false, {4, 8}};
    o.gan_mode = GanMode::lsgan;
    o.pool_size = 50;
  } else {
    o.kind = model == "colorization" ? ModelKind::colorization : ModelKind::pix2pix;
    const int in = model == "colorization" ? 1 : 3, out = model == "colorization" ? 2 : 3;
    o.generator = {"unet_256", in, out, 64, NormType::instance, true, {4, 8}};
    o.gan_mode = GanMode::vanilla;
  }
  return o;
}

// The step a verification run takes: the image side and the filters divided by the scale (a U-Net
// with as many levels as the smaller side allows).
ModelOptions shrunk(ModelOptions o, const VerifyOptions& v, std::int64_t& side) {
  side = v.shrink(side, 16);
  o.generator.ngf = static_cast<int>(v.shrink(o.generator.ngf, 4));
  o.discriminator.ndf = static_cast<int>(v.shrink(o.discriminator.ndf, 4));
  if (o.generator.arch.family == GeneratorArch::Family::unet)
    o.generator.arch.size = static_cast<int>(std::bit_width(static_cast<std::uint64_t>(side)) - 1);
  o.pool_size = std::min(o.pool_size, 2);
  return o;
}

// The first step on the device against the same step on the CPU: every loss (computed before its
// update, from identical weights) within one forward's TF32 error (tests/gpu/test_cuda_training.cpp).
void verify_step(benchmark::State& state, const ModelOptions& o, const Device& device, const Tensor& a, const Tensor& b) {
  double worst = 0;
  const Device cpu = Device::cpu();
  auto on_cpu = Model::create(o, cpu), on_device = Model::create(o, device);
  on_cpu->set_input(a.to(cpu), b.to(cpu));
  on_cpu->optimize_parameters();
  on_device->set_input(a, b);
  on_device->optimize_parameters();
  const auto lc = on_cpu->current_losses(), ld = on_device->current_losses();
  for (std::size_t k = 0; k < lc.size(); ++k) {
    const double e = std::fabs(lc[k].second - ld[k].second) / std::max(std::fabs(lc[k].second), 0.1);
    worst = std::max(worst, std::isfinite(ld[k].second) ? e : INFINITY);
  }
  report_verification(state, worst, 5e-3);
  for (auto _ : state) state.SetIterationTime(1e-6);
}

void bench_step(benchmark::State& state, std::string model, std::string conv_impl, VerifyOptions verify) {
  const Device device = kSimtBuild ? Device::simt() : Device::cuda(0);  // a fresh context: its peak memory is this step's
  CudaContext& ctx = as_cuda(device.context());
  set_kernel_choice(device, KernelChoice::preset(kConvImplNames.parse(conv_impl, "implementation")));
  std::int64_t side = 256;
  const ModelOptions o = verify.on ? shrunk(step_options(model), verify, side) : step_options(model);
  Rng gen(1);
  Tensor a = Tensor::empty({1, o.generator.input_nc, side, side}, DType::f32, device);
  Tensor b = Tensor::empty({1, o.generator.output_nc, side, side}, DType::f32, device);
  gen.fill_uniform(a, -1, 1);
  gen.fill_uniform(b, -1, 1);
  if (verify.on) return verify_step(state, o, device, a, b);
  auto m = Model::create(o, device);
  auto step = [&] {
    m->set_input(a, b);
    m->optimize_parameters();
  };
  for (int i = 0; i < 20; ++i) step();
  ctx.synchronize();
  ctx.reset_op_counts();
  step();
  std::int64_t ops = 0;
  for (int i = 0; i < kNumOps; ++i) ops += ctx.op_count(i);
  GpuTimer timer(ctx);
  std::vector<double> times;
  for (auto _ : state) {
    const double t = timer.time(step, false);
    times.push_back(t);
    state.SetIterationTime(t);
  }
  std::sort(times.begin(), times.end());
  state.counters["median_ms"] = times.empty() ? 0 : 1e3 * times[times.size() / 2];
  state.counters["peak_MiB"] = static_cast<double>(ctx.allocator_stats().peak_bytes_in_use) / (1 << 20);
  state.counters["ops_per_step"] = static_cast<double>(ops);
}
}  // namespace

int main(int argc, char** argv) {
  if (!kSimtBuild && cuda_device_count() == 0) {
    std::fprintf(stderr, "pigment_bench_gpu_steps: no CUDA device\n");
    return 77;
  }
  const VerifyOptions verify = take_verify_options(argc, argv);
  int steps = 200;  // timed steps per benchmark; --steps=N (bench/run_gpu_benchmarks.sh --quick: 50)
  for (int i = 1; i < argc; ++i)
    if (std::string(argv[i]).starts_with("--steps=")) {
      steps = std::max(1, std::atoi(argv[i] + 8));
      for (int j = i; j + 1 < argc; ++j) argv[j] = argv[j + 1];
      --argc;
      break;
    }
  for (const char* model : {"pix2pix", "colorization", "cycle_gan"})
    for (const char* impl : {"custom", "cudnn", "auto"})
      if (!(kSimtBuild && std::string(impl) == "cudnn"))
        benchmark::RegisterBenchmark((std::string("step/") + model + "/" + impl).c_str(), bench_step, model, impl,
                                     verify)
            ->UseManualTime()
            ->Iterations(verify.on ? 1 : steps)
            ->Unit(benchmark::kMillisecond);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
