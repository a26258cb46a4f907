#pragma once
// The element-wise kernels over n contiguous elements: arithmetic, activations and their
// derivatives, power, dropout's Philox mask, and the engine's fill. Each CUDA kernel has the
// contract of its CPU twin (float32 there). y may alias an input. The differentiable ops are in
// kernels/ops/pointwise.h. The CPU reference is defined at the end of this file.
#include <cmath>
#include <cstdint>

#include "engine/context.h"
#include "engine/dtype.h"
#include "engine/philox.h"
#include "kernels/cpu/elementwise.h"
#include "kernels/cpu/parallel.h"

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

// ---- The CPU reference: the contract's executable statement, in float and double --------------
namespace cpu {

template <class T> void add_forward(std::int64_t n, const T* a, const T* b, T* y) {
  map(n, a, b, y, [](T u, T v) { return u + v; });
}
template <class T> void sub_forward(std::int64_t n, const T* a, const T* b, T* y) {
  map(n, a, b, y, [](T u, T v) { return u - v; });
}
template <class T> void mul_forward(std::int64_t n, const T* a, const T* b, T* y) {
  map(n, a, b, y, [](T u, T v) { return u * v; });
}
template <class T> void scale_forward(std::int64_t n, const T* x, T alpha, T beta, T* y) {
  map(n, x, y, [alpha, beta](T v) { return alpha * v + beta; });
}

template <class T> void tanh_forward(std::int64_t n, const T* x, T* y) {
  map(n, x, y, [](T v) { return std::tanh(v); });
}
template <class T> void tanh_backward(std::int64_t n, const T* dy, const T* y, T* dx) {
  map(n, dy, y, dx, [](T g, T v) { return g * (T(1) - v * v); });
}
// σ(x) = 1 / (1 + e^{−x}), evaluated as e^{x} / (1 + e^{x}) for x < 0 so that e^{−x} never overflows.
template <class T> void sigmoid_forward(std::int64_t n, const T* x, T* y) {
  map(n, x, y, [](T v) {
    if (v >= T(0)) return T(1) / (T(1) + std::exp(-v));
    const T e = std::exp(v);
    return e / (T(1) + e);
  });
}
template <class T> void sigmoid_backward(std::int64_t n, const T* dy, const T* y, T* dx) {
  map(n, dy, y, dx, [](T g, T v) { return g * v * (T(1) - v); });
}

template <class T> void leaky_relu_forward(std::int64_t n, const T* x, T slope, T* y) {
  // slope 0 (ReLU) gives +0, not slope·v: 0·(−∞) would be NaN and 0·(−1) is −0. NaN stays NaN,
  // as in PyTorch: a diverged value must reach the loss, where the trainer's watch sees it.
  map(n, x, y, [slope](T v) { return v > T(0) ? v : (slope != T(0) ? slope * v : (v != v ? v : T(0))); });
}

template <class T> void leaky_relu_backward(std::int64_t n, const T* dy, const T* x, T slope, T* dx) {
  map(n, dy, x, dx, [slope](T g, T v) { return v > T(0) ? g : (slope != T(0) ? slope * g : T(0)); });
}

template <class T> void pow_forward(std::int64_t n, const T* x, T exponent, T* y) {
  if (exponent == T(0.5)) return map(n, x, y, [](T v) { return std::sqrt(v); });
  if (exponent == T(-0.5)) return map(n, x, y, [](T v) { return T(1) / std::sqrt(v); });
  map(n, x, y, [exponent](T v) { return std::pow(v, exponent); });
}

template <class T>
void dropout_forward(std::int64_t n, const T* x, float p, std::uint64_t seed, std::uint64_t offset, T* y) {
  const std::uint32_t threshold = philox::drop_threshold(p);
  const T keep_scale = p >= 1.0f ? T(0) : T(1) / (T(1) - static_cast<T>(p));
  // One Philox block gives the words of 4 consecutive elements (offsets are multiples of 4).
  const std::int64_t blocks = (n + 3) / 4;
  parallel_for(blocks, 64, [&](std::int64_t blk) {
    const philox::Block b = philox::block(seed, (offset >> 2) + static_cast<std::uint64_t>(blk));
    for (int lane = 0; lane < 4; ++lane) {
      const std::int64_t i = blk * 4 + lane;
      if (i >= n) break;
      y[i] = b.w[lane] >= threshold && p < 1.0f ? x[i] * keep_scale : T(0);
    }
  });
}

}  // namespace cpu

}  // namespace pigment
