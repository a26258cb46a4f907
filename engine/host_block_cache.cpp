#include "engine/host_block_cache.h"

#include <sys/mman.h>

#include <cstdlib>
#include <new>

namespace pigment {
namespace {
// 64 KiB granularity below 2 MiB, 2 MiB above (a transparent huge page: blocks that large are
// advised to use them, 512 times fewer page faults on first touch). A mapped page that is never
// touched is not resident, so the rounding costs address space, not memory.
constexpr std::size_t kHugePage = 2u << 20;

std::size_t block_size(std::size_t bytes) {
  const std::size_t unit = bytes < kHugePage ? HostBlockCache::kCachedMinimum : kHugePage;
  return (bytes + unit - 1) / unit * unit;
}

void* map_block(std::size_t bytes) {
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  if (bytes >= kHugePage) (void)madvise(p, bytes, MADV_HUGEPAGE);  // advice only: ignored where unsupported
  return p;
}
}  // namespace

HostBlockCache::~HostBlockCache() {
  release_cached();
  // Blocks still live belong to tensors that outlive their context (a bug elsewhere); leave them mapped.
}

void* HostBlockCache::allocate(std::size_t bytes) {
  if (bytes < kCachedMinimum) {
    const std::size_t rounded = bytes == 0 ? alignment_ : (bytes + alignment_ - 1) / alignment_ * alignment_;
    void* p = std::aligned_alloc(alignment_, rounded);
    if (!p) throw std::bad_alloc();
    stats_.system_allocations++;
    live_.emplace(p, 0);
    return p;
  }
  const std::size_t size = block_size(bytes);
  auto it = cached_by_size_.lower_bound(size);
  void* p = nullptr;
  std::size_t got = size;
  if (it != cached_by_size_.end() && it->first <= 2 * size) {  // a hit
    p = it->second.ptr;
    got = it->first;
    cached_by_age_.erase(it->second.age);
    cached_by_size_.erase(it);
    stats_.bytes_cached -= static_cast<std::int64_t>(got);
  } else {
    evict_at_least(size);
    p = map_block(size);
    stats_.system_allocations++;
  }
  live_.emplace(p, got);
  stats_.bytes_in_use += static_cast<std::int64_t>(got);
  return p;
}

void HostBlockCache::deallocate(void* ptr) noexcept {
  const auto it = live_.find(ptr);
  if (it == live_.end()) return;  // not ours: never happens for pointers from allocate
  const std::size_t size = it->second;
  live_.erase(it);
  if (size == 0) {
    std::free(ptr);
    return;
  }
  stats_.bytes_in_use -= static_cast<std::int64_t>(size);
  stats_.bytes_cached += static_cast<std::int64_t>(size);
  const std::uint64_t age = next_age_++;
  cached_by_age_.emplace(age, cached_by_size_.emplace(size, Cached{ptr, age}));
}

void HostBlockCache::unmap(BySize::iterator it) noexcept {
  munmap(it->second.ptr, it->first);
  stats_.bytes_cached -= static_cast<std::int64_t>(it->first);
  cached_by_size_.erase(it);
}

void HostBlockCache::evict_at_least(std::size_t bytes) noexcept {
  std::size_t freed = 0;
  while (freed < bytes && !cached_by_age_.empty()) {
    const auto oldest = cached_by_age_.begin();
    freed += oldest->second->first;
    unmap(oldest->second);
    cached_by_age_.erase(oldest);
  }
}

void HostBlockCache::release_cached() noexcept {
  for (auto it = cached_by_size_.begin(); it != cached_by_size_.end();) unmap(it++);
  cached_by_age_.clear();
}

}  // namespace pigment
