#pragma once
// What the GPU benchmarks share: CUDA-event timing on the context's stream with the L2 cache
// flushed before every timed run, and the device's ceilings measured by the suite itself (the
// roofline every result is reported against).
#include <benchmark/benchmark.h>

#include <functional>

#include "engine/cuda/cuda_context.h"
#include "engine/device.h"

namespace pigment::bench {

class GpuTimer {
 public:
  explicit GpuTimer(CudaContext& ctx);
  ~GpuTimer();
  GpuTimer(const GpuTimer&) = delete;
  GpuTimer& operator=(const GpuTimer&) = delete;
  // Flushes L2 (writes a buffer twice its size), then times fn with CUDA events; seconds.
  double time(const std::function<void()>& fn, bool flush_l2 = true);

 private:
  CudaContext& ctx_;
  cudaEvent_t start_, stop_;
  void* flush_ = nullptr;
  std::size_t flush_bytes_ = 0;
};

// Runs fn once per benchmark iteration under the timer and reports it as manual time.
void time_iterations(benchmark::State& state, GpuTimer& timer, const std::function<void()>& fn, bool flush_l2 = true);

struct Roofline {
  double tf32_tflops = 0, bf16_tflops = 0, fp32_tflops = 0, copy_gbps = 0;
};
// Measured once: an 8192³ cuBLAS GEMM in TF32 and in BF16, a 4096³ FP32 GEMM without tensor cores,
// and a 1 GiB device-to-device copy (bytes read + written).
const Roofline& roofline(CudaContext& ctx);

// The one CUDA device the benchmarks use.
Device& bench_device();

}  // namespace pigment::bench
