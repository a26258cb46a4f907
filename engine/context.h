#pragma once
// A device context owns everything a backend needs to run kernels: for the CPU its allocator,
// for CUDA the stream, the cuBLAS and cuDNN handles, the workspace and the caching allocator
// (engine/cuda/cuda_context.h). There is no global context: every tensor's storage holds a
// reference to the context it was allocated in, and an op runs in the context of its inputs.
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "engine/free_cores.h"
#include "engine/host_block_cache.h"

namespace pigment {

class CudaContext;  // engine/cuda/cuda_context.h: the CUDA backend's context (GPU or SIMT device)

// cuda: the CUDA backend on a GPU; simt: the same backend — the CUDA kernels' own source — run on
// the CPU by the SIMT harness (builds configured with -DPIGMENT_CUDA=SIMT; engine/simt/simt.h).
enum class DeviceType : std::uint8_t { cpu, cuda, simt };

// Counters every allocator keeps; tests use them to prove that steady-state training allocates
// nothing new from the system.
struct AllocatorStats {
  std::int64_t system_allocations = 0;  // malloc / cudaMalloc calls
  std::int64_t requests = 0;            // allocate() calls, cached or not
  std::int64_t bytes_in_use = 0;
  std::int64_t peak_bytes_in_use = 0;
  std::int64_t bytes_reserved = 0;      // held from the system, in use or cached
};

class Context {
 public:
  virtual ~Context() = default;
  Context() = default;
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  virtual DeviceType type() const = 0;
  virtual int index() const = 0;
  std::string name() const;  // "cpu", "cuda:0" or "simt"

  virtual void* allocate(std::size_t bytes) = 0;
  virtual void deallocate(void* ptr, std::size_t bytes) noexcept = 0;
  virtual AllocatorStats allocator_stats() const = 0;
  // Starts a new peak: peak_bytes_in_use becomes bytes_in_use (to measure one computation's peak).
  virtual void reset_peak_bytes() = 0;

  // Byte copies. `host` pointers are ordinary CPU memory; `device` pointers belong to this context.
  virtual void copy_to_host(void* host_dst, const void* src, std::size_t bytes) = 0;
  virtual void copy_from_host(void* dst, const void* host_src, std::size_t bytes) = 0;
  virtual void copy_within(void* dst, const void* src, std::size_t bytes) = 0;
  virtual void memset_zero(void* dst, std::size_t bytes) = 0;
  // Waits until all work queued in this context has finished.
  virtual void synchronize() = 0;

  // How many times each op's kernels ran in this context (every dispatch counts once). Tests use
  // it to prove work is skipped (a frozen network computes no weight gradients); benchmarks report
  // kernels per step.
  // Ops are counted by their index in the op registry (kernels/ops/registry.h, which checks that
  // it has no more ops than slots); op_count(ctx, OpId) reads one by name.
  static constexpr int kOpCounterSlots = 64;
  void count_op(int op_index) noexcept { op_counts_[static_cast<std::size_t>(op_index)].fetch_add(1, std::memory_order_relaxed); }
  std::int64_t op_count(int op_index) const {
    return op_counts_[static_cast<std::size_t>(op_index)].load(std::memory_order_relaxed);
  }
  void reset_op_counts() noexcept {
    for (auto& c : op_counts_) c.store(0, std::memory_order_relaxed);
    flops_.store(0, std::memory_order_relaxed);
  }
  // Floating-point operations (2 per multiply-add) of the matrix-product ops (convolutions,
  // transposed convolutions, weight gradients, matmul, attention) run in this context, for
  // benchmarks' FLOP/s.
  void add_flops(double flops) noexcept {
    auto current = flops_.load(std::memory_order_relaxed);
    while (!flops_.compare_exchange_weak(current, current + flops, std::memory_order_relaxed)) {
    }
  }
  double flops() const { return flops_.load(std::memory_order_relaxed); }

 private:
  std::array<std::atomic<std::int64_t>, kOpCounterSlots> op_counts_{};
  std::atomic<double> flops_{0};
};

// The CUDA context of a CUDA or SIMT tensor's context (throws for any other; CUDA builds only).
CudaContext& as_cuda(Context& ctx);

// The CPU reference backend's context: 64-byte aligned host memory, large blocks cached for reuse
// (engine/host_block_cache.h; AddressSanitizer builds: every block from malloc).
class CpuContext final : public Context {
 public:
  CpuContext();
  DeviceType type() const override { return DeviceType::cpu; }
  int index() const override { return 0; }
  void* allocate(std::size_t bytes) override;
  void deallocate(void* ptr, std::size_t bytes) noexcept override;
  AllocatorStats allocator_stats() const override;
  void reset_peak_bytes() override;
  void copy_to_host(void* host_dst, const void* src, std::size_t bytes) override;
  void copy_from_host(void* dst, const void* host_src, std::size_t bytes) override;
  void copy_within(void* dst, const void* src, std::size_t bytes) override;
  void memset_zero(void* dst, std::size_t bytes) override;
  void synchronize() override {}
  // Fill every new allocation with NaN bytes (0xFF…), so that a kernel reading an output element it
  // never wrote produces NaN instead of whatever the allocator had. The gradient checks run so.
  void set_poison_allocations(bool poison) { poison_ = poison; }
  // Scratch memory for a kernel (im2col columns), valid until the next call. A context runs one op
  // at a time, like a CUDA stream; threads that run ops concurrently use contexts of their own.
  void* workspace(std::size_t bytes);
  // Returns the cached blocks to the system (memory in use stays).
  void release_cached_memory();
  // Sets the calling thread's OpenMP thread count for the next op: the cores now free to the
  // process (engine/free_cores.h), or the fixed count given to set_thread_count. The op runner
  // calls it before every CPU kernel.
  void use_free_cores();
  // 0: follow the free cores (the default); n > 0: always n threads. PIGMENT_CPU_THREADS=fixed
  // (the ceiling) or =N sets it at creation.
  void set_thread_count(int threads) { fixed_threads_ = threads; }
  ~CpuContext() override;

 private:
  bool poison_ = false;
  int fixed_threads_ = 0;
  FreeCoreFollower free_cores_;
  HostBlockCache blocks_;
  void* workspace_ = nullptr;
  std::size_t workspace_bytes_ = 0;
  mutable std::mutex mutex_;  // data-loading threads allocate too
  AllocatorStats stats_;
};

}  // namespace pigment
