// GPU kernel benchmarks (Google Benchmark, manual time from CUDA events, L2 flushed before every
// run): every convolution pass (fprop, dgrad, wgrad) of the reference networks' layers at 256²,
// batch 1 and 4, with the custom kernels, cuDNN and im2col + cuBLAS side by side; the SAGAN block
// forward + backward; the memory-bound kernels on ≥ 8 MB tensors; and the device's own ceilings
// (roofline/...), which every result's share counter is measured against. With --verify each
// benchmark instead computes its result once and holds it to the CPU reference (bench/gpu_verify.h);
// on the SIMT device that is all it does, on shapes divided by --verify_scale.
//   build/bin/pigment_bench_gpu --benchmark_out=bench/results/gpu_kernels_<date>.json --benchmark_out_format=json
//   build/bin/pigment_bench_gpu --verify
#include <benchmark/benchmark.h>

#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <functional>
#include <memory>

#include "bench/gpu_timing.h"
#include "bench/gpu_verify.h"
#include "engine/adam.h"
#include "kernels/ops.h"
#include "kernels/ops/spec.h"

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

// The layer a verification run uses: channels and spatial size divided by the scale.
ConvLayer shrunk(ConvLayer l, const VerifyOptions& v) {
  l.c = v.shrink(l.c);
  l.k = v.shrink(l.k);
  l.h = v.shrink(l.h, l.kernel + 1);
  return l;
}

// One pass on the device against the same pass of the CPU reference, from the same inputs.
void verify_conv(benchmark::State& state, const ConvGeometry& g, const Conv2dParams& p, Pass pass,
                 const std::function<void()>& run, const Tensor& x, const Tensor& w, const Tensor& y) {
  const Device cpu = Device::cpu();
  const Tensor xc = x.to(cpu), wc = w.to(cpu), yc = y.to(cpu);
  run();
  switch (pass) {
    case Pass::fprop: return report_verification(state, relative_error(y.to(cpu), conv2d(xc, wc, Tensor(), p)), 5e-3);
    case Pass::dgrad: return report_verification(state, relative_error(x.to(cpu), conv2d_input_grad(yc, wc, g)), 5e-3);
    case Pass::wgrad:
      return report_verification(state, relative_error(w.to(cpu), conv2d_weight_grad(xc, yc, g.kh, g.kw, p)), 5e-3);
  }
}

void bench_conv(benchmark::State& state, ConvLayer layer, std::int64_t batch, Pass pass, const char* impl,
                VerifyOptions verify) {
  Device& device = bench_device();
  CudaContext& ctx = as_cuda(device.context());
  set_kernel_choice(device, KernelChoice::preset(kConvImplNames.parse(impl, "implementation")));
  if (verify.on) layer = shrunk(layer, verify);
  const Conv2dParams params{layer.stride, layer.pad, layer.pad_mode};
  const ConvGeometry g = conv2d_geometry("bench", {batch, layer.c, layer.h, layer.h},
                                         {layer.k, layer.c, layer.kernel, layer.kernel}, params);
  Rng gen(1);
  auto random = [&](const Shape& s) {
    Tensor t = Tensor::empty(s, DType::f32, device);
    gen.fill_uniform(t, -1, 1);
    return t;
  };
  const Tensor x = random({g.n, g.c, g.h, g.w}), w = random({g.k, g.c, g.kh, g.kw}), y = random({g.n, g.k, g.oh, g.ow});
  const auto run = [&] {
    switch (pass) {
      case Pass::fprop: return cuda::conv2d_forward(ctx, g, x.data<float>(), w.data<float>(), nullptr, y.data<float>());
      case Pass::dgrad: return cuda::conv2d_backward_data(ctx, g, y.data<float>(), w.data<float>(), nullptr, x.data<float>());
      case Pass::wgrad: return cuda::conv2d_backward_weight(ctx, g, x.data<float>(), y.data<float>(), w.data<float>());
    }
  };
  try {
    if (verify.on) {
      verify_conv(state, g, params, pass, run, x, w, y);
      for (auto _ : state) state.SetIterationTime(1e-6);
      return;
    }
    GpuTimer timer(ctx);
    time_iterations(state, timer, run);
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
void bench_attention(benchmark::State& state, std::int64_t channels, std::int64_t side, const char* impl,
                     VerifyOptions verify) {
  Device& device = bench_device();
  CudaContext& ctx = as_cuda(device.context());
  set_kernel_choice(device, KernelChoice::preset(kConvImplNames.parse(impl, "implementation")));
  if (verify.on) {
    channels = verify.shrink(channels, 8);
    side = verify.shrink(side, 2);
  }
  const std::int64_t d = channels / 8, n = side * side;
  Rng gen(2);
  auto param = [&](const Shape& s, bool grad) {
    Tensor t = Tensor::empty(s, DType::f32, device);
    gen.fill_uniform(t, -0.1, 0.1);
    if (grad) t.set_requires_grad(true);
    return t;
  };
  Tensor x = param({1, channels, side, side}, true), wq = param({d, channels, 1, 1}, true), bq = param({d}, true),
         wk = param({d, channels, 1, 1}, true), bk = param({d}, true), wv = param({channels, channels, 1, 1}, true),
         bv = param({channels}, true), gamma = param({1}, true), r = param({1, channels, side, side}, false);
  if (verify.on) {  // the output and the input's gradient against the CPU's, from the same tensors
    gamma.fill_(1.0);  // the attention path, not the residual, dominates what is compared
    const Device cpu = Device::cpu();
    std::vector<Tensor> on_cpu;
    for (const Tensor& t : {x, wq, bq, wk, bk, wv, bv, gamma}) {
      Tensor c = t.to(cpu);
      c.set_requires_grad(true);
      on_cpu.push_back(c);
    }
    Tensor y = self_attention(x, wq, bq, wk, bk, wv, bv, gamma), yc = self_attention(
        on_cpu[0], on_cpu[1], on_cpu[2], on_cpu[3], on_cpu[4], on_cpu[5], on_cpu[6], on_cpu[7]);
    y.backward(r);
    yc.backward(r.to(cpu));
    const OpSpec& spec = op_spec(OpId::self_attention);  // its tolerances, with their reasons
    const double tolerance = std::string(impl) == "custom" ? spec.cuda_tolerance.value : spec.library_tolerance.value;
    report_verification(state, std::max(relative_error(y.to(cpu), yc), relative_error(x.grad().to(cpu), on_cpu[0].grad())),
                        tolerance);
    for (auto _ : state) state.SetIterationTime(1e-6);
    return;
  }
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
struct MemoryOp {
  std::function<Tensor(const Tensor& a, const Tensor& b)> compute;  // any device
  double bytes_per_element;
};
MemoryOp memory_op(const std::string& name) {
  if (name == "instance_norm_fwd") return {[](const Tensor& a, const Tensor&) { return instance_norm(a); }, 8};
  if (name == "instance_norm_relu_fwd")  // the activation fused into the norm's pass
    return {[](const Tensor& a, const Tensor&) { return instance_norm(a, Tensor(), Tensor(), 1e-5, NormActivation::relu()); }, 8};
  if (name == "instance_norm_then_relu_fwd")  // the same result in two ops (the unfused baseline)
    return {[](const Tensor& a, const Tensor&) { return relu(instance_norm(a)); }, 8};
  if (name == "instance_norm_residual_fwd")  // a ResNet block's tail: norm + skip in one pass
    return {[](const Tensor& a, const Tensor& b) {
              return instance_norm(a, Tensor(), Tensor(), 1e-5, NormActivation::none(), b);
            },
            12};
  if (name == "leaky_relu_fwd") return {[](const Tensor& a, const Tensor&) { return leaky_relu(a, 0.2); }, 8};
  if (name == "l1_loss_fwd") return {[](const Tensor& a, const Tensor& b) { return l1_loss(a, b); }, 8};
  // One Adam step of parameters a with gradients b: the parameters after it (read p, g, m, v; write
  // p, m, v: 28 bytes).
  return {[](const Tensor& a, const Tensor& b) {
            ParameterSet params;
            params.add("p", a.clone());
            Adam adam(params, AdamOptions{2e-4, 0.5, 0.999, 1e-8});
            params.flat_grads().copy_from(b);
            adam.step();
            return params.flat_params();
          },
          28};
}

void bench_memory(benchmark::State& state, const char* which, std::int64_t elements, VerifyOptions verify) {
  Device& device = bench_device();
  CudaContext& ctx = as_cuda(device.context());
  Rng gen(3);
  auto random = [&](const Shape& s) {
    Tensor t = Tensor::empty(s, DType::f32, device);
    gen.fill_uniform(t, -1, 1);
    return t;
  };
  if (verify.on) elements /= static_cast<std::int64_t>(verify.scale) * verify.scale;
  const std::int64_t c = 256, side = std::max<std::int64_t>(2, static_cast<std::int64_t>(std::sqrt(static_cast<double>(elements / c))));
  const std::string name = which;
  const bool adam_step = name == "adam_step";
  const Shape shape = adam_step ? Shape{c * side * side} : Shape{1, c, side, side};
  const double n = static_cast<double>(shape.numel());
  Tensor a = random(shape), b = random(shape);
  const MemoryOp op = memory_op(name);
  autograd::NoGradGuard no_grad;
  if (verify.on) {
    const Device cpu = Device::cpu();
    report_verification(state, relative_error(op.compute(a, b).to(cpu), op.compute(a.to(cpu), b.to(cpu))), 1e-4);
    for (auto _ : state) state.SetIterationTime(1e-6);
    return;
  }
  std::function<void()> fn = [&] { op.compute(a, b); };
  ParameterSet params;  // Adam is timed on one optimizer's steps, not on building one
  std::unique_ptr<Adam> adam;
  if (adam_step) {
    params.add("p", a);
    adam = std::make_unique<Adam>(params, AdamOptions{2e-4, 0.5, 0.999, 1e-8});
    params.flat_grads().copy_from(b);
    fn = [&] { adam->step(); };
  }
  const double bytes = op.bytes_per_element * n;
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
  if (!kSimtBuild && cuda_device_count() == 0) {
    std::fprintf(stderr, "pigment_bench_gpu: no CUDA device\n");
    return 77;
  }
  const VerifyOptions verify = take_verify_options(argc, argv);
  if (kSimtBuild)
    std::fprintf(stderr, "pigment_bench_gpu on the SIMT device: timings mean nothing here; every benchmark is "
                         "verified against the CPU reference instead, at 1/%d of its size\n", verify.scale);
  const auto add = [&](const std::string& name, auto&&... args) {
    benchmark::internal::Benchmark* b = benchmark::RegisterBenchmark(name.c_str(), args...);
    b->UseManualTime()->Unit(benchmark::kMicrosecond);
    if (verify.on) b->Iterations(1);
  };
  if (!verify.on) benchmark::RegisterBenchmark("roofline", bench_roofline)->UseManualTime()->Iterations(1);
  for (const ConvLayer& layer : kLayers)
    for (std::int64_t batch : {1, 4})
      for (auto [pass, pass_name] : {std::pair{Pass::fprop, "fprop"}, {Pass::dgrad, "dgrad"}, {Pass::wgrad, "wgrad"}})
        for (const char* impl : {"custom", "cudnn", "gemm"})
          if ((pass != Pass::dgrad || layer.pad_mode == PadMode::zeros) &&
              !(kSimtBuild && std::string(impl) == "cudnn"))
            add(fmt::format("conv/{}/b{}/{}/{}", layer.name, batch, pass_name, impl), bench_conv, layer, batch, pass,
                impl, verify);
  for (auto [c, side] : {std::pair<std::int64_t, std::int64_t>{256, 64}, {512, 32}})
    for (const char* impl : {"custom", "gemm"})
      add(fmt::format("attention/C{}_{}x{}/fwd+bwd/{}", c, side, side, impl), bench_attention, c, side, impl, verify);
  for (const char* op : {"instance_norm_fwd", "instance_norm_relu_fwd", "instance_norm_then_relu_fwd",
                         "instance_norm_residual_fwd", "leaky_relu_fwd", "l1_loss_fwd", "adam_step"})
    add(fmt::format("memory/{}/16M", op), bench_memory, op, std::int64_t{1} << 24, verify);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
