#include "engine/device.h"

#include <omp.h>

#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

#include "engine/error.h"

namespace pigment {

std::string Context::name() const {
  switch (type()) {
    case DeviceType::cpu: return "cpu";
    case DeviceType::simt: return "simt";
    case DeviceType::cuda: break;
  }
  return "cuda:" + std::to_string(index());
}

// ---- CpuContext ---------------------------------------------------------------------------
namespace {
constexpr std::size_t kCpuAlignment = 64;  // a cache line; lets the compiler use aligned vector loads
}

// AddressSanitizer finds use-after-free and overruns only in memory it hands out itself, so its
// builds give every tensor a fresh malloc'd block instead of a cached mapping.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kCacheHostBlocks = false;
#else
constexpr bool kCacheHostBlocks = true;
#endif

CpuContext::CpuContext() : blocks_(kCpuAlignment) {
  if (const char* env = std::getenv("PIGMENT_CPU_THREADS")) {
    const std::string value = env;
    if (value == "fixed") fixed_threads_ = free_cores_.max_threads();
    else if (const int n = std::atoi(env); n > 0) fixed_threads_ = n;
  }
}

void CpuContext::use_free_cores() {
  const int threads = fixed_threads_ > 0 ? fixed_threads_ : free_cores_.threads();
  if (omp_get_max_threads() != threads) omp_set_num_threads(threads);
}

void* CpuContext::allocate(std::size_t bytes) {
  void* p = nullptr;
  {
    std::lock_guard lock(mutex_);
    if (kCacheHostBlocks) {
      p = blocks_.allocate(bytes);
      stats_.system_allocations = blocks_.stats().system_allocations;
      stats_.bytes_reserved = blocks_.stats().bytes_in_use + blocks_.stats().bytes_cached;
    } else {
      const std::size_t rounded = (bytes + kCpuAlignment - 1) / kCpuAlignment * kCpuAlignment;
      p = std::aligned_alloc(kCpuAlignment, rounded == 0 ? kCpuAlignment : rounded);
      if (!p) throw std::bad_alloc();
      stats_.system_allocations++;
      stats_.bytes_reserved += static_cast<std::int64_t>(bytes);
    }
    stats_.requests++;
    stats_.bytes_in_use += static_cast<std::int64_t>(bytes);
    if (stats_.bytes_in_use > stats_.peak_bytes_in_use) stats_.peak_bytes_in_use = stats_.bytes_in_use;
  }
  if (poison_ && bytes) std::memset(p, 0xFF, bytes);
  return p;
}

void CpuContext::deallocate(void* ptr, std::size_t bytes) noexcept {
  std::lock_guard lock(mutex_);
  stats_.bytes_in_use -= static_cast<std::int64_t>(bytes);
  if (kCacheHostBlocks) {
    blocks_.deallocate(ptr);
    stats_.bytes_reserved = blocks_.stats().bytes_in_use + blocks_.stats().bytes_cached;
  } else {
    std::free(ptr);
    stats_.bytes_reserved -= static_cast<std::int64_t>(bytes);
  }
}

void CpuContext::release_cached_memory() {
  std::lock_guard lock(mutex_);
  blocks_.release_cached();
  stats_.bytes_reserved = blocks_.stats().bytes_in_use + blocks_.stats().bytes_cached;
}

void* CpuContext::workspace(std::size_t bytes) {
  if (bytes > workspace_bytes_) {
    std::free(workspace_);
    workspace_bytes_ = (bytes + kCpuAlignment - 1) / kCpuAlignment * kCpuAlignment;
    workspace_ = std::aligned_alloc(kCpuAlignment, workspace_bytes_);
    if (!workspace_) throw std::bad_alloc();
  }
  return workspace_;
}

CpuContext::~CpuContext() { std::free(workspace_); }

AllocatorStats CpuContext::allocator_stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

void CpuContext::reset_peak_bytes() {
  std::lock_guard lock(mutex_);
  stats_.peak_bytes_in_use = stats_.bytes_in_use;
}

void CpuContext::copy_to_host(void* host_dst, const void* src, std::size_t bytes) {
  if (bytes) std::memcpy(host_dst, src, bytes);
}
void CpuContext::copy_from_host(void* dst, const void* host_src, std::size_t bytes) {
  if (bytes) std::memcpy(dst, host_src, bytes);
}
void CpuContext::copy_within(void* dst, const void* src, std::size_t bytes) {
  if (bytes) std::memmove(dst, src, bytes);
}
void CpuContext::memset_zero(void* dst, std::size_t bytes) {
  if (bytes) std::memset(dst, 0, bytes);
}

// ---- Device ---------------------------------------------------------------------------------
Device::Device(std::shared_ptr<Context> ctx) : ctx_(std::move(ctx)) {
  PIGMENT_CHECK(ctx_ != nullptr, "Device: null context");
}

Device Device::cpu() {
  auto ctx = std::make_shared<CpuContext>();
  // PIGMENT_POISON=1: every allocation starts as NaN, to expose reads of unwritten memory.
  if (const char* env = std::getenv("PIGMENT_POISON")) ctx->set_poison_allocations(std::strcmp(env, "0") != 0);
  return Device(std::move(ctx));
}

Device Device::simt() { return simt(simt_options_from_environment()); }

Device Device::parse(std::string_view spec) {
  if (spec == "cpu") return cpu();
  if (spec == "simt") return simt();
  if (spec == "auto") return cuda_device_count() > 0 ? cuda(0) : cpu();
  if (spec == "cuda") return cuda(0);
  if (spec.starts_with("cuda:")) {
    const std::string digits(spec.substr(5));
    char* end = nullptr;
    const long idx = std::strtol(digits.c_str(), &end, 10);
    PIGMENT_CHECK(!digits.empty() && end && *end == '\0' && idx >= 0,
                  "unknown device '{}': expected cpu, cuda, cuda:N, simt or auto", spec);
    return cuda(static_cast<int>(idx));
  }
  PIGMENT_FAIL("unknown device '{}': expected cpu, cuda, cuda:N, simt or auto", spec);
}

#if PIGMENT_WITH_CUDA
void cuda_set_allocator_checks(Context& ctx, AllocatorChecks checks);  // engine/cuda/cuda_context.cu
void cuda_verify_allocator_guards(Context& ctx);
#endif

void set_allocator_checks(const Device& device, AllocatorChecks checks) {
  if (device.is_cpu()) {
    static_cast<CpuContext&>(device.context()).set_poison_allocations(checks.poison);
    return;
  }
#if PIGMENT_WITH_CUDA
  cuda_set_allocator_checks(device.context(), checks);
#endif
}

void verify_allocator_guards(const Device& device) {
#if PIGMENT_WITH_CUDA
  if (device.is_cuda()) cuda_verify_allocator_guards(device.context());
#else
  (void)device;
#endif
}

#if !PIGMENT_SIMT
const SimtOptions& simt_options(const Device& device) {
  PIGMENT_FAIL("simt_options: {} is not a SIMT device, and this build has none", device.str());
}

Device Device::simt(const SimtOptions&) {
  PIGMENT_FAIL(
      "the SIMT device (the CUDA kernels run on the CPU) is part of builds configured with -DPIGMENT_CUDA=SIMT, in a "
      "build folder of their own: cmake -S . -B build-simt -DPIGMENT_CUDA=SIMT && cmake --build build-simt");
}
#endif

#if !PIGMENT_WITH_CUDA
void set_kernel_choice(const Device&, const KernelChoice&) {}
KernelChoice kernel_choice(const Device&) { return {}; }

Device Device::cuda(int) {
  PIGMENT_FAIL(
      "this Pigment build has no CUDA backend (configured with PIGMENT_CUDA=OFF, or nvcc was not found): "
      "rebuild with -DPIGMENT_CUDA=ON on a machine with the CUDA toolkit, or use the CPU device");
}
int cuda_device_count() { return 0; }
#endif

}  // namespace pigment
