#include "engine/cuda/cuda_context.h"

#include <cstdlib>
#include <cstring>

#include "engine/device.h"
#include "kernels/op.h"

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
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    (void)cudaGetLastError();  // no driver or no device: clear the sticky error, report none
    return 0;
  }
  return n;
}

Device Device::cuda(int index) {
  const int count = cuda_device_count();
  PIGMENT_CHECK(count > 0,
                "no CUDA device is available (no NVIDIA driver, or no GPU visible to this process); use the CPU "
                "device (--device cpu)");
  PIGMENT_CHECK(index >= 0 && index < count, "CUDA device {} does not exist: this machine has {} (cuda:0..cuda:{})",
                index, count, count - 1);
  CudaOptions options;
  if (const char* env = std::getenv("PIGMENT_CUDA_SYNC")) options.sync_after_each_kernel = std::strcmp(env, "0") != 0;
  return Device(std::make_shared<CudaContext>(index, options));
}

CudaContext& as_cuda(Context& ctx) {
  PIGMENT_CHECK(ctx.type() == DeviceType::cuda, "expected a CUDA context, got {}", ctx.name());
  return static_cast<CudaContext&>(ctx);
}

// ---- CudaContext ----------------------------------------------------------------------------------------
namespace {
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
  PIGMENT_CUBLAS_CHECK(cublasCreate(&cublas_));
  PIGMENT_CUBLAS_CHECK(cublasSetStream(cublas_, stream_));
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

void* CudaContext::allocate(std::size_t bytes) {
  const std::size_t size = round_allocation(bytes);
  std::lock_guard lock(mutex_);
  stats_.requests++;
  // The smallest cached block that fits, if it wastes at most half of itself.
  auto it = free_blocks_.lower_bound(size);
  void* ptr = nullptr;
  if (it != free_blocks_.end() && it->first <= 2 * size) {
    ptr = it->second;
    stats_.bytes_in_use += static_cast<std::int64_t>(it->first);
    free_blocks_.erase(it);
  } else {
    make_current();
    cudaError_t status = cudaMalloc(&ptr, size);
    if (status == cudaErrorMemoryAllocation) {
      (void)cudaGetLastError();
      cudaStreamSynchronize(stream_);
      for (auto& [s, p] : free_blocks_) {
        cudaFree(p);
        stats_.bytes_reserved -= static_cast<std::int64_t>(s);
      }
      free_blocks_.clear();
      status = cudaMalloc(&ptr, size);
    }
    PIGMENT_CHECK(status == cudaSuccess, "CUDA out of memory allocating {} bytes on cuda:{} ({} bytes in use)", size,
                  device_index_, stats_.bytes_in_use);
    stats_.system_allocations++;
    stats_.bytes_reserved += static_cast<std::int64_t>(size);
    stats_.bytes_in_use += static_cast<std::int64_t>(size);
  }
  if (stats_.bytes_in_use > stats_.peak_bytes_in_use) stats_.peak_bytes_in_use = stats_.bytes_in_use;
  return ptr;
}

void CudaContext::deallocate(void* ptr, std::size_t bytes) noexcept {
  const std::size_t size = round_allocation(bytes);
  std::lock_guard lock(mutex_);
  free_blocks_.emplace(size, ptr);
  stats_.bytes_in_use -= static_cast<std::int64_t>(size);
}

AllocatorStats CudaContext::allocator_stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

void CudaContext::release_cached_memory() {
  synchronize();
  std::lock_guard lock(mutex_);
  for (auto& [size, ptr] : free_blocks_) {
    PIGMENT_CUDA_CHECK(cudaFree(ptr));
    stats_.bytes_reserved -= static_cast<std::int64_t>(size);
  }
  free_blocks_.clear();
}

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
      PIGMENT_CUDA_CHECK(cudaFree(workspace_));
    }
    make_current();
    PIGMENT_CUDA_CHECK(cudaMalloc(&workspace_, bytes));
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
