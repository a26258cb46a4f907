#include "engine/cuda/cuda_context.h"

#include <cstdlib>
#include <cstring>
#include <utility>
#include <vector>

#include "engine/device.h"
#include "engine/simt/context_hooks.h"

namespace pigment {


// ---- Error reporting ----------------------------------------------------------------------------------
namespace detail {
void cuda_fail(const char* expr, cudaError_t status, const char* func, const char* file, int line) {
  throw Error(fmt::format("CUDA error {} ({}) in {} at {}:{}: {}", cudaGetErrorName(status),
                          cudaGetErrorString(status), func, file, line, expr));
}
void cublas_fail(const char* expr, cublasStatus_t status, const char* func, const char* file, int line) {
  throw Error(fmt::format("cuBLAS error {} ({}) in {} at {}:{}: {}", cublasGetStatusName(status),
                          cublasGetStatusString(status), func, file, line, expr));
}
void cudnn_fail(const char* expr, cudnnStatus_t status, const char* func, const char* file, int line) {
  throw Error(fmt::format("cuDNN error {} in {} at {}:{}: {}", cudnnGetErrorString(status), func, file, line, expr));
}
}  // namespace detail

// ---- Devices --------------------------------------------------------------------------------------------
int cuda_device_count() {
  if constexpr (kSimtBuild) return 0;  // the harness's runtime has its one SIMT device, no GPU
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    (void)cudaGetLastError();  // no driver or no device: clear the sticky error, report none
    return 0;
  }
  return n;
}

namespace {
// cuDNN is a closed library whose kernels the SIMT harness cannot run.
void check_not_cudnn_on_simt(bool cudnn, const char* asked_as) {
  PIGMENT_CHECK(!cudnn,
                "{}: cuDNN is not available on the SIMT device (a closed library the harness cannot run); use custom, "
                "gemm or auto (which skips cuDNN there)",
                asked_as);
}

CudaOptions options_from_environment() {
  CudaOptions options;
  if (const char* env = std::getenv("PIGMENT_CUDA_SYNC")) options.sync_after_each_kernel = std::strcmp(env, "0") != 0;
  if (const char* env = std::getenv("PIGMENT_CONV_IMPL"))
    options.kernels.conv = kConvImplNames.parse(env, "convolution implementation (PIGMENT_CONV_IMPL)");
  if (const char* env = std::getenv("PIGMENT_MATMUL_IMPL"))
    options.kernels.matmul = kMatmulImplNames.parse(env, "matmul implementation (PIGMENT_MATMUL_IMPL)");
  if (const char* env = std::getenv("PIGMENT_ATTENTION_IMPL"))
    options.kernels.attention = kAttentionImplNames.parse(env, "attention implementation (PIGMENT_ATTENTION_IMPL)");
  return options;
}
}  // namespace

Device Device::cuda(int index) {
  PIGMENT_CHECK(!kSimtBuild,
                "this Pigment build runs the CUDA kernels on the CPU (configured with -DPIGMENT_CUDA=SIMT): use "
                "--device simt, or build with -DPIGMENT_CUDA=ON for a GPU");
  const int count = cuda_device_count();
  PIGMENT_CHECK(count > 0,
                "no CUDA device is available (no NVIDIA driver, or no GPU visible to this process); use the CPU "
                "device (--device cpu)");
  PIGMENT_CHECK(index >= 0 && index < count, "CUDA device {} does not exist: this machine has {} (cuda:0..cuda:{})",
                index, count, count - 1);
  return Device(std::make_shared<CudaContext>(index, options_from_environment()));
}

#if PIGMENT_SIMT
Device Device::simt(const SimtOptions& simt) {
  CudaOptions options = options_from_environment();
  options.simt = simt;
  check_not_cudnn_on_simt(options.kernels.conv == ConvImpl::cudnn, "PIGMENT_CONV_IMPL=cudnn");
  return Device(std::make_shared<CudaContext>(0, options));
}

const SimtOptions& simt_options(const Device& device) {
  PIGMENT_CHECK(device.is_simt(), "simt_options: {} is not a SIMT device", device.str());
  return as_cuda(device.context()).simt_options();
}
#endif

void set_kernel_choice(const Device& device, const KernelChoice& choice) {
  check_not_cudnn_on_simt(device.is_simt() && choice.conv == ConvImpl::cudnn, "convolution implementation 'cudnn'");
  if (device.is_cuda()) as_cuda(device.context()).set_kernel_choice(choice);
}

KernelChoice kernel_choice(const Device& device) {
  return device.is_cuda() ? as_cuda(device.context()).kernel_choice() : KernelChoice{};
}

CudaContext& as_cuda(Context& ctx) {
  PIGMENT_CHECK(ctx.type() == DeviceType::cuda || ctx.type() == DeviceType::simt, "expected a CUDA context, got {}",
                ctx.name());
  return static_cast<CudaContext&>(ctx);
}

// ---- CudaContext ----------------------------------------------------------------------------------------
namespace {
constexpr int kGuardPattern = 0xA5;

// Allocations are rounded so that blocks can be reused across slightly different requests:
// 512 B granularity below 1 MiB, 2 MiB above.
std::size_t round_allocation(std::size_t bytes) {
  constexpr std::size_t kSmall = 512, kLarge = 2u << 20, kThreshold = 1u << 20;
  if (bytes == 0) bytes = 1;
  const std::size_t unit = bytes < kThreshold ? kSmall : kLarge;
  return (bytes + unit - 1) / unit * unit;
}
}  // namespace

CudaContext::CudaContext(int device_index, CudaOptions options) : device_index_(device_index), options_(options) {
  PIGMENT_CUDA_CHECK(cudaSetDevice(device_index_));
  PIGMENT_CUDA_CHECK(cudaGetDeviceProperties(&properties_, device_index_));
  PIGMENT_CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
  simt::configure_device(stream_, properties_, options_.simt);
  PIGMENT_CUBLAS_CHECK(cublasCreate(&cublas_));
  PIGMENT_CUBLAS_CHECK(cublasSetStream(cublas_, stream_));
  // FP32 GEMMs on TF32 tensor cores, as PyTorch's convolutions do by default.
  PIGMENT_CUBLAS_CHECK(cublasSetMathMode(cublas_, CUBLAS_TF32_TENSOR_OP_MATH));
  PIGMENT_CUDNN_CHECK(cudnnCreate(&cudnn_));
  PIGMENT_CUDNN_CHECK(cudnnSetStream(cudnn_, stream_));
}

CudaContext::~CudaContext() {
  // Destructors never throw: statuses are ignored here.
  cudaSetDevice(device_index_);
  cudaStreamSynchronize(stream_);
  for (auto& [size, ptr] : free_blocks_) cudaFree(ptr);
  if (workspace_) cudaFree(workspace_);
  if (cudnn_) cudnnDestroy(cudnn_);
  if (cublas_) cublasDestroy(cublas_);
  if (stream_) cudaStreamDestroy(stream_);
}

void CudaContext::make_current() const { PIGMENT_CUDA_CHECK(cudaSetDevice(device_index_)); }

void CudaContext::free_cached_blocks_locked() noexcept {
  cudaStreamSynchronize(stream_);  // cached blocks may still be read by queued kernels
  for (auto& [size, ptr] : free_blocks_) {
    cudaFree(ptr);
    stats_.bytes_reserved -= static_cast<std::int64_t>(size);
  }
  free_blocks_.clear();
}

void* CudaContext::allocate(std::size_t requested) {
  const std::size_t bytes = requested + guard_bytes_;
  const std::size_t size = round_allocation(bytes);
  std::lock_guard lock(mutex_);
  stats_.requests++;
  // The smallest cached block that fits, if it wastes at most half of itself.
  auto it = free_blocks_.lower_bound(size);
  void* ptr = nullptr;
  std::size_t block_bytes = size;
  if (it != free_blocks_.end() && it->first <= 2 * size) {
    ptr = it->second;
    block_bytes = it->first;
    free_blocks_.erase(it);
  } else {
    make_current();
    cudaError_t status = cudaMalloc(&ptr, size);
    if (status == cudaErrorMemoryAllocation) {
      (void)cudaGetLastError();
      free_cached_blocks_locked();
      status = cudaMalloc(&ptr, size);
    }
    if (status != cudaSuccess) (void)cudaGetLastError();  // do not let a later launch check report it
    PIGMENT_CHECK(status == cudaSuccess, "CUDA out of memory allocating {} bytes on cuda:{} ({} bytes in use)", size,
                  device_index_, stats_.bytes_in_use);
    stats_.system_allocations++;
    stats_.bytes_reserved += static_cast<std::int64_t>(size);
  }
  stats_.bytes_in_use += static_cast<std::int64_t>(block_bytes);
  if (stats_.bytes_in_use > stats_.peak_bytes_in_use) stats_.peak_bytes_in_use = stats_.bytes_in_use;
  live_[ptr] = LiveBlock{block_bytes, requested};
  simt::on_block_handed_out(ptr, simt::kRedzoneGuards ? requested : requested + guard_bytes_, block_bytes);
  if (poison_ && requested) PIGMENT_CUDA_CHECK(cudaMemsetAsync(ptr, 0xFF, requested, stream_));
  if (guard_bytes_ && !simt::kRedzoneGuards)
    PIGMENT_CUDA_CHECK(cudaMemsetAsync(static_cast<char*>(ptr) + requested, kGuardPattern, guard_bytes_, stream_));
  return ptr;
}

void CudaContext::deallocate(void* ptr, std::size_t requested) noexcept {
  std::lock_guard lock(mutex_);
  const auto it = live_.find(ptr);
  // Every pointer handed out is in live_; the fallback only keeps a foreign pointer from corrupting the cache.
  const std::size_t block_bytes = it != live_.end() ? it->second.block_bytes : round_allocation(requested + guard_bytes_);
  if (it != live_.end()) live_.erase(it);
  simt::on_block_cached(ptr, block_bytes);
  free_blocks_.emplace(block_bytes, ptr);
  stats_.bytes_in_use -= static_cast<std::int64_t>(block_bytes);
}

AllocatorStats CudaContext::allocator_stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

void CudaContext::reset_peak_bytes() {
  std::lock_guard lock(mutex_);
  stats_.peak_bytes_in_use = stats_.bytes_in_use;
}

void CudaContext::release_cached_memory() {
  std::lock_guard lock(mutex_);
  free_cached_blocks_locked();
}

void CudaContext::set_guard_bytes(std::size_t bytes) {
  std::lock_guard lock(mutex_);
  // Live blocks were sized for the old guard; their guards (or lack of them) must stay valid.
  PIGMENT_CHECK(live_.empty() || bytes == guard_bytes_,
                "set_guard_bytes: change the guard size while nothing is allocated from the context ({} "
                "allocations are live)",
                live_.size());
  if (bytes != guard_bytes_) free_cached_blocks_locked();  // cached blocks were sized for the old guard
  guard_bytes_ = bytes;
}

void CudaContext::verify_guards() {
  std::map<void*, LiveBlock> live;
  {
    std::lock_guard lock(mutex_);
    live = live_;
  }
  if (guard_bytes_ == 0 || simt::kRedzoneGuards) return;  // redzones: AddressSanitizer reported any overrun
  std::vector<unsigned char> host(guard_bytes_);
  for (const auto& [ptr, block] : live) {
    const std::size_t requested = block.requested;
    copy_to_host(host.data(), static_cast<char*>(ptr) + requested, guard_bytes_);
    for (std::size_t i = 0; i < guard_bytes_; ++i)
      PIGMENT_CHECK(host[i] == kGuardPattern,
                    "guard bytes overwritten: {} bytes past the end of a {}-byte allocation at {} were changed (a "
                    "kernel wrote past its output)",
                    i, requested, ptr);
  }
}

void cuda_set_allocator_checks(Context& ctx, AllocatorChecks checks) {
  CudaContext& c = as_cuda(ctx);
  c.set_poison_allocations(checks.poison);
  c.set_guard_bytes(checks.guard_bytes);
}

void cuda_verify_allocator_guards(Context& ctx) { as_cuda(ctx).verify_guards(); }

void CudaContext::copy_to_host(void* host_dst, const void* src, std::size_t bytes) {
  if (!bytes) return;
  make_current();
  PIGMENT_CUDA_CHECK(cudaMemcpyAsync(host_dst, src, bytes, cudaMemcpyDeviceToHost, stream_));
  PIGMENT_CUDA_CHECK(cudaStreamSynchronize(stream_));
}

void CudaContext::copy_from_host(void* dst, const void* host_src, std::size_t bytes) {
  if (!bytes) return;
  make_current();
  // Pageable host memory: the copy has been staged when cudaMemcpyAsync returns, so the caller may
  // reuse its buffer at once.
  PIGMENT_CUDA_CHECK(cudaMemcpyAsync(dst, host_src, bytes, cudaMemcpyHostToDevice, stream_));
}

void CudaContext::copy_within(void* dst, const void* src, std::size_t bytes) {
  if (!bytes) return;
  PIGMENT_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, stream_));
}

void CudaContext::memset_zero(void* dst, std::size_t bytes) {
  if (!bytes) return;
  PIGMENT_CUDA_CHECK(cudaMemsetAsync(dst, 0, bytes, stream_));
}

void CudaContext::synchronize() { PIGMENT_CUDA_CHECK(cudaStreamSynchronize(stream_)); }

void* CudaContext::workspace(std::size_t bytes) {
  if (bytes > workspace_bytes_) {
    if (workspace_) {
      PIGMENT_CUDA_CHECK(cudaStreamSynchronize(stream_));
      void* old = std::exchange(workspace_, nullptr);
      workspace_bytes_ = 0;  // a failed grow below leaves no workspace, never a freed one
      PIGMENT_CUDA_CHECK(cudaFree(old));
    }
    make_current();
    cudaError_t status = cudaMalloc(&workspace_, bytes);
    if (status == cudaErrorMemoryAllocation) {
      (void)cudaGetLastError();
      std::lock_guard lock(mutex_);
      free_cached_blocks_locked();
      status = cudaMalloc(&workspace_, bytes);
    }
    if (status != cudaSuccess) {
      (void)cudaGetLastError();
      workspace_ = nullptr;
      PIGMENT_FAIL("CUDA out of memory allocating a {}-byte workspace on cuda:{}", bytes, device_index_);
    }
    workspace_bytes_ = bytes;
  }
  return workspace_;
}

void CudaContext::check_launch(const char* kernel_name, const char* file, int line) {
  const cudaError_t launch = cudaGetLastError();
  if (launch != cudaSuccess) detail::cuda_fail(kernel_name, launch, "kernel launch", file, line);
  if (options_.sync_after_each_kernel) {
    const cudaError_t run = cudaStreamSynchronize(stream_);
    if (run != cudaSuccess) detail::cuda_fail(kernel_name, run, "kernel execution (PIGMENT_CUDA_SYNC)", file, line);
  }
}

}  // namespace pigment
