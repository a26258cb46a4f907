// Whole training steps on the GPU, as the PyTorch peer (bench/peer/torch_step.py) times them: the
// same networks (instance norm), losses and update order, batch 1, synthetic data already on the
// device. Reported: the median of ≥ 200 steps after 20 warm-ups (CUDA events, no L2 flush: a step
// is what it is), peak device memory, ops dispatched per step.
//   build/bin/pigment_bench_gpu_steps --benchmark_out=bench/results/gpu_steps_<date>.json --benchmark_out_format=json
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <vector>

#include "bench/gpu_timing.h"
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

void bench_step(benchmark::State& state, std::string model, std::string conv_impl) {
  const Device device = Device::cuda(0);  // a fresh context: its peak memory is this step's
  CudaContext& ctx = as_cuda(device.context());
  set_conv_implementation(device, conv_impl);
  const ModelOptions o = step_options(model);
  auto m = Model::create(o, device);
  Generator gen(1);
  Tensor a = Tensor::empty({1, o.generator.input_nc, 256, 256}, DType::f32, device);
  Tensor b = Tensor::empty({1, o.generator.output_nc, 256, 256}, DType::f32, device);
  gen.fill_uniform(a, -1, 1);
  gen.fill_uniform(b, -1, 1);
  auto step = [&] {
    m->set_input(a, b);
    m->optimize_parameters();
  };
  for (int i = 0; i < 20; ++i) step();
  ctx.synchronize();
  ctx.reset_op_counts();
  step();
  std::int64_t ops = 0;
  for (int i = 0; i < kNumOps; ++i) ops += ctx.op_count(static_cast<OpId>(i));
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
  if (cuda_device_count() == 0) {
    std::fprintf(stderr, "pigment_bench_gpu_steps: no CUDA device\n");
    return 77;
  }
  for (const char* model : {"pix2pix", "colorization", "cycle_gan"})
    for (const char* impl : {"custom", "cudnn", "auto"})
      benchmark::RegisterBenchmark((std::string("step/") + model + "/" + impl).c_str(), bench_step, model, impl)
          ->UseManualTime()
          ->Iterations(200)
          ->Unit(benchmark::kMillisecond);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
