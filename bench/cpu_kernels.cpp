// CPU benchmarks: every op of the registry over its spec's cases (forward, float32), and the
// packed GEMM at the shapes the conv layers give it. Counters: FLOP/s (true multiply-adds ×2)
// and bytes/s from each case's own flops() and bytes().
#include <benchmark/benchmark.h>

#include <fmt/format.h>

#include "engine/autograd.h"
#include "kernels/cpu/gemm.h"
#include "kernels/op_spec.h"

using namespace pigment;

namespace {
void bench_op_case(benchmark::State& state, const OpSpec* spec, std::size_t index) {
  const OpCase& c = spec->cases[index];
  Generator gen(1);
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
// down conv at 64², the 7×7 stem at 256².
BENCHMARK(bench_gemm)->Args({256, 4096, 2304})->Args({128, 4096, 1024})->Args({64, 65536, 147})->Unit(benchmark::kMillisecond);

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
