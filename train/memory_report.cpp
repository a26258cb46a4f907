#include "train/memory_report.h"

#include <sys/resource.h>

#include <fmt/format.h>

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

}  // namespace pigment::train
