// CPU benchmarks: every op of the registry over its spec's cases (forward, float32), and the
// packed GEMM at the shapes the conv layers give it. Counters: FLOP/s (true multiply-adds ×2)
// and bytes/s from each case's own flops() and bytes().
#include <benchmark/benchmark.h>

#include <fmt/format.h>

#include <omp.h>

#include "engine/autograd.h"
#include "kernels/ops.h"
#include "kernels/cpu/gemm.h"
#include "kernels/ops/spec.h"

using namespace pigment;

namespace {
void bench_op_case(benchmark::State& state, const OpSpec* spec, std::size_t index) {
  const OpCase& c = spec->cases[index];
  Rng gen(1);
  const std::vector<Tensor> inputs = c.make_inputs(gen, DType::f32, Device::cpu());
  autograd::NoGradGuard no_grad;
  for (auto _ : state) {
    auto out = c.run(inputs);
    benchmark::DoNotOptimize(out.front().raw_data());
  }
  state.counters["FLOP/s"] = benchmark::Counter(c.flops, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["bytes/s"] = benchmark::Counter(c.bytes, benchmark::Counter::kIsIterationInvariantRate);
}

void bench_gemm(benchmark::State& state) {
  const std::int64_t m = state.range(0), n = state.range(1), k = state.range(2);
  std::vector<float> a(static_cast<std::size_t>(m * k), 0.5f), b(static_cast<std::size_t>(k * n), 0.25f),
      c(static_cast<std::size_t>(m * n));
  for (auto _ : state) {
    cpu::gemm<float>(cpu::Transpose::no, cpu::Transpose::no, m, n, k, 1.f, a.data(), k, b.data(), n, 0.f, c.data(), n);
    benchmark::DoNotOptimize(c.data());
  }
  state.counters["FLOP/s"] =
      benchmark::Counter(2.0 * static_cast<double>(m * n * k), benchmark::Counter::kIsIterationInvariantRate);
}
}  // namespace

// M = output channels, N = output pixels, K = Cin·k²: the res-block 3×3 conv at 64², a U-Net
// down conv at 64², the 7×7 stem at 256²; then the same-shape GEMMs of the conv layers below.
BENCHMARK(bench_gemm)->Args({256, 4096, 2304})->Args({128, 4096, 1024})->Args({64, 65536, 147})->Unit(benchmark::kMillisecond);
BENCHMARK(bench_gemm)->Args({128, 1024, 1152})->Args({64, 4096, 512})->Args({32, 16384, 147})->Unit(benchmark::kMicrosecond);

namespace {
// The machine's float FMA peak: every thread runs independent vector multiply-adds on registers.
void bench_fma_peak(benchmark::State& state) {
  constexpr int kChains = 16;  // enough independent accumulators to cover the FMA latency
  typedef float Vec __attribute__((vector_size(64)));
  const std::int64_t iters = 1 << 20;
  for (auto _ : state) {
#pragma omp parallel
    {
      Vec acc[kChains];
      for (int c = 0; c < kChains; ++c) acc[c] = Vec{} + static_cast<float>(c);
      const Vec mul = Vec{} + 0.999999f, add = Vec{} + 1e-7f;
      for (std::int64_t i = 0; i < iters; ++i)
#pragma GCC unroll 16
        for (int c = 0; c < kChains; ++c) acc[c] = acc[c] * mul + add;
      float sink = 0;
      for (int c = 0; c < kChains; ++c) sink += acc[c][0];
      benchmark::DoNotOptimize(sink);
    }
  }
  const double flops = 2.0 * 16 * kChains * static_cast<double>(iters) * omp_get_max_threads();
  state.counters["FLOP/s"] = benchmark::Counter(flops, benchmark::Counter::kIsIterationInvariantRate);
}

// A conv layer of the CPU training steps, forward, as the engine runs it (im2col + GEMM); compare
// with the same-shape GEMM above. Args: Cin, Cout, H (= W), kernel, stride, padding.
void bench_conv_layer(benchmark::State& state) {
  const auto cin = state.range(0), cout = state.range(1), hw = state.range(2), k = state.range(3);
  const Conv2dParams p{static_cast<int>(state.range(4)), static_cast<int>(state.range(5))};
  const Device cpu = Device::cpu();
  Rng gen(1);
  const Tensor x = random_tensor({1, cin, hw, hw}, gen, DType::f32, cpu, Values::normal, false);
  const Tensor w = random_tensor({cout, cin, k, k}, gen, DType::f32, cpu, Values::normal, false);
  const ConvGeometry g = conv2d_geometry("bench", x.shape(), w.shape(), p);
  autograd::NoGradGuard no_grad;
  for (auto _ : state) benchmark::DoNotOptimize(conv2d(x, w, Tensor(), p).raw_data());
  state.counters["FLOP/s"] = benchmark::Counter(2.0 * g.macs(), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["M"] = static_cast<double>(g.k);
  state.counters["N"] = static_cast<double>(g.output_plane());
  state.counters["K"] = static_cast<double>(g.patch());
}
}  // namespace

BENCHMARK(bench_fma_peak)->Unit(benchmark::kMillisecond)->UseRealTime();
// resnet_6blocks ngf 32 at 128²: res-block 3×3 (reflection-padded input 34²), a stride-2 down conv;
// unet_128 ngf 32: a 4×4 stride-2 down conv at 128² → 64²; the 7×7 stem.
BENCHMARK(bench_conv_layer)
    ->Args({128, 128, 34, 3, 1, 0})
    ->Args({32, 64, 128, 3, 2, 1})
    ->Args({32, 64, 128, 4, 2, 1})
    ->Args({3, 32, 134, 7, 1, 0})
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();

int main(int argc, char** argv) {
  for (const OpSpec& spec : all_op_specs())
    for (std::size_t i = 0; i < spec.cases.size(); ++i)
      benchmark::RegisterBenchmark(fmt::format("{}/{}", op_name(spec.op), spec.cases[i].label).c_str(), bench_op_case,
                                   &spec, i)
          ->Unit(benchmark::kMicrosecond);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
