#pragma once
// The CUDA backend's context: one stream on one GPU, its cuBLAS and cuDNN handles, a growable
// workspace and a caching allocator. Everything a CUDA kernel needs comes from here; nothing is
// global. All work of a context runs on its one stream, so memory returned to the cache can be
// handed out again at once: later users are ordered after earlier ones on the same stream.
#include <cstddef>
#include <map>
#include <mutex>
#include <string>

#include "engine/context.h"
#include "engine/cuda/cuda_check.h"

namespace pigment {

struct CudaOptions {
  // Synchronise after every kernel and check its status (also PIGMENT_CUDA_SYNC=1 in the
  // environment): slow, but a fault is reported at the op that caused it.
  bool sync_after_each_kernel = false;
};

class CudaContext final : public Context {
 public:
  CudaContext(int device_index, CudaOptions options);
  ~CudaContext() override;

  DeviceType type() const override { return DeviceType::cuda; }
  int index() const override { return device_index_; }

  void* allocate(std::size_t bytes) override;
  void deallocate(void* ptr, std::size_t bytes) noexcept override;
  AllocatorStats allocator_stats() const override;
  // Returns every cached, unused block to the driver.
  void release_cached_memory();

  void copy_to_host(void* host_dst, const void* src, std::size_t bytes) override;
  void copy_from_host(void* dst, const void* host_src, std::size_t bytes) override;
  void copy_within(void* dst, const void* src, std::size_t bytes) override;
  void memset_zero(void* dst, std::size_t bytes) override;
  void synchronize() override;

  cudaStream_t stream() const { return stream_; }
  cublasHandle_t cublas() const { return cublas_; }
  cudnnHandle_t cudnn() const { return cudnn_; }
  const cudaDeviceProp& properties() const { return properties_; }
  int sm_count() const { return properties_.multiProcessorCount; }
  // Scratch memory valid until the next call (one stream: no two kernels use it at once).
  void* workspace(std::size_t bytes);
  bool sync_after_each_kernel() const { return options_.sync_after_each_kernel; }
  void check_launch(const char* kernel_name, const char* file, int line);

 private:
  void make_current() const;

  int device_index_;
  CudaOptions options_;
  cudaDeviceProp properties_{};
  cudaStream_t stream_ = nullptr;
  cublasHandle_t cublas_ = nullptr;
  cudnnHandle_t cudnn_ = nullptr;

  mutable std::mutex mutex_;
  std::multimap<std::size_t, void*> free_blocks_;  // rounded size → cached block
  AllocatorStats stats_;
  void* workspace_ = nullptr;
  std::size_t workspace_bytes_ = 0;
};

}  // namespace pigment
