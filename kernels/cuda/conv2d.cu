// The CUDA convolution entry points: each pass runs the implementation the context selects. With
// "auto" every implementation is timed once per shape and pass (CUDA events, after a warm-up run)
// and the fastest is remembered; later calls dispatch straight to it. Every implementation
// overwrites its output, so the timing runs leave no trace but the final, chosen run.
#include <functional>
#include <limits>
#include <string>

#include "kernels/cuda/common.cuh"
#include "kernels/cuda/conv_impl.h"
#include "kernels/cuda/device_buffer.cuh"
#include "kernels/raw/shape.h"

namespace pigment::cuda {

namespace {
using Runner = std::function<void(ConvImpl)>;

std::string geometry_key(const char* pass, const ConvGeometry& g) {
  return fmt::format("{} n{} c{} {}x{} k{} {}x{} s{} p{}{}", pass, g.n, g.c, g.h, g.w, g.k, g.kh, g.kw, g.stride, g.pad,
                     g.reflect ? " reflect" : "");
}

// A CUDA event destroyed with its scope (the timed runs may throw).
struct ScopedEvent {
  cudaEvent_t event = nullptr;
  ScopedEvent() { PIGMENT_CUDA_CHECK(cudaEventCreate(&event)); }
  ~ScopedEvent() { cudaEventDestroy(event); }
  ScopedEvent(const ScopedEvent&) = delete;
  ScopedEvent& operator=(const ScopedEvent&) = delete;
};

float time_ms(CudaContext& ctx, const Runner& run, ConvImpl impl) {
  const ScopedEvent start_event, stop_event;
  cudaEvent_t start = start_event.event, stop = stop_event.event;
  run(impl);  // warm-up: plans, workspaces, module load
  PIGMENT_CUDA_CHECK(cudaEventRecord(start, ctx.stream()));
  constexpr int kRepeats = 3;
  for (int i = 0; i < kRepeats; ++i) run(impl);
  PIGMENT_CUDA_CHECK(cudaEventRecord(stop, ctx.stream()));
  PIGMENT_CUDA_CHECK(cudaEventSynchronize(stop));
  float ms = 0;
  PIGMENT_CUDA_CHECK(cudaEventElapsedTime(&ms, start, stop));
  return ms / kRepeats;
}

void run_selected(CudaContext& ctx, const char* pass, const ConvGeometry& g, const Runner& run) {
  if (ctx.conv_impl() != ConvImpl::auto_select) return run(ctx.conv_impl());
  const std::string key = geometry_key(pass, g);
  if (const ConvImpl* chosen = ctx.conv_choice(key)) return run(*chosen);
  // Another implementation must beat the current choice by 5% to replace it, so that timing noise
  // between near-equal paths does not flip the choice (and the rounding) from run to run.
  constexpr float kMargin = 0.95f;
  ConvImpl best = ConvImpl::custom;
  float best_ms = std::numeric_limits<float>::infinity();
  for (ConvImpl impl : {ConvImpl::custom, ConvImpl::cudnn, ConvImpl::gemm}) {
    if (impl == ConvImpl::cudnn && !kCudnnAvailable) continue;
    float ms;
    try {
      ms = time_ms(ctx, run, impl);
    } catch (const Error&) {  // an implementation that cannot take this shape (e.g. cuDNN workspace) is skipped
      (void)cudaGetLastError();
      continue;
    }
    if (ms < kMargin * best_ms) {
      best = impl;
      best_ms = ms;
    }
  }
  ctx.set_conv_choice(key, best);
  run(best);
}

// Reflection padding: the custom kernels read mirrored pixels in their operand loads; cuDNN and
// the im2col path know only zero padding, so they convolve a reflection-padded copy (one more pass
// over the image, the cost the custom path avoids).
struct PaddedCopy {
  DeviceBuffer buffer;
  ConvGeometry g;
  PaddedCopy(CudaContext& ctx, const ConvGeometry& reflecting, const float* x)
      : buffer(ctx, static_cast<std::size_t>(reflecting.n * reflecting.c * (reflecting.h + 2 * reflecting.pad) *
                                             (reflecting.w + 2 * reflecting.pad))),
        g(reflecting.on_padded_image()) {
    reflection_pad2d_forward(ctx, reflecting.n * reflecting.c, reflecting.h, reflecting.w, reflecting.pad, x,
                             buffer.get());
  }
};
}  // namespace

void conv2d_forward(CudaContext& ctx, const ConvGeometry& g, const float* x, const float* w, const float* bias,
                    float* y) {
  run_selected(ctx, "fprop", g, [&](ConvImpl impl) {
    if (g.reflect && impl != ConvImpl::custom) {
      const PaddedCopy padded(ctx, g, x);
      return impl == ConvImpl::cudnn ? conv_fprop_cudnn(ctx, padded.g, padded.buffer.get(), w, bias, y)
                                     : conv_fprop_gemm(ctx, padded.g, padded.buffer.get(), w, bias, y);
    }
    switch (impl) {
      case ConvImpl::cudnn: return conv_fprop_cudnn(ctx, g, x, w, bias, y);
      case ConvImpl::gemm: return conv_fprop_gemm(ctx, g, x, w, bias, y);
      default: return conv_fprop_custom(ctx, g, x, w, bias, y);
    }
  });
}

void conv2d_backward_data(CudaContext& ctx, const ConvGeometry& g, const float* dy, const float* w, const float* bias,
                          float* dx) {
  PIGMENT_CHECK(!g.reflect, "conv2d_backward_data: a reflection-padded conv's input gradient is the transposed conv "
                            "onto the padded image, folded (kernels/ops/conv2d.cpp: conv2d_input_grad)");
  run_selected(ctx, "dgrad", g, [&](ConvImpl impl) {
    switch (impl) {
      case ConvImpl::cudnn: return conv_dgrad_cudnn(ctx, g, dy, w, bias, dx);
      case ConvImpl::gemm: return conv_dgrad_gemm(ctx, g, dy, w, bias, dx);
      default: return conv_dgrad_custom(ctx, g, dy, w, bias, dx);
    }
  });
}

void conv2d_backward_weight(CudaContext& ctx, const ConvGeometry& g, const float* x, const float* dy, float* dw) {
  run_selected(ctx, "wgrad", g, [&](ConvImpl impl) {
    if (g.reflect && impl != ConvImpl::custom) {
      const PaddedCopy padded(ctx, g, x);
      return impl == ConvImpl::cudnn ? conv_wgrad_cudnn(ctx, padded.g, padded.buffer.get(), dy, dw)
                                     : conv_wgrad_gemm(ctx, padded.g, padded.buffer.get(), dy, dw);
    }
    switch (impl) {
      case ConvImpl::cudnn: return conv_wgrad_cudnn(ctx, g, x, dy, dw);
      case ConvImpl::gemm: return conv_wgrad_gemm(ctx, g, x, dy, dw);
      default: return conv_wgrad_custom(ctx, g, x, dy, dw);
    }
  });
}

}  // namespace pigment::cuda
