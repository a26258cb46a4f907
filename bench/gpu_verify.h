#pragma once
// The GPU benchmarks' verification mode (--verify): each benchmark computes its result once, on the
// device, and compares it with the CPU reference instead of timing it, so a benchmark never times
// a kernel that is wrong. On the SIMT device, where timings mean nothing, the benchmarks run in
// this mode only, with their shapes divided by --verify_scale (default 8 there, 1 on a GPU) so that
// the emulated kernels finish in seconds while every path of the benchmark code still runs.
#include <benchmark/benchmark.h>

#include <cstdint>

#include "engine/tensor.h"

namespace pigment::bench {

struct VerifyOptions {
  bool on = false;
  int scale = 1;  // spatial sizes and channel counts divided by this (never below what a layer needs)
  std::int64_t shrink(std::int64_t size, std::int64_t at_least = 1) const {
    const std::int64_t s = size / scale;
    return s < at_least ? at_least : s;
  }
};

// Takes --verify and --verify_scale=N out of argv (before benchmark::Initialize sees them). On the
// SIMT device verification is always on.
VerifyOptions take_verify_options(int& argc, char** argv);

// max |got − want| / max |want| (NaN or a shape mismatch: infinity).
double relative_error(const Tensor& got, const Tensor& want);

// Records the comparison as the counter "verify_error" (and the tolerance), and fails the benchmark
// when it is over the tolerance.
void report_verification(benchmark::State& state, double error, double tolerance);

}  // namespace pigment::bench
