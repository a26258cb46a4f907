// The CUDA runtime calls Pigment makes, implemented on the host for the SIMT device. The
// declarations are the CUDA toolkit's own (cuda_runtime_api.h), so these definitions are checked
// against the real API by the compiler.
//   - Device memory is host memory from posix_memalign, 256-byte aligned like cudaMalloc's. Every
//     block is registered, so copies and kernel arguments can be checked: a host pointer where the
//     GPU needs device memory (or the reverse) is an error here as it would be a fault there.
//   - A stream runs each operation to completion when it is issued: in order, trivially.
//     Synchronising does nothing; an event records the host clock.
//   - One device, "SIMT", with the properties of an H200 except the SM count of the stream's options.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>

#include <fmt/format.h>

#include "engine/error.h"
#include "engine/simt/context_hooks.h"
#include "engine/simt/harness.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#endif

struct CUstream_st {
  pigment::SimtOptions options;
  std::atomic<std::uint64_t> launches{0};
};

struct CUevent_st {
  double milliseconds = 0;
  bool recorded = false;
};

namespace pigment::simt {

namespace {
// The registry of device memory: base address → bytes.
class DeviceMemory {
 public:
  void add(const void* p, std::size_t bytes) {
    std::lock_guard lock(mutex_);
    blocks_[address(p)] = bytes;
  }
  bool remove(const void* p) {
    std::lock_guard lock(mutex_);
    return blocks_.erase(address(p)) == 1;
  }
  // True when [p, p + bytes) lies in one block (p may be one past its end when bytes is 0).
  bool contains(const void* p, std::size_t bytes) const {
    std::lock_guard lock(mutex_);
    const std::uintptr_t a = address(p);
    auto it = blocks_.upper_bound(a);
    if (it == blocks_.begin()) return false;
    --it;
    return a + bytes <= it->first + it->second;  // it->first ≤ a: the last block starting at or before a
  }

 private:
  static std::uintptr_t address(const void* p) { return reinterpret_cast<std::uintptr_t>(p); }
  mutable std::mutex mutex_;
  std::map<std::uintptr_t, std::size_t> blocks_;
};

DeviceMemory& device_memory() {
  // The one "GPU" of this process: its memory is process-wide, as a device's is, and outlives every
  // static context that frees into it at exit (so it is never destroyed).
  static DeviceMemory& memory = *new DeviceMemory;
  return memory;
}

const SimtOptions& default_options() {
  static const SimtOptions options;
  return options;
}

// The reason behind the last error a call of this thread returned, for cudaGetErrorString.
thread_local std::string t_error_detail;
thread_local cudaError_t t_error_status = cudaSuccess;

cudaError_t error(cudaError_t status, std::string detail) {
  t_error_status = status;
  t_error_detail = std::move(detail);
  return status;
}

const char* direction(cudaMemcpyKind kind) {
  switch (kind) {
    case cudaMemcpyHostToHost: return "HostToHost";
    case cudaMemcpyHostToDevice: return "HostToDevice";
    case cudaMemcpyDeviceToHost: return "DeviceToHost";
    case cudaMemcpyDeviceToDevice: return "DeviceToDevice";
    default: return "Default";
  }
}

double now_ms() {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
}  // namespace

bool is_device_memory(const void* p, std::size_t bytes) { return device_memory().contains(p, bytes); }

void check_device_pointer(const char* kernel, int argument, const void* p) {
  if (p && !device_memory().contains(p, 0))
    throw Error(fmt::format("SIMT: kernel '{}': argument {} ({}) is not device memory (a host pointer passed to a "
                            "kernel faults on a GPU)",
                            kernel, argument, p));
}

const SimtOptions& stream_options(cudaStream_t stream) { return stream ? stream->options : default_options(); }

std::uint64_t next_launch_number(cudaStream_t stream) {
  static std::atomic<std::uint64_t> default_stream_launches{0};
  return (stream ? stream->launches : default_stream_launches).fetch_add(1, std::memory_order_relaxed);
}

void configure_device(cudaStream_t stream, cudaDeviceProp& properties, const SimtOptions& options) {
  PIGMENT_CHECK(stream, "SIMT: configure_device needs the context's own stream");
  PIGMENT_CHECK(options.sm_count >= 1 && options.sm_count <= 1024, "SIMT: the SM count must be in 1..1024, got {}",
                options.sm_count);
  PIGMENT_CHECK(options.workers >= 1 && options.workers <= 256, "SIMT: workers must be in 1..256, got {}",
                options.workers);
  stream->options = options;
  properties.multiProcessorCount = options.sm_count;
}

void on_block_handed_out([[maybe_unused]] void* block, [[maybe_unused]] std::size_t usable,
                         [[maybe_unused]] std::size_t block_bytes) {
#if defined(__SANITIZE_ADDRESS__)
  ASAN_UNPOISON_MEMORY_REGION(block, usable);
  ASAN_POISON_MEMORY_REGION(static_cast<char*>(block) + usable, block_bytes - usable);
#endif
}

void on_block_cached([[maybe_unused]] void* block, [[maybe_unused]] std::size_t block_bytes) {
#if defined(__SANITIZE_ADDRESS__)
  ASAN_POISON_MEMORY_REGION(block, block_bytes);  // a kernel using a freed tensor is a use after free
#endif
}

}  // namespace pigment::simt

// ---- The runtime API ------------------------------------------------------------------------------------
using pigment::simt::device_memory;
using pigment::simt::error;

extern "C" {

cudaError_t cudaGetDeviceCount(int* count) {
  *count = 1;
  return cudaSuccess;
}

cudaError_t cudaSetDevice(int device) {
  return device == 0 ? cudaSuccess : error(cudaErrorInvalidDevice, fmt::format("device {}: the SIMT device is 0", device));
}

cudaError_t cudaGetDeviceProperties(cudaDeviceProp* p, int device) {
  if (device != 0) return error(cudaErrorInvalidDevice, fmt::format("device {}: the SIMT device is 0", device));
  *p = cudaDeviceProp{};
  std::snprintf(p->name, sizeof p->name, "SIMT (CUDA kernels on the CPU)");
  p->major = 9;
  p->minor = 0;
  p->multiProcessorCount = pigment::SimtOptions{}.sm_count;
  p->warpSize = 32;
  p->maxThreadsPerBlock = 1024;
  p->maxThreadsDim[0] = p->maxThreadsDim[1] = 1024;
  p->maxThreadsDim[2] = 64;
  p->maxGridSize[0] = 0x7FFFFFFF;
  p->maxGridSize[1] = p->maxGridSize[2] = 65535;
  p->sharedMemPerBlock = 48 * 1024;
  p->sharedMemPerBlockOptin = 227 * 1024;
  p->l2CacheSize = 50 * 1024 * 1024;
  p->totalGlobalMem = std::size_t{141} << 30;
  return cudaSuccess;
}

cudaError_t cudaGetLastError() { return cudaSuccess; }  // launches report faults by throwing
cudaError_t cudaPeekAtLastError() { return cudaSuccess; }

const char* cudaGetErrorName(cudaError_t status) {
  switch (status) {
    case cudaSuccess: return "cudaSuccess";
    case cudaErrorInvalidValue: return "cudaErrorInvalidValue";
    case cudaErrorMemoryAllocation: return "cudaErrorMemoryAllocation";
    case cudaErrorInvalidDevice: return "cudaErrorInvalidDevice";
    case cudaErrorInvalidMemcpyDirection: return "cudaErrorInvalidMemcpyDirection";
    case cudaErrorInvalidResourceHandle: return "cudaErrorInvalidResourceHandle";
    case cudaErrorNotSupported: return "cudaErrorNotSupported";
    default: return "cudaError (SIMT)";
  }
}

const char* cudaGetErrorString(cudaError_t status) {
  if (status == pigment::simt::t_error_status && !pigment::simt::t_error_detail.empty())
    return pigment::simt::t_error_detail.c_str();
  return status == cudaSuccess ? "no error" : "SIMT runtime error";
}

cudaError_t cudaMalloc(void** p, std::size_t bytes) {
  *p = nullptr;
  if (bytes == 0) return cudaSuccess;
  if (posix_memalign(p, 256, bytes) != 0) {
    *p = nullptr;
    return error(cudaErrorMemoryAllocation, fmt::format("out of host memory allocating {} bytes", bytes));
  }
  device_memory().add(*p, bytes);
  return cudaSuccess;
}

cudaError_t cudaFree(void* p) {
  if (!p) return cudaSuccess;
  if (!device_memory().remove(p))
    return error(cudaErrorInvalidValue, fmt::format("cudaFree({}): not a block from cudaMalloc", p));
  std::free(p);
  return cudaSuccess;
}

cudaError_t cudaMemcpyAsync(void* dst, const void* src, std::size_t bytes, cudaMemcpyKind kind, cudaStream_t) {
  if (bytes == 0) return cudaSuccess;
  const bool dst_device = device_memory().contains(dst, bytes), src_device = device_memory().contains(src, bytes);
  bool want_dst = dst_device, want_src = src_device;
  switch (kind) {
    case cudaMemcpyHostToHost: want_dst = want_src = false; break;
    case cudaMemcpyHostToDevice: want_dst = true, want_src = false; break;
    case cudaMemcpyDeviceToHost: want_dst = false, want_src = true; break;
    case cudaMemcpyDeviceToDevice: want_dst = want_src = true; break;
    case cudaMemcpyDefault: break;
    default: return error(cudaErrorInvalidMemcpyDirection, "cudaMemcpyAsync: unknown direction");
  }
  if (dst_device != want_dst || src_device != want_src)
    return error(cudaErrorInvalidValue,
                 fmt::format("cudaMemcpyAsync({}, {} bytes): the destination {} is {}device memory, the source {} is "
                             "{}device memory",
                             pigment::simt::direction(kind), bytes, dst, dst_device ? "" : "not ", src, src_device ? "" : "not "));
  std::memmove(dst, src, bytes);
  return cudaSuccess;
}

cudaError_t cudaMemsetAsync(void* dst, int value, std::size_t bytes, cudaStream_t) {
  if (bytes == 0) return cudaSuccess;
  if (!device_memory().contains(dst, bytes))
    return error(cudaErrorInvalidValue,
                 fmt::format("cudaMemsetAsync({}, {} bytes): not (all) device memory", dst, bytes));
  std::memset(dst, value, bytes);
  return cudaSuccess;
}

cudaError_t cudaStreamCreateWithFlags(cudaStream_t* stream, unsigned int) {
  *stream = new CUstream_st;
  return cudaSuccess;
}

cudaError_t cudaStreamDestroy(cudaStream_t stream) {
  delete stream;
  return cudaSuccess;
}

cudaError_t cudaStreamSynchronize(cudaStream_t) { return cudaSuccess; }  // work completes as it is issued
cudaError_t cudaDeviceSynchronize() { return cudaSuccess; }

cudaError_t cudaEventCreate(cudaEvent_t* event) {
  *event = new CUevent_st;
  return cudaSuccess;
}

cudaError_t cudaEventDestroy(cudaEvent_t event) {
  delete event;
  return cudaSuccess;
}

cudaError_t cudaEventRecord(cudaEvent_t event, cudaStream_t) {
  if (!event) return error(cudaErrorInvalidResourceHandle, "cudaEventRecord: null event");
  event->milliseconds = pigment::simt::now_ms();
  event->recorded = true;
  return cudaSuccess;
}

cudaError_t cudaEventSynchronize(cudaEvent_t event) {
  return event ? cudaSuccess : error(cudaErrorInvalidResourceHandle, "cudaEventSynchronize: null event");
}

cudaError_t cudaEventElapsedTime(float* ms, cudaEvent_t start, cudaEvent_t stop) {
  if (!start || !stop || !start->recorded || !stop->recorded)
    return error(cudaErrorInvalidResourceHandle, "cudaEventElapsedTime: an event was not recorded");
  *ms = static_cast<float>(stop->milliseconds - start->milliseconds);
  return cudaSuccess;
}

}  // extern "C"
