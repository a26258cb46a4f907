#pragma once
// What the SIMT harness's own tests share: a SIMT device, device memory, and running a function as
// one CUDA thread. Included from CUDA sources (.cu) only.
#include <cstring>
#include <vector>

#include "engine/cuda/cuda_context.h"
#include "engine/cuda/launch.cuh"
#include "engine/device.h"
#include "kernels/ops/runner.h"

namespace pigment::simt_test {

#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kAddressSanitizer = true;
#else
inline constexpr bool kAddressSanitizer = false;
#endif

class Simt {
 public:
  explicit Simt(const SimtOptions& options = {}) : device_(Device::simt(options)) {}
  const Device& device() const { return device_; }
  CudaContext& ctx() const { return as_cuda(device_.context()); }

 private:
  Device device_;
};

// Device floats from the context's allocator, zeroed or copied from the host.
class DeviceFloats {
 public:
  DeviceFloats(const Simt& simt, std::size_t n) : ctx_(&simt.ctx()), n_(n) {
    data_ = static_cast<float*>(ctx_->allocate(bytes()));
    ctx_->memset_zero(data_, bytes());
  }
  DeviceFloats(const Simt& simt, const std::vector<float>& host) : ctx_(&simt.ctx()), n_(host.size()) {
    data_ = static_cast<float*>(ctx_->allocate(bytes()));
    ctx_->copy_from_host(data_, host.data(), bytes());
  }
  ~DeviceFloats() { ctx_->deallocate(data_, bytes()); }
  DeviceFloats(const DeviceFloats&) = delete;
  DeviceFloats& operator=(const DeviceFloats&) = delete;
  float* get() const { return data_; }
  const float* cget() const { return data_; }
  std::vector<float> read() const {
    std::vector<float> host(n_);
    ctx_->copy_to_host(host.data(), data_, bytes());
    return host;
  }

 private:
  std::size_t bytes() const { return n_ * sizeof(float); }
  CudaContext* ctx_;
  std::size_t n_;
  float* data_;
};

template <class F> __global__ void call_kernel(F f) { f(); }

// Runs f() as the one thread of a one-block launch (device intrinsics need a running kernel).
template <class F> void run_on_one_thread(const Simt& simt, F f) {
  cuda::launch(simt.ctx(), "run_on_one_thread", 1, 1, 0, call_kernel<F>, f);
}

}  // namespace pigment::simt_test
