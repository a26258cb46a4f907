#pragma once
// The CUDA backend's context: one stream on one GPU, its cuBLAS and cuDNN handles, a growable
// workspace and a caching allocator. In a SIMT build the same class runs on the harness's host
// implementation of the CUDA runtime (engine/simt/): its type is then DeviceType::simt. Everything a CUDA kernel needs comes from here; nothing is
// global. All work of a context runs on its one stream, so memory returned to the cache can be
// handed out again at once: later users are ordered after earlier ones on the same stream.
#include <cstddef>
#include <map>
#include <mutex>
#include <cstdint>
#include <string>

#include "engine/context.h"
#include "engine/cuda/cuda_check.h"
#include "engine/kernel_choice.h"
#include "engine/simt/options.h"

namespace pigment {

struct CudaOptions {
  // Synchronise after every kernel and check its status (also PIGMENT_CUDA_SYNC=1 in the
  // environment): slow, but a fault is reported at the op that caused it.
  bool sync_after_each_kernel = false;
  // Also PIGMENT_CONV_IMPL, PIGMENT_MATMUL_IMPL and PIGMENT_ATTENTION_IMPL in the environment.
  KernelChoice kernels;
  SimtOptions simt;  // how the SIMT harness runs the kernels (SIMT builds; a GPU ignores them)
};

class CudaContext final : public Context {
 public:
  CudaContext(int device_index, CudaOptions options);
  ~CudaContext() override;

  DeviceType type() const override { return PIGMENT_SIMT ? DeviceType::simt : DeviceType::cuda; }
  int index() const override { return device_index_; }

  void* allocate(std::size_t bytes) override;
  void deallocate(void* ptr, std::size_t bytes) noexcept override;
  AllocatorStats allocator_stats() const override;
  void reset_peak_bytes() override;
  // Returns every cached, unused block to the driver.
  void release_cached_memory();
  // Debugging aids (engine/device.h: AllocatorChecks).
  void set_poison_allocations(bool poison) { poison_ = poison; }
  void set_guard_bytes(std::size_t bytes);
  void verify_guards();

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

  const SimtOptions& simt_options() const { return options_.simt; }
  const KernelChoice& kernel_choice() const { return options_.kernels; }
  ConvImpl conv_impl() const { return options_.kernels.conv; }
  void set_kernel_choice(const KernelChoice& choice) {
    options_.kernels = choice;
    conv_choices_.clear();
  }
  // auto: the implementation measured fastest for a conv shape and pass ("fprop 1x256x64x64 …").
  const ConvImpl* conv_choice(const std::string& key) const {
    auto it = conv_choices_.find(key);
    return it == conv_choices_.end() ? nullptr : &it->second;
  }
  void set_conv_choice(const std::string& key, ConvImpl impl) { conv_choices_[key] = impl; }
  // Small per-shape decisions of library paths (e.g. a cuDNN algorithm), found once.
  const int* cached_int(const std::string& key) const {
    auto it = int_cache_.find(key);
    return it == int_cache_.end() ? nullptr : &it->second;
  }
  void set_cached_int(const std::string& key, int value) { int_cache_[key] = value; }

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
  std::map<std::string, ConvImpl> conv_choices_;
  std::map<std::string, int> int_cache_;
  bool poison_ = false;
  std::size_t guard_bytes_ = 0;
  // Every live allocation: its block's size (what it returns to the cache, which may exceed the
  // rounded request when a larger cached block was reused) and the bytes requested (where its
  // guard starts).
  struct LiveBlock {
    std::size_t block_bytes, requested;
  };
  std::map<void*, LiveBlock> live_;
  // Frees every cached block (caller holds mutex_).
  void free_cached_blocks_locked() noexcept;
};

}  // namespace pigment
