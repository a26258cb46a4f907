#pragma once
// A kernel's temporary device memory, from the context's caching allocator (so repeated steps
// allocate nothing new from the driver), returned when the buffer goes out of scope. Move-only.
#include <cstddef>
#include <utility>

#include "engine/cuda/cuda_context.h"

namespace pigment::cuda {

class DeviceBuffer {
 public:
  DeviceBuffer(CudaContext& ctx, std::size_t floats)
      : ctx_(&ctx), bytes_(floats * sizeof(float)), data_(static_cast<float*>(ctx.allocate(bytes_))) {}
  ~DeviceBuffer() {
    if (data_) ctx_->deallocate(data_, bytes_);
  }
  DeviceBuffer(DeviceBuffer&& o) noexcept : ctx_(o.ctx_), bytes_(o.bytes_), data_(std::exchange(o.data_, nullptr)) {}
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(DeviceBuffer&&) = delete;
  float* get() const { return data_; }

 private:
  CudaContext* ctx_;
  std::size_t bytes_;
  float* data_;
};

}  // namespace pigment::cuda
