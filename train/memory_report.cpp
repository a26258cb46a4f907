#include "train/memory_report.h"

#include <sys/resource.h>

#include <algorithm>

#include <fmt/format.h>

#include <fstream>
#include <string>

#if PIGMENT_WITH_CUDA
#include "engine/cuda/cuda_context.h"
#endif

namespace pigment::train {

MemoryReport memory_report(const Device& device) {
  MemoryReport r;
  rusage usage{};
  if (getrusage(RUSAGE_SELF, &usage) == 0) r.host_peak_bytes = static_cast<double>(usage.ru_maxrss) * 1024.0;  // KiB
  const AllocatorStats stats = device.context().allocator_stats();
  r.tensors_peak_bytes = static_cast<double>(stats.peak_bytes_in_use);
  r.tensors_reserved_bytes = static_cast<double>(stats.bytes_reserved);
  return r;
}

std::string format_memory_report(const MemoryReport& r, const Device& device) {
  auto gb = [](double bytes) { return fmt::format("{:.2f} GB", bytes / 1e9); };
  return fmt::format("peak memory: host {} (process); tensors on {} {} at peak, {} reserved", gb(r.host_peak_bytes),
                     device.str(), gb(r.tensors_peak_bytes), gb(r.tensors_reserved_bytes));
}

double memory_available_bytes(const Device& device) {
  const AllocatorStats stats = device.context().allocator_stats();
  const double cached = static_cast<double>(stats.bytes_reserved - stats.bytes_in_use);
  if (device.is_cpu()) {
    std::ifstream meminfo("/proc/meminfo");
    std::string key;
    double kib = 0;
    while (meminfo >> key >> kib) {
      if (key == "MemAvailable:") return kib * 1024.0 + std::max(0.0, cached);
      meminfo.ignore(256, '\n');
    }
    return 0;
  }
#if PIGMENT_WITH_CUDA
  const double total = static_cast<double>(as_cuda(device.context()).properties().totalGlobalMem);
  return std::max(0.0, total - static_cast<double>(stats.bytes_in_use));
#else
  return 0;
#endif
}

}  // namespace pigment::train
