// The CUDA convolution entry points: each pass runs the implementation the context selects. With
// "auto" every implementation is timed once per shape and pass (CUDA events, after a warm-up run)
// and the fastest is remembered; later calls dispatch straight to it. Every implementation
// overwrites its output, so the timing runs leave no trace but the final, chosen run.
#include <functional>
#include <string>

#include "kernels/cuda/common.cuh"
#include "kernels/cuda/conv_impl.h"

namespace pigment::cuda {

namespace {
using Runner = std::function<void(ConvImpl)>;

std::string geometry_key(const char* pass, const ConvGeometry& g) {
  return fmt::format("{} n{} c{} {}x{} k{} {}x{} s{} p{}", pass, g.n, g.c, g.h, g.w, g.k, g.kh, g.kw, g.stride, g.pad);
}

float time_ms(CudaContext& ctx, const Runner& run, ConvImpl impl) {
  cudaEvent_t start, stop;
  PIGMENT_CUDA_CHECK(cudaEventCreate(&start));
  PIGMENT_CUDA_CHECK(cudaEventCreate(&stop));
  run(impl);  // warm-up: plans, workspaces, module load
  PIGMENT_CUDA_CHECK(cudaEventRecord(start, ctx.stream()));
  constexpr int kRepeats = 3;
  for (int i = 0; i < kRepeats; ++i) run(impl);
  PIGMENT_CUDA_CHECK(cudaEventRecord(stop, ctx.stream()));
  PIGMENT_CUDA_CHECK(cudaEventSynchronize(stop));
  float ms = 0;
  PIGMENT_CUDA_CHECK(cudaEventElapsedTime(&ms, start, stop));
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  return ms / kRepeats;
}

void run_selected(CudaContext& ctx, const char* pass, const ConvGeometry& g, const Runner& run) {
  if (ctx.conv_impl() != ConvImpl::auto_select) return run(ctx.conv_impl());
  const std::string key = geometry_key(pass, g);
  if (const ConvImpl* chosen = ctx.conv_choice(key)) return run(*chosen);
  ConvImpl best = ConvImpl::custom;
  float best_ms = 0;
  for (ConvImpl impl : {ConvImpl::custom, ConvImpl::cudnn, ConvImpl::gemm}) {
    float ms;
    try {
      ms = time_ms(ctx, run, impl);
    } catch (const Error&) {  // an implementation that cannot take this shape (e.g. cuDNN workspace) is skipped
      continue;
    }
    if (impl == ConvImpl::custom || ms < best_ms) {
      best = impl;
      best_ms = ms;
    }
  }
  ctx.set_conv_choice(key, best);
  run(best);
}
}  // namespace

void conv2d_forward(CudaContext& ctx, const ConvGeometry& g, const float* x, const float* w, const float* bias,
                    float* y) {
  run_selected(ctx, "fprop", g, [&](ConvImpl impl) {
    switch (impl) {
      case ConvImpl::cudnn: return conv_fprop_cudnn(ctx, g, x, w, bias, y);
      case ConvImpl::gemm: return conv_fprop_gemm(ctx, g, x, w, bias, y);
      default: return conv_fprop_custom(ctx, g, x, w, bias, y);
    }
  });
}

void conv2d_backward_data(CudaContext& ctx, const ConvGeometry& g, const float* dy, const float* w, const float* bias,
                          float* dx) {
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
    switch (impl) {
      case ConvImpl::cudnn: return conv_wgrad_cudnn(ctx, g, x, dy, dw);
      case ConvImpl::gemm: return conv_wgrad_gemm(ctx, g, x, dy, dw);
      default: return conv_wgrad_custom(ctx, g, x, dy, dw);
    }
  });
}

}  // namespace pigment::cuda
