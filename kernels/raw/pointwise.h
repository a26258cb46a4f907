#pragma once
// The element-wise kernels over n contiguous elements: arithmetic, activations and their
// derivatives, power, dropout's Philox mask, and the engine's fill. Each CUDA kernel has the
// contract of its CPU twin (float32 there). y may alias an input. The differentiable ops are in
// kernels/ops/pointwise.h, activations.h, leaky_relu.h, pow.h and dropout.h.
#include <cstdint>

#include "engine/context.h"
#include "engine/dtype.h"

namespace pigment {

namespace cpu {
template <class T> void add_forward(std::int64_t n, const T* a, const T* b, T* y);  // y = a + b
template <class T> void sub_forward(std::int64_t n, const T* a, const T* b, T* y);  // y = a − b
template <class T> void mul_forward(std::int64_t n, const T* a, const T* b, T* y);  // y = a ⊙ b
template <class T> void scale_forward(std::int64_t n, const T* x, T alpha, T beta, T* y);  // y = α·x + β

template <class T> void tanh_forward(std::int64_t n, const T* x, T* y);
template <class T> void tanh_backward(std::int64_t n, const T* dy, const T* y, T* dx);  // dx = dy·(1 − y²)
template <class T> void sigmoid_forward(std::int64_t n, const T* x, T* y);
template <class T> void sigmoid_backward(std::int64_t n, const T* dy, const T* y, T* dx);  // dx = dy·y·(1 − y)
// y = x > 0 ? x : slope·x;  dx = dy·(x > 0 ? 1 : slope)
template <class T> void leaky_relu_forward(std::int64_t n, const T* x, T slope, T* y);
template <class T> void leaky_relu_backward(std::int64_t n, const T* dy, const T* x, T slope, T* dx);
template <class T> void pow_forward(std::int64_t n, const T* x, T exponent, T* y);  // y = x^e

// y = x·mask/(1 − p): element i kept when word offset + i of the Philox stream with key `seed`
// is at least p·2³² (an integer test, so both devices draw the same mask).
template <class T>
void dropout_forward(std::int64_t n, const T* x, float p, std::uint64_t seed, std::uint64_t offset, T* y);
}  // namespace cpu

namespace cuda {
void add_forward(CudaContext& ctx, std::int64_t n, const float* a, const float* b, float* y);
void sub_forward(CudaContext& ctx, std::int64_t n, const float* a, const float* b, float* y);
void mul_forward(CudaContext& ctx, std::int64_t n, const float* a, const float* b, float* y);
void scale_forward(CudaContext& ctx, std::int64_t n, const float* x, float alpha, float beta, float* y);

void tanh_forward(CudaContext& ctx, std::int64_t n, const float* x, float* y);
void tanh_backward(CudaContext& ctx, std::int64_t n, const float* dy, const float* y, float* dx);
void sigmoid_forward(CudaContext& ctx, std::int64_t n, const float* x, float* y);
void sigmoid_backward(CudaContext& ctx, std::int64_t n, const float* dy, const float* y, float* dx);
void leaky_relu_forward(CudaContext& ctx, std::int64_t n, const float* x, float slope, float* y);
void leaky_relu_backward(CudaContext& ctx, std::int64_t n, const float* dy, const float* x, float slope, float* dx);
void pow_forward(CudaContext& ctx, std::int64_t n, const float* x, float exponent, float* y);

// The same mask as cpu::dropout_forward for the same (seed, offset), bit for bit.
void dropout_forward(CudaContext& ctx, std::int64_t n, const float* x, float p, std::uint64_t seed,
                     std::uint64_t offset, float* y);

// dst[i] = value for n elements of dtype (float32, or float64: the CUDA backend stores only those).
void fill(CudaContext& ctx, void* dst, std::int64_t n, double value, DType dtype);
}  // namespace cuda

}  // namespace pigment
