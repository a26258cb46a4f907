#include "bench/gpu_timing.h"

#include <cuda_bf16.h>

#include <algorithm>
#include <vector>

namespace pigment::bench {

GpuTimer::GpuTimer(CudaContext& ctx) : ctx_(ctx) {
  PIGMENT_CUDA_CHECK(cudaEventCreate(&start_));
  PIGMENT_CUDA_CHECK(cudaEventCreate(&stop_));
  flush_bytes_ = 2 * static_cast<std::size_t>(ctx.properties().l2CacheSize);
  PIGMENT_CUDA_CHECK(cudaMalloc(&flush_, flush_bytes_));
}

GpuTimer::~GpuTimer() {
  cudaFree(flush_);
  cudaEventDestroy(start_);
  cudaEventDestroy(stop_);
}

double GpuTimer::time(const std::function<void()>& fn, bool flush_l2) {
  if (flush_l2) PIGMENT_CUDA_CHECK(cudaMemsetAsync(flush_, 0, flush_bytes_, ctx_.stream()));
  PIGMENT_CUDA_CHECK(cudaEventRecord(start_, ctx_.stream()));
  fn();
  PIGMENT_CUDA_CHECK(cudaEventRecord(stop_, ctx_.stream()));
  PIGMENT_CUDA_CHECK(cudaEventSynchronize(stop_));
  float ms = 0;
  PIGMENT_CUDA_CHECK(cudaEventElapsedTime(&ms, start_, stop_));
  return ms / 1e3;
}

void time_iterations(benchmark::State& state, GpuTimer& timer, const std::function<void()>& fn, bool flush_l2) {
  for (int i = 0; i < 3; ++i) fn();  // warm-up: module load, plans, autotuning, workspaces
  for (auto _ : state) state.SetIterationTime(timer.time(fn, flush_l2));
}

Device& bench_device() {
  static Device device = kSimtBuild ? Device::simt() : Device::cuda(0);  // the benchmark binary's one device
  return device;
}

namespace {
double time_median(CudaContext& ctx, const std::function<void()>& fn, int repeats) {
  GpuTimer timer(ctx);
  fn();
  std::vector<double> t;
  for (int i = 0; i < repeats; ++i) t.push_back(timer.time(fn, false));
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}
}  // namespace

const Roofline& roofline(CudaContext& ctx) {
  static const Roofline r = [&ctx] {
    Roofline out;
    const int n = 8192;
    void *a, *b, *c;
    const std::size_t bytes = static_cast<std::size_t>(n) * n * sizeof(float);
    PIGMENT_CUDA_CHECK(cudaMalloc(&a, bytes));
    PIGMENT_CUDA_CHECK(cudaMalloc(&b, bytes));
    PIGMENT_CUDA_CHECK(cudaMalloc(&c, bytes));
    PIGMENT_CUDA_CHECK(cudaMemsetAsync(a, 0x3c, bytes, ctx.stream()));  // ~0.0123f / bf16 ~1.1: not zeros
    PIGMENT_CUDA_CHECK(cudaMemsetAsync(b, 0x3c, bytes, ctx.stream()));
    const float one = 1.0f, zero = 0.0f;
    const double flops = 2.0 * n * static_cast<double>(n) * n;
    out.tf32_tflops = flops / time_median(ctx, [&] {
      PIGMENT_CUBLAS_CHECK(cublasSgemm(ctx.cublas(), CUBLAS_OP_N, CUBLAS_OP_N, n, n, n, &one, static_cast<float*>(a), n,
                                       static_cast<float*>(b), n, &zero, static_cast<float*>(c), n));
    }, 5) / 1e12;
    out.bf16_tflops = flops / time_median(ctx, [&] {
      PIGMENT_CUBLAS_CHECK(cublasGemmEx(ctx.cublas(), CUBLAS_OP_N, CUBLAS_OP_N, n, n, n, &one, a, CUDA_R_16BF, n, b,
                                        CUDA_R_16BF, n, &zero, c, CUDA_R_32F, n, CUBLAS_COMPUTE_32F,
                                        CUBLAS_GEMM_DEFAULT));
    }, 5) / 1e12;
    PIGMENT_CUBLAS_CHECK(cublasSetMathMode(ctx.cublas(), CUBLAS_PEDANTIC_MATH));
    const int m = 4096;
    out.fp32_tflops = 2.0 * m * static_cast<double>(m) * m / time_median(ctx, [&] {
      PIGMENT_CUBLAS_CHECK(cublasSgemm(ctx.cublas(), CUBLAS_OP_N, CUBLAS_OP_N, m, m, m, &one, static_cast<float*>(a), m,
                                       static_cast<float*>(b), m, &zero, static_cast<float*>(c), m));
    }, 3) / 1e12;
    PIGMENT_CUBLAS_CHECK(cublasSetMathMode(ctx.cublas(), CUBLAS_TF32_TENSOR_OP_MATH));
    out.copy_gbps = 2.0 * static_cast<double>(bytes) / time_median(ctx, [&] {
      PIGMENT_CUDA_CHECK(cudaMemcpyAsync(c, a, bytes, cudaMemcpyDeviceToDevice, ctx.stream()));
    }, 9) / 1e9;
    cudaFree(a);
    cudaFree(b);
    cudaFree(c);
    return out;
  }();
  return r;
}

}  // namespace pigment::bench
