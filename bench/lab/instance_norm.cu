// The kernel lab, after llm.c's dev/cuda: one hot kernel, its variants side by side in one file,
// each checked against the CPU reference and timed on the same inputs. The library's kernel is
// variant 0, called through its raw contract (kernels/raw/norm.h, no Tensor, no autograd); a
// variant that wins here moves into kernels/cuda/ and must then pass gan-check.
//
// Instance norm forward, y = (x − μ_p)·r_p per (n, c) plane p of HW pixels, μ, r = 1/√(σ² + ε) kept:
//   0 library     chunk moments over (planes × chunks), combined in double, then an apply pass
//                 (kernels/cuda/instance_norm.cu)
//   1 block/plane one block per plane: Σx, then Σ(x − μ)², then the apply, each a pass over the
//                 plane through L2 — the obvious design, three reads of x
//   2 one pass    one block per plane, Welford-free: Σx and Σx² together in one read (FP32 sums
//                 of squares cancel for large |μ|/σ: the lab shows by how much), then the apply
//
// Memory bound: a forward must read x once and write y once, 8·N·C·HW bytes; the report gives
// GB/s against that minimum. On the SIMT device (SIMT builds) the kernels run on the CPU: the
// check means what it says, the times do not.
//   pigment-lab-instance-norm [--shape N,C,HW]… [--reps R]
// Exit 0 when the library's variant is right, 1 when it is not, 77 without a device.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "bench/gpu_timing.h"
#include "engine/cuda/cuda_context.h"
#include "engine/cuda/launch.cuh"
#include "engine/device.h"
#include "engine/rng.h"
#include "kernels/cuda/common.cuh"
#include "kernels/raw/norm.h"

using namespace pigment;

namespace {

constexpr int kBlock = 256;

// ---- Variant 1: one block per plane, three passes --------------------------------------------------
__global__ void block_per_plane_kernel(std::int64_t plane, const float* x, float eps, float* y, float* mean,
                                       float* rstd) {
  __shared__ float scratch[32];
  const std::int64_t p = blockIdx.x;
  const float* xp = x + p * plane;
  float s = 0.0f;
  for (std::int64_t i = threadIdx.x; i < plane; i += blockDim.x) s += xp[i];
  const float mu = cuda::block_sum(s, scratch) / static_cast<float>(plane);
  float m2 = 0.0f;
  for (std::int64_t i = threadIdx.x; i < plane; i += blockDim.x) m2 += (xp[i] - mu) * (xp[i] - mu);
  const float r = 1.0f / sqrtf(cuda::block_sum(m2, scratch) / static_cast<float>(plane) + eps);
  for (std::int64_t i = threadIdx.x; i < plane; i += blockDim.x) y[p * plane + i] = (xp[i] - mu) * r;
  if (threadIdx.x == 0) {
    mean[p] = mu;
    rstd[p] = r;
  }
}

// ---- Variant 2: one block per plane, Σx and Σx² in one read ---------------------------------------
__global__ void one_pass_kernel(std::int64_t plane, const float* x, float eps, float* y, float* mean, float* rstd) {
  __shared__ float scratch[32];
  const std::int64_t p = blockIdx.x;
  const float* xp = x + p * plane;
  float s = 0.0f, sq = 0.0f;
  for (std::int64_t i = threadIdx.x; i < plane; i += blockDim.x) {
    const float v = xp[i];
    s += v;
    sq += v * v;
  }
  const float n = static_cast<float>(plane);
  const float mu = cuda::block_sum(s, scratch) / n;
  const float var = fmaxf(cuda::block_sum(sq, scratch) / n - mu * mu, 0.0f);  // E[x²] − μ²
  const float r = 1.0f / sqrtf(var + eps);
  for (std::int64_t i = threadIdx.x; i < plane; i += blockDim.x) y[p * plane + i] = (xp[i] - mu) * r;
  if (threadIdx.x == 0) {
    mean[p] = mu;
    rstd[p] = r;
  }
}

struct Buffers {
  float *x, *y, *mean, *rstd;
};

struct Variant {
  const char* name;
  void (*run)(CudaContext& ctx, std::int64_t planes, std::int64_t plane, const Buffers& b, float eps);
};

const Variant kVariants[] = {
    {"library", [](CudaContext& ctx, std::int64_t planes, std::int64_t plane, const Buffers& b, float eps) {
       cuda::instance_norm_forward(ctx, 1, planes, plane, b.x, nullptr, nullptr, eps, 1.0f, nullptr, b.y, b.mean,
                                   b.rstd);
     }},
    {"block/plane", [](CudaContext& ctx, std::int64_t planes, std::int64_t plane, const Buffers& b, float eps) {
       cuda::launch(ctx, "lab_block_per_plane", dim3(static_cast<unsigned>(planes)), dim3(kBlock), 0,
                    block_per_plane_kernel, plane, b.x, eps, b.y, b.mean, b.rstd);
     }},
    {"one pass", [](CudaContext& ctx, std::int64_t planes, std::int64_t plane, const Buffers& b, float eps) {
       cuda::launch(ctx, "lab_one_pass", dim3(static_cast<unsigned>(planes)), dim3(kBlock), 0, one_pass_kernel,
                    plane, b.x, eps, b.y, b.mean, b.rstd);
     }},
};

struct Shape3 {
  std::int64_t n, c, hw;
};

// The largest |a − ref| relative to the largest |ref|.
double relative_error(const std::vector<float>& a, const std::vector<double>& ref) {
  double err = 0, scale = 1e-30;
  for (std::size_t i = 0; i < a.size(); ++i) {
    err = std::max(err, std::fabs(static_cast<double>(a[i]) - ref[i]));
    scale = std::max(scale, std::fabs(ref[i]));
  }
  return err / scale;
}

// Checks and times every variant on one shape; returns false if the library's is wrong (another
// variant's FAIL is a finding of the lab: that variant is no candidate).
bool run_shape(CudaContext& ctx, bench::GpuTimer& timer, const Shape3& s, int reps, double tolerance) {
  const std::int64_t planes = s.n * s.c, count = planes * s.hw;
  const float eps = 1e-5f;
  // Inputs with an offset (μ ≈ 3σ), as activations after a ReLU have: where one-pass variance cancels.
  Rng rng(7);
  std::vector<double> x64 = rng.normal_vector(count, 3.0, 1.0);
  std::vector<float> x(x64.begin(), x64.end());
  for (std::size_t i = 0; i < x.size(); ++i) x64[i] = x[i];  // the reference sees the float inputs
  std::vector<double> y_ref(static_cast<std::size_t>(count)), mean_ref(static_cast<std::size_t>(planes)),
      rstd_ref(static_cast<std::size_t>(planes));
  cpu::instance_norm_forward<double>(s.n, s.c, s.hw, x64.data(), nullptr, nullptr, eps, 1.0, nullptr, y_ref.data(),
                                     mean_ref.data(), rstd_ref.data());

  const std::size_t bytes = static_cast<std::size_t>(count) * sizeof(float);
  Buffers b{static_cast<float*>(ctx.allocate(bytes)), static_cast<float*>(ctx.allocate(bytes)),
            static_cast<float*>(ctx.allocate(planes * sizeof(float))),
            static_cast<float*>(ctx.allocate(planes * sizeof(float)))};
  ctx.copy_from_host(b.x, x.data(), bytes);
  bool ok = true;
  std::printf("instance norm forward  N %lld  C %lld  HW %lld  (%.1f MB in, as many out)\n", static_cast<long long>(s.n),
              static_cast<long long>(s.c), static_cast<long long>(s.hw), static_cast<double>(bytes) / 1e6);
  for (const Variant& v : kVariants) {
    ctx.memset_zero(b.y, bytes);
    v.run(ctx, planes, s.hw, b, eps);
    std::vector<float> y(static_cast<std::size_t>(count)), rstd(static_cast<std::size_t>(planes));
    ctx.copy_to_host(y.data(), b.y, bytes);
    ctx.copy_to_host(rstd.data(), b.rstd, planes * sizeof(float));
    const double err = std::max(relative_error(y, y_ref), relative_error(rstd, rstd_ref));
    const bool good = err <= tolerance;
    if (&v == &kVariants[0]) ok = good;
    double best = 1e30;
    for (int r = 0; r < reps; ++r) best = std::min(best, timer.time([&] { v.run(ctx, planes, s.hw, b, eps); }));
    const double gbps = 2.0 * static_cast<double>(bytes) / best / 1e9;
    std::printf("  %-12s error %.2e %s  %9.1f µs  %7.1f GB/s%s\n", v.name, err, good ? "ok  " : "FAIL", best * 1e6, gbps,
                kSimtBuild ? " (SIMT: CPU time)" : "");
  }
  for (float* p : {b.x, b.y}) ctx.deallocate(p, bytes);
  for (float* p : {b.mean, b.rstd}) ctx.deallocate(p, planes * sizeof(float));
  return ok;
}

Shape3 parse_shape(const char* text) {
  long long n = 0, c = 0, hw = 0;
  if (std::sscanf(text, "%lld,%lld,%lld", &n, &c, &hw) != 3 || n < 1 || c < 1 || hw < 1) {
    std::fprintf(stderr, "pigment-lab-instance-norm: --shape takes N,C,HW (three positive numbers), got '%s'\n", text);
    std::exit(2);
  }
  return {n, c, hw};
}

}  // namespace

int main(int argc, char** argv) {
  // The reference networks' instance norms at 256² (resnet_9blocks: 64×256², 128×128², 256×64²)
  // and an awkward one; in SIMT builds small shapes, which the emulated kernels finish in seconds.
  std::vector<Shape3> shapes;
  int reps = kSimtBuild ? 1 : 20;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--shape") && i + 1 < argc) {
      shapes.push_back(parse_shape(argv[++i]));
    } else if (!std::strcmp(argv[i], "--reps") && i + 1 < argc) {
      reps = std::max(1, std::atoi(argv[++i]));
    } else {
      std::fprintf(stderr, "usage: pigment-lab-instance-norm [--shape N,C,HW]... [--reps R]\n");
      return 2;
    }
  }
  if (shapes.empty()) {
    shapes = kSimtBuild ? std::vector<Shape3>{{1, 3, 33 * 33}, {2, 5, 17 * 17}}
                        : std::vector<Shape3>{{1, 64, 256 * 256}, {1, 128, 128 * 128}, {1, 256, 64 * 64}, {3, 5, 31 * 31}};
  }
  if (!kSimtBuild && cuda_device_count() == 0) {
    std::printf("pigment-lab-instance-norm: no GPU here (skipped)\n");
    return 77;
  }
  try {
    Device device = kSimtBuild ? Device::simt() : Device::cuda(0);
    CudaContext& ctx = as_cuda(device.context());
    bench::GpuTimer timer(ctx);
    // FP32 statistics against the double reference: a few ulp times log(HW) for the sums; the
    // one-pass variance loses (μ/σ)² ≈ 10 of that on these inputs — over 1e-4 means it is wrong.
    const double tolerance = 1e-4;
    bool ok = true;
    for (const Shape3& s : shapes) ok = run_shape(ctx, timer, s, reps, tolerance) && ok;
    return ok ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pigment-lab-instance-norm: %s\n", e.what());
    return 2;
  }
}
