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
// The layers are the ops' own layer shapes (kernels/ops/conv2d.cpp: reference_conv_layers, the
// self-attention spec's layer cases): what gan-check verifies is what is timed.
using ConvLayer = detail::ReferenceConvLayer;

// A label as a benchmark name: "resnet_9blocks res-block 3×3 reflect" → "resnet_9blocks_res-block_3x3_reflect",
// "attention x[1, 256, 64, 64]" → "attention_x1x256x64x64".
std::string slug(std::string_view label) {
  std::string out;
  for (std::size_t i = 0; i < label.size(); ++i) {
    const std::string_view rest = label.substr(i);
    if (rest.starts_with("×")) {
      out += 'x';
      i += std::string_view("×").size() - 1;
    } else if (rest.starts_with("²")) {
      i += std::string_view("²").size() - 1;
    } else if (rest.starts_with(", ")) {
      out += 'x';
      ++i;
    } else if (label[i] == ' ') {
      out += '_';
    } else if (std::string_view("()[]").find(label[i]) == std::string_view::npos) {
      out += label[i];
    }
  }
  return out;
}

enum class Pass { fprop, dgrad, wgrad };

// The layer a verification run uses: channels and spatial size divided by the scale.
ConvLayer shrunk(ConvLayer l, const VerifyOptions& v) {
  l.x = {l.x[0], v.shrink(l.x[1]), v.shrink(l.x[2], l.w[2] + 1), v.shrink(l.x[3], l.w[3] + 1)};
  l.w = {v.shrink(l.w[0]), l.x[1], l.w[2], l.w[3]};
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
  const Conv2dParams params = layer.p;
  const ConvGeometry g =
      conv2d_geometry("bench", {batch, layer.x[1], layer.x[2], layer.x[3]}, layer.w, params);
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

// One self-attention layer case (the spec's: sa_unet_256's blocks, weights drawn as the networks
// draw them), forward and backward. impl custom: the fused flash-style kernels; gemm: the
// libraries' preset, bmm-softmax-bmm on cuBLAS with the N×N matrix materialised (PyTorch's
// formulation, the baseline of the ≥ 3× goal).
void bench_attention(benchmark::State& state, const OpCase* layer, const char* impl, VerifyOptions verify) {
  Device& device = bench_device();
  CudaContext& ctx = as_cuda(device.context());
  set_kernel_choice(device, KernelChoice::preset(kConvImplNames.parse(impl, "implementation")));
  const OpSpec& spec = op_spec(OpId::self_attention);
  OpCase c = *layer;
  if (verify.on) {  // a smaller block of the same kind: channels and sides divided by the scale
    Rng probe(0);
    const Shape full = c.make_inputs(probe, DType::f32, Device::cpu())[0].shape();
    const Shape x{1, verify.shrink(full[1], 8), verify.shrink(full[2], 2), verify.shrink(full[3], 2)};
    c.make_inputs = [x](Rng& g, DType t, const Device& d) { return detail::attention_inputs(x, x[1] / 8, g, t, d); };
  }
  Rng gen(2), same(2);
  std::vector<Tensor> in = c.make_inputs(gen, DType::f32, device);
  const Shape x_shape = in[0].shape();
  Tensor r = Tensor::empty(x_shape, DType::f32, device);
  Rng(3).fill_uniform(r, -0.1, 0.1);
  if (verify.on) {  // the output and the input's gradient against the CPU's, from the same values
    const Device cpu = Device::cpu();
    std::vector<Tensor> on_cpu = c.make_inputs(same, DType::f32, cpu);
    Tensor y = c.run(in)[0], yc = c.run(on_cpu)[0];
    y.backward(r);
    yc.backward(r.to(cpu));
    const double tolerance = std::string(impl) == "custom" ? spec.cuda_tolerance.value : spec.library_tolerance.value;
    report_verification(state, std::max(relative_error(y.to(cpu), yc), relative_error(in[0].grad().to(cpu), on_cpu[0].grad())),
                        tolerance);
    for (auto _ : state) state.SetIterationTime(1e-6);
    return;
  }
  GpuTimer timer(ctx);
  time_iterations(state, timer, [&] { c.run(in)[0].backward(r); });
  // The case's flops are the forward's; the backward ≈ 2× forward (plus the forward Pigment recomputes).
  state.counters["TFLOP/s(fwd+bwd=3x fwd)"] =
      benchmark::Counter(3 * c.flops / 1e12, benchmark::Counter::kIsIterationInvariantRate);
}

// Every other op's layer cases, forward: their spec's inputs and run, timed as the networks call them.
void bench_layer_case(benchmark::State& state, const OpSpec* spec, const OpCase* layer, VerifyOptions verify) {
  Device& device = bench_device();
  CudaContext& ctx = as_cuda(device.context());
  set_kernel_choice(device, KernelChoice{});
  Rng gen(4), same(4);
  const std::vector<Tensor> in = layer->make_inputs(gen, DType::f32, device);
  autograd::NoGradGuard no_grad;
  if (verify.on) {  // the device's output against the CPU reference's, from the same values
    const Device cpu = Device::cpu();
    const Tensor y = layer->run(in)[0], yc = layer->run(layer->make_inputs(same, DType::f32, cpu))[0];
    report_verification(state, relative_error(y.to(cpu), yc), spec->cuda_tolerance.value);
    for (auto _ : state) state.SetIterationTime(1e-6);
    return;
  }
  GpuTimer timer(ctx);
  time_iterations(state, timer, [&] { layer->run(in); });
  state.counters["GB/s"] = benchmark::Counter(layer->bytes / 1e9, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["share_of_copy_bw"] = benchmark::Counter(layer->bytes / 1e9 / roofline(ctx).copy_gbps,
                                                          benchmark::Counter::kIsIterationInvariantRate);
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
  for (const ConvLayer& layer : detail::reference_conv_layers())
    for (std::int64_t batch : {1, 4})
      for (auto [pass, pass_name] : {std::pair{Pass::fprop, "fprop"}, {Pass::dgrad, "dgrad"}, {Pass::wgrad, "wgrad"}})
        for (const char* impl : {"custom", "cudnn", "gemm"})
          if ((pass != Pass::dgrad || layer.p.pad_mode == PadMode::zeros) &&
              !(kSimtBuild && std::string(impl) == "cudnn"))
            add(fmt::format("conv/{}/b{}/{}/{}", slug(layer.net), batch, pass_name, impl), bench_conv, layer, batch,
                pass, impl, verify);
  for (const OpCase& layer : op_spec(OpId::self_attention).layer_cases)
    for (const char* impl : {"custom", "gemm"})
      add(fmt::format("attention/{}/fwd+bwd/{}", slug(layer.label), impl), bench_attention, &layer, impl, verify);
  // The other ops' layer shapes (the convs and attention have their passes above).
  for (const OpSpec& spec : all_op_specs()) {
    if (spec.op == OpId::conv2d || spec.op == OpId::conv2d_weight_grad || spec.op == OpId::conv_transpose2d ||
        spec.op == OpId::self_attention || !spec.has_cuda)
      continue;
    for (const OpCase& layer : spec.layer_cases)
      if (!kSimtBuild || layer.bytes <= 16e6)  // the harness emulates every thread: it takes the smaller ones
        add(fmt::format("layer/{}/{}/fwd", op_name(spec.op), slug(layer.label)), bench_layer_case, &spec, &layer, verify);
  }
  for (const char* op : {"instance_norm_fwd", "instance_norm_relu_fwd", "instance_norm_then_relu_fwd",
                         "instance_norm_residual_fwd", "leaky_relu_fwd", "l1_loss_fwd", "adam_step"})
    add(fmt::format("memory/{}/16M", op), bench_memory, op, std::int64_t{1} << 24, verify);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
