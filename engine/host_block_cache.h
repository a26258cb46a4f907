#pragma once
// The CPU context's allocator for tensor memory: large blocks come from mmap and are kept when a
// tensor is freed, to serve a later request of about the same size; small ones come from the
// system allocator.
//
// Why not malloc for everything: a training step frees and re-allocates the same few hundred
// activation sizes every step. glibc serves blocks below its (dynamic, up to 32 MiB) mmap threshold
// from its heaps and keeps what is freed there, fragmented; measured on the CycleGAN step of
// bench/cpu_steps.cpp, the process's resident memory was 180 MB above the tensors' peak (issue 12).
// Forcing mmap for every large block (MALLOC_MMAP_THRESHOLD_) removes that, but then every
// allocation pays its page faults again and the step ran 1.8× slower.
//
// The policy, and the bound it gives: a request takes the smallest cached block that fits if that
// block is at most twice its size (a hit: no system call, no page fault). On a miss, cached blocks
// are returned to the system, the least recently cached first, until at least the request's size
// has been returned (or nothing is cached), and then a new block is mapped. So the memory held
// (in use + cached) never grows by a miss while the cache could have paid for it: it stays at most
// the peak of the block bytes in use (a block is at most twice its request, rounded up to 64 KiB
// or 2 MiB; untouched pages of a block are not resident).
#include <cstddef>
#include <cstdint>
#include <map>
#include <unordered_map>

namespace pigment {

struct HostBlockCacheStats {
  std::int64_t system_allocations = 0;  // mmap or malloc calls
  std::int64_t bytes_in_use = 0;        // blocks handed out, at their block size
  std::int64_t bytes_cached = 0;        // blocks kept for reuse
};

// Not thread-safe: the owner (CpuContext) holds a mutex around every call.
class HostBlockCache {
 public:
  // Below this a request goes to the system allocator (aligned to `alignment`) and is not cached.
  static constexpr std::size_t kCachedMinimum = 64u << 10;

  explicit HostBlockCache(std::size_t alignment) : alignment_(alignment) {}
  ~HostBlockCache();
  HostBlockCache(const HostBlockCache&) = delete;
  HostBlockCache& operator=(const HostBlockCache&) = delete;

  // Returns memory for `bytes` (aligned to the alignment); throws std::bad_alloc.
  void* allocate(std::size_t bytes);
  // `ptr` must come from allocate; the block is cached (or freed if small).
  void deallocate(void* ptr) noexcept;
  // Returns every cached block to the system.
  void release_cached() noexcept;
  const HostBlockCacheStats& stats() const { return stats_; }

 private:
  struct Cached {
    void* ptr;
    std::uint64_t age;  // when it was cached: the order of eviction
  };
  using BySize = std::multimap<std::size_t, Cached>;
  void evict_at_least(std::size_t bytes) noexcept;
  void unmap(BySize::iterator it) noexcept;

  std::size_t alignment_;
  BySize cached_by_size_;
  std::map<std::uint64_t, BySize::iterator> cached_by_age_;
  std::uint64_t next_age_ = 0;
  std::unordered_map<void*, std::size_t> live_;  // block bytes of each pointer handed out (0: malloc'd)
  HostBlockCacheStats stats_;
};

}  // namespace pigment
