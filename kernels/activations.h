#pragma once
// Smooth activations. Their backward rules read the output y (saved detached), so they do not
// support double backward (gradient penalties run through discriminators, which use neither):
//   tanh(x):     dx = dy · (1 − y²)
//   sigmoid(x):  dx = dy · y · (1 − y)
// relu and leaky_relu are in kernels/leaky_relu.h.
#include "kernels/op.h"

namespace pigment {

Tensor tanh(const Tensor& x);
Tensor sigmoid(const Tensor& x);

template <> struct OpTraits<OpId::tanh> { static constexpr bool has_cuda = true; };
template <> struct OpTraits<OpId::sigmoid> { static constexpr bool has_cuda = true; };

namespace cpu {
template <class T> void tanh_forward(std::int64_t n, const T* x, T* y);
template <class T> void tanh_backward(std::int64_t n, const T* dy, const T* y, T* dx);
template <class T> void sigmoid_forward(std::int64_t n, const T* x, T* y);
template <class T> void sigmoid_backward(std::int64_t n, const T* dy, const T* y, T* dx);
}  // namespace cpu

namespace cuda {
void tanh_forward(CudaContext& ctx, std::int64_t n, const float* x, float* y);
void tanh_backward(CudaContext& ctx, std::int64_t n, const float* dy, const float* y, float* dx);
void sigmoid_forward(CudaContext& ctx, std::int64_t n, const float* x, float* y);
void sigmoid_backward(CudaContext& ctx, std::int64_t n, const float* dy, const float* y, float* dx);
}  // namespace cuda

}  // namespace pigment
