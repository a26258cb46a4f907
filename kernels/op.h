#pragma once
// What every op header includes: tensors, autograd recording, and the dispatch from a tensor's
// device to the op's CPU kernel (templated on float/double) or its CUDA kernel (float).
#include <cstdint>

#include "engine/autograd.h"
#include "engine/op_registry.h"
#include "engine/tensor.h"

namespace pigment {

// Each op's header specialises OpTraits with what its kernels support. kernels/op_table.cpp
// checks at compile time that every op of the registry has one.
template <OpId op> struct OpTraits;

// Runs on_cpu.template operator()<T>() for CPU tensors, or on_cuda(CudaContext&) for CUDA
// tensors when the op has a CUDA kernel in this build. on_cuda must be a generic lambda
// (`[&](auto& ctx)`), so that CPU-only builds never instantiate its body.
template <OpId op, class CpuFn, class CudaFn>
void dispatch(const Tensor& like, CpuFn&& on_cpu, CudaFn&& on_cuda) {
  like.context().count_op(op);
  if (like.is_cpu()) {
    visit_dtype(like.dtype(), on_cpu);
    return;
  }
  if constexpr (kCudaBuilt && OpTraits<op>::has_cuda) {
    check_float32_on_cuda(op_name(op).data(), like);
    on_cuda(as_cuda(like.context()));
  } else {
    (void)on_cuda;
    PIGMENT_FAIL("{}: no CUDA kernel for this op in this build (tensor {}); run it on the CPU", op_name(op),
                 like.str());
  }
}

// For ops that have no CUDA kernel yet.
inline constexpr auto no_cuda_kernel = [](auto&) {};

// The data of an optional tensor, or null when it is undefined (absent bias, unneeded gradient).
template <class T> T* data_or_null(const Tensor& t) { return t.defined() ? t.data<T>() : nullptr; }

// Checks an optional per-channel vector (a norm's γ, β or running statistic) against the input's
// channel count: shape [C], same dtype and device.
inline void check_per_channel(const char* op, const Tensor& x, const Tensor& p, const char* what) {
  if (!p.defined()) return;
  check_same_dtype_device(op, x, p);
  PIGMENT_CHECK(p.shape() == Shape{x.dim(1)}, "{}: {} must be [{}] for input {}, got {}", op, what, x.dim(1),
                x.shape().str(), p.shape().str());
}

// The name of an op as a C string, for the check_* helpers.
constexpr const char* op_cname(OpId op) { return op_name(op).data(); }

}  // namespace pigment
