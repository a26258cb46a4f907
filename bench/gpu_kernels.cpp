// GPU kernel benchmarks (Google Benchmark, manual time from CUDA events, L2 flushed before every
// run): every convolution pass (fprop, dgrad, wgrad) of the reference networks' layers at 256²,
// batch 1 and 4, with the custom kernels, cuDNN and im2col + cuBLAS side by side; the SAGAN block
// forward + backward; the memory-bound kernels on ≥ 8 MB tensors; and the device's own ceilings
// (roofline/...), which every result's share counter is measured against.
//   build/bin/pigment_bench_gpu --benchmark_out=bench/results/gpu_kernels_<date>.json --benchmark_out_format=json
#include <benchmark/benchmark.h>

#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <functional>
#include <memory>

#include "bench/gpu_timing.h"
#include "engine/adam.h"
#include "kernels/all_ops.h"

using namespace pigment;
using namespace pigment::bench;

namespace {
struct ConvLayer {
  const char* name;
  std::int64_t c, h, k, kernel;
  int stride, pad;  // input (c, h×h) as the conv sees it (reflection padding already applied) …
  PadMode pad_mode = PadMode::zeros;  // … unless the conv reads through the reflection itself
};
// True MACs: a transposed conv counts input pixels (it is the dgrad of the conv listed).
const ConvLayer kLayers[] = {
    {"resnet9_stem_7x7", 3, 262, 64, 7, 1, 0},        {"resnet9_down1", 64, 256, 128, 3, 2, 1},
    {"resnet9_down2", 128, 128, 256, 3, 2, 1},        {"resnet9_resblock_3x3", 256, 66, 256, 3, 1, 0},
    {"resnet9_up1_as_dgrad", 128, 128, 256, 3, 2, 1}, {"resnet9_out_7x7", 64, 262, 3, 7, 1, 0},
    {"unet256_down2", 64, 128, 128, 4, 2, 1},         {"unet256_down4", 256, 32, 512, 4, 2, 1},
    {"unet256_down6", 512, 8, 512, 4, 2, 1},          {"unet256_innermost", 512, 2, 512, 4, 2, 1},
    {"patchgan_l1", 6, 256, 64, 4, 2, 1},             {"patchgan_l3", 128, 64, 256, 4, 2, 1},
    {"patchgan_l4_s1", 256, 32, 512, 4, 1, 1},
    // The res-block conv as the network runs it: reflection read in the custom kernel's operand
    // load; cuDNN and cuBLAS pay for a padded copy first (fprop and wgrad; dgrad folds afterwards).
    {"resnet9_resblock_reflect", 256, 64, 256, 3, 1, 1, PadMode::reflect},
};

enum class Pass { fprop, dgrad, wgrad };

void bench_conv(benchmark::State& state, ConvLayer layer, std::int64_t batch, Pass pass, const char* impl) {
  Device& device = bench_device();
  CudaContext& ctx = as_cuda(device.context());
  set_conv_implementation(device, impl);
  const ConvGeometry g = conv2d_geometry("bench", {batch, layer.c, layer.h, layer.h},
                                         {layer.k, layer.c, layer.kernel, layer.kernel},
                                         {layer.stride, layer.pad, layer.pad_mode});
  Generator gen(1);
  auto random = [&](const Shape& s) {
    Tensor t = Tensor::empty(s, DType::f32, device);
    gen.fill_uniform(t, -1, 1);
    return t;
  };
  const Tensor x = random({g.n, g.c, g.h, g.w}), w = random({g.k, g.c, g.kh, g.kw}), y = random({g.n, g.k, g.oh, g.ow});
  GpuTimer timer(ctx);
  try {
    time_iterations(state, timer, [&] {
      switch (pass) {
        case Pass::fprop: return cuda::conv2d_forward(ctx, g, x.data<float>(), w.data<float>(), nullptr, y.data<float>());
        case Pass::dgrad: return cuda::conv2d_backward_data(ctx, g, y.data<float>(), w.data<float>(), nullptr, x.data<float>());
        case Pass::wgrad: return cuda::conv2d_backward_weight(ctx, g, x.data<float>(), y.data<float>(), w.data<float>());
      }
    });
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
    return;
  }
  const double flops = 2.0 * g.macs();
  state.counters["TFLOP/s"] = benchmark::Counter(flops / 1e12, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["share_of_tf32_peak"] = benchmark::Counter(
      flops / 1e12 / roofline(ctx).tf32_tflops, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["M"] = static_cast<double>(pass == Pass::dgrad ? g.c : g.k);
}

// impl custom: the fused flash-style kernels; gemm: the bmm-softmax-bmm composition on cuBLAS with
// the N×N matrix materialised (PyTorch's formulation, the baseline of the ≥ 3× goal).
void bench_attention(benchmark::State& state, std::int64_t channels, std::int64_t side, const char* impl) {
  Device& device = bench_device();
  CudaContext& ctx = as_cuda(device.context());
  set_conv_implementation(device, impl);
  const std::int64_t d = channels / 8, n = side * side;
  Generator gen(2);
  auto param = [&](const Shape& s, bool grad) {
    Tensor t = Tensor::empty(s, DType::f32, device);
    gen.fill_uniform(t, -0.1, 0.1);
    if (grad) t.set_requires_grad(true);
    return t;
  };
  Tensor x = param({1, channels, side, side}, true), wq = param({d, channels, 1, 1}, true), bq = param({d}, true),
         wk = param({d, channels, 1, 1}, true), bk = param({d}, true), wv = param({channels, channels, 1, 1}, true),
         bv = param({channels}, true), gamma = param({1}, true), r = param({1, channels, side, side}, false);
  GpuTimer timer(ctx);
  time_iterations(state, timer, [&] {
    Tensor y = self_attention(x, wq, bq, wk, bk, wv, bv, gamma);
    y.backward(r);
  });
  // Forward: projections (2d + C)·C·N, scores d·N², output C·N²; backward ≈ 2× forward (plus the
  // recomputed forward Pigment runs).
  const double fwd = 2.0 * static_cast<double>((2 * d + channels) * channels * n + (d + channels) * n * n);
  state.counters["TFLOP/s(fwd+bwd=3x fwd)"] = benchmark::Counter(3 * fwd / 1e12, benchmark::Counter::kIsIterationInvariantRate);
}

// Memory-bound ops: GB/s counts each input read once and each output written once.
void bench_memory(benchmark::State& state, const char* which, std::int64_t elements) {
  Device& device = bench_device();
  CudaContext& ctx = as_cuda(device.context());
  Generator gen(3);
  auto random = [&](const Shape& s) {
    Tensor t = Tensor::empty(s, DType::f32, device);
    gen.fill_uniform(t, -1, 1);
    return t;
  };
  const std::int64_t c = 256, side = static_cast<std::int64_t>(std::sqrt(static_cast<double>(elements / c)));
  const Shape shape{1, c, side, side};
  const double n = static_cast<double>(shape.numel());
  Tensor a = random(shape), b = random(shape);
  ParameterSet params;
  std::unique_ptr<Adam> adam;
  double bytes = 0;
  std::function<void()> fn;
  const std::string name = which;
  autograd::NoGradGuard no_grad;
  if (name == "instance_norm_fwd") {
    fn = [&] { instance_norm(a); };
    bytes = 8 * n;
  } else if (name == "instance_norm_relu_fwd") {  // the activation fused into the norm's pass
    fn = [&] { instance_norm(a, Tensor(), Tensor(), 1e-5, NormActivation::relu()); };
    bytes = 8 * n;
  } else if (name == "instance_norm_then_relu_fwd") {  // the same result in two ops (the unfused baseline)
    fn = [&] { relu(instance_norm(a)); };
    bytes = 8 * n;
  } else if (name == "instance_norm_residual_fwd") {  // a ResNet block's tail: norm + skip in one pass
    fn = [&] { instance_norm(a, Tensor(), Tensor(), 1e-5, NormActivation::none(), b); };
    bytes = 12 * n;
  } else if (name == "leaky_relu_fwd") {
    fn = [&] { leaky_relu(a, 0.2); };
    bytes = 8 * n;
  } else if (name == "l1_loss_fwd") {
    fn = [&] { l1_loss(a, b); };
    bytes = 8 * n;
  } else if (name == "adam_step") {
    params.add("p", random({shape.numel()}));
    adam = std::make_unique<Adam>(params, AdamOptions{2e-4, 0.5, 0.999, 1e-8});
    params.flat_grads().copy_from(random({shape.numel()}));
    fn = [&] { adam->step(); };
    bytes = 28 * n;  // read p, g, m, v (16 B), write p, m, v (12 B)
  }
  GpuTimer timer(ctx);
  time_iterations(state, timer, fn);
  state.counters["GB/s"] = benchmark::Counter(bytes / 1e9, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["share_of_copy_bw"] = benchmark::Counter(bytes / 1e9 / roofline(ctx).copy_gbps,
                                                          benchmark::Counter::kIsIterationInvariantRate);
  state.counters["MB"] = 4 * n / 1e6;
}

void bench_roofline(benchmark::State& state) {
  const Roofline& r = roofline(as_cuda(bench_device().context()));
  for (auto _ : state) state.SetIterationTime(1e-3);
  state.counters["tf32_TFLOP/s"] = r.tf32_tflops;
  state.counters["bf16_TFLOP/s"] = r.bf16_tflops;
  state.counters["fp32_TFLOP/s"] = r.fp32_tflops;
  state.counters["copy_GB/s"] = r.copy_gbps;
}
}  // namespace

int main(int argc, char** argv) {
  if (cuda_device_count() == 0) {
    std::fprintf(stderr, "pigment_bench_gpu: no CUDA device\n");
    return 77;
  }
  benchmark::RegisterBenchmark("roofline", bench_roofline)->UseManualTime()->Iterations(1);
  for (const ConvLayer& layer : kLayers)
    for (std::int64_t batch : {1, 4})
      for (auto [pass, pass_name] : {std::pair{Pass::fprop, "fprop"}, {Pass::dgrad, "dgrad"}, {Pass::wgrad, "wgrad"}})
        for (const char* impl : {"custom", "cudnn", "gemm"})
          if (pass != Pass::dgrad || layer.pad_mode == PadMode::zeros)
            benchmark::RegisterBenchmark(fmt::format("conv/{}/b{}/{}/{}", layer.name, batch, pass_name, impl).c_str(),
                                         bench_conv, layer, batch, pass, impl)
                ->UseManualTime()
                ->Unit(benchmark::kMicrosecond);
  for (auto [c, side] : {std::pair<std::int64_t, std::int64_t>{256, 64}, {512, 32}})
    for (const char* impl : {"custom", "gemm"})
      benchmark::RegisterBenchmark(fmt::format("attention/C{}_{}x{}/fwd+bwd/{}", c, side, side, impl).c_str(),
                                   bench_attention, c, side, impl)
          ->UseManualTime()
          ->Unit(benchmark::kMicrosecond);
  for (const char* op : {"instance_norm_fwd", "instance_norm_relu_fwd", "instance_norm_then_relu_fwd",
                         "instance_norm_residual_fwd", "leaky_relu_fwd", "l1_loss_fwd", "adam_step"})
    benchmark::RegisterBenchmark(fmt::format("memory/{}/16M", op).c_str(), bench_memory, op, std::int64_t{1} << 24)
        ->UseManualTime()
        ->Unit(benchmark::kMicrosecond);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
