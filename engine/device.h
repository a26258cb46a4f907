#pragma once
// Device: a cheap, copyable handle to a device context — its allocator, its counters and, on CUDA,
// its stream and library handles. Device::cpu(), cuda(i) and simt() make a new context at each
// call, so a program makes its device once and passes it around. Two handles are the same device
// (==) when they share a context: tensors of one op must be, because two CUDA contexts of one GPU
// run on two streams that nothing orders. same_kind() compares only the type and index.
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "engine/context.h"
#include "engine/kernel_choice.h"
#include "engine/simt/options.h"

namespace pigment {

// True when this build contains the CUDA backend: compiled by nvcc for GPUs (PIGMENT_CUDA=ON or
// AUTO with nvcc found), or compiled as C++ for the SIMT harness (PIGMENT_CUDA=SIMT).
inline constexpr bool kCudaBuilt = PIGMENT_WITH_CUDA;
// True in SIMT builds: the CUDA backend runs on the CPU as the device "simt", and no GPU is used.
inline constexpr bool kSimtBuild = PIGMENT_SIMT;

class Device {
 public:
  // A fresh CPU context.
  static Device cpu();
  // A fresh CUDA context on GPU `index` (its own stream, handles and allocator). Throws with the
  // reason when the build has no CUDA backend or no such GPU exists.
  static Device cuda(int index = 0);
  // A fresh SIMT device: the CUDA backend's kernels run on the CPU by the SIMT harness (builds
  // configured with -DPIGMENT_CUDA=SIMT only; elsewhere it throws saying how to get one). Its
  // options come from the environment (engine/simt/options.h) unless given.
  static Device simt();
  static Device simt(const SimtOptions& options);
  // "cpu", "cuda", "cuda:N", "simt" or "auto" (CUDA when a GPU is present, else CPU).
  static Device parse(std::string_view spec);

  explicit Device(std::shared_ptr<Context> ctx);

  DeviceType type() const { return ctx_->type(); }
  int index() const { return ctx_->index(); }
  bool is_cpu() const { return type() == DeviceType::cpu; }
  // The CUDA backend: its kernels on a GPU, or on the CPU by the SIMT harness.
  bool is_cuda() const { return type() == DeviceType::cuda || type() == DeviceType::simt; }
  bool is_simt() const { return type() == DeviceType::simt; }
  Context& context() const { return *ctx_; }
  const std::shared_ptr<Context>& context_ptr() const { return ctx_; }
  std::string str() const { return ctx_->name(); }

  bool operator==(const Device& o) const { return ctx_ == o.ctx_; }
  bool operator!=(const Device& o) const { return !(*this == o); }
  // The same type and index ("cuda:0" and "cuda:0"), whichever contexts.
  bool same_kind(const Device& o) const { return type() == o.type() && index() == o.index(); }

 private:
  std::shared_ptr<Context> ctx_;
};

// Number of usable GPUs; 0 in a CPU-only or SIMT build, or when no driver or GPU is present.
int cuda_device_count();

// Debugging aids of a device's allocator. poison: every new allocation starts as NaN bytes, so an
// output element a kernel never wrote shows as NaN. guard_bytes (CUDA): that many bytes after
// every allocation are filled with a pattern that verify_allocator_guards checks, so a kernel
// writing past its output is caught.
struct AllocatorChecks {
  bool poison = false;
  std::size_t guard_bytes = 0;
};
void set_allocator_checks(const Device& device, AllocatorChecks checks);
// Throws, naming the allocation, if any live allocation's guard bytes were overwritten.
void verify_allocator_guards(const Device& device);

// The options a SIMT device runs its kernels with (throws for any other device).
const SimtOptions& simt_options(const Device& device);

// Which implementations the CUDA backend runs on `device` (engine/kernel_choice.h): cuDNN is
// refused on the SIMT device. The CPU backend has one implementation of each and ignores the
// choice; kernel_choice() returns the default there.
void set_kernel_choice(const Device& device, const KernelChoice& choice);
KernelChoice kernel_choice(const Device& device);

}  // namespace pigment
