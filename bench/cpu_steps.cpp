// Whole training steps on the CPU backend (issue: CPU speed): a colorization step (unet_128,
// ngf 32, 128², batch 1) and a CycleGAN step (resnet_6blocks, ngf 32, 128², batch 1), with the
// step's FLOP/s counted by the context (2 per multiply-add of every conv, transposed conv,
// weight gradient and matmul that ran). bench/compare_cpu_torch.py times PyTorch on the same
// steps and prints the ratios.
#include <sys/resource.h>

#include <benchmark/benchmark.h>

#include "kernels/ops.h"
#include "nets/models/model.h"

using namespace pigment;
using namespace pigment::nets;

namespace {
ModelOptions colorization_step() {
  ModelOptions o;
  o.kind = ModelKind::colorization;
  o.generator = {"unet_128", 1, 2, 32, NormType::batch, true, {4, 8}};
  o.discriminator.ndf = 32;
  o.discriminator.norm = NormType::batch;
  o.gan_mode = GanMode::vanilla;
  o.pool_size = 0;
  return o;
}

ModelOptions cycle_gan_step() {
  ModelOptions o;
  o.kind = ModelKind::cycle_gan;
  o.generator = {"resnet_6blocks", 3, 3, 32, NormType::instance, false, {4, 8}};
  o.discriminator.ndf = 32;
  o.discriminator.norm = NormType::instance;
  o.gan_mode = GanMode::lsgan;
  o.pool_size = 50;
  return o;
}

// The process's peak resident memory so far (getrusage's ru_maxrss, KiB).
double peak_resident_bytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) * 1024.0;
}

void bench_step(benchmark::State& state, ModelOptions options, int size) {
  const Device cpu = Device::cpu();
  auto model = Model::create(options, cpu);
  Rng gen(1);
  Tensor a = Tensor::empty({1, options.generator.input_nc, size, size}, DType::f32, cpu);
  Tensor b = Tensor::empty({1, options.generator.output_nc, size, size}, DType::f32, cpu);
  gen.fill_uniform(a, -1, 1);
  gen.fill_uniform(b, -1, 1);
  model->set_input(a, b);
  model->optimize_parameters();  // warm-up: first-touch of every buffer
  cpu.context().reset_op_counts();
  model->optimize_parameters();
  const double flops = cpu.context().flops();
  std::int64_t ops = 0;
  for (int i = 0; i < kNumOps; ++i) ops += cpu.context().op_count(i);
  for (auto _ : state) {
    model->set_input(a, b);
    model->optimize_parameters();
  }
  state.counters["FLOP/s"] = benchmark::Counter(flops, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["GFLOP_per_step"] = flops / 1e9;
  state.counters["ops_per_step"] = static_cast<double>(ops);
  state.counters["ops_per_second"] = benchmark::Counter(static_cast<double>(ops), benchmark::Counter::kIsIterationInvariantRate);
  // Memory (issue 12): the tensors' peak (the allocator's bytes in use), what the allocator holds
  // (in use and cached), and the process's peak resident memory, which is the maximum over every
  // benchmark run so far: bench/compare_training_memory.py runs each step in a process of its own.
  const AllocatorStats stats = cpu.context().allocator_stats();
  state.counters["tensors_peak_MB"] = static_cast<double>(stats.peak_bytes_in_use) / 1e6;
  state.counters["tensors_reserved_MB"] = static_cast<double>(stats.bytes_reserved) / 1e6;
  state.counters["process_peak_MB"] = peak_resident_bytes() / 1e6;
}
// The engine's host cost per op: the CycleGAN step with resnet_9blocks and the PatchGAN at the
// real depth but 1 filter and 32², so the arithmetic is small and what is left is mostly dispatch,
// shape checks, autograd recording and allocation — the host time a GPU step pays on top of its
// kernel launches (goal: host overhead < 5% of the GPU step). Run with OMP_NUM_THREADS=1.
ModelOptions host_overhead_step() {
  ModelOptions o = cycle_gan_step();
  o.generator.arch = "resnet_9blocks";
  o.generator.ngf = 1;
  o.discriminator.ndf = 1;
  return o;
}
}  // namespace

BENCHMARK_CAPTURE(bench_step, host_overhead_cycle_gan_resnet9_ngf1_32px, host_overhead_step(), 32)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MinTime(3.0);
BENCHMARK_CAPTURE(bench_step, colorization_unet128_ngf32_128px, colorization_step(), 128)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MinTime(5.0);
BENCHMARK_CAPTURE(bench_step, cycle_gan_resnet6_ngf32_128px, cycle_gan_step(), 128)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MinTime(5.0);

BENCHMARK_MAIN();
