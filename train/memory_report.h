#pragma once
// The memory line gan-train and gan-test print at the end: the process's peak resident memory
// (getrusage's ru_maxrss: every host allocation, the CPU tensors, the libraries) and the peak of
// the device's tensors (its allocator's peak bytes in use), with what the allocator reserved.
#include <string>

#include "engine/device.h"

namespace pigment::train {

struct MemoryReport {
  double host_peak_bytes = 0;        // max resident set size of the process
  double tensors_peak_bytes = 0;     // peak bytes in use by the device's allocator
  double tensors_reserved_bytes = 0;  // held from the system now (in use or cached)
};

MemoryReport memory_report(const Device& device);
// "peak memory: host 3.47 GB (process); tensors on cpu 2.90 GB at peak, 1.10 GB reserved"
std::string format_memory_report(const MemoryReport& report, const Device& device);

// Memory a computation on `device` may still take, in bytes: for the CPU, /proc/meminfo's
// MemAvailable plus what the context's cache holds unused; for a CUDA device, its total memory
// less what this process's allocator holds in use. 0 when unknown.
double memory_available_bytes(const Device& device);

}  // namespace pigment::train
