#pragma once
// The three implementations behind the CUDA convolution entry points of kernels/ops/conv.h, each
// computing the same three passes for a geometry g (kernels/cuda/conv2d.cu chooses among them):
//   custom  Pigment's implicit GEMM on TF32 tensor cores        (conv_custom.cu)
//   cudnn   cuDNN's legacy convolution API, algorithms found once per shape (conv_cudnn.cu)
//   gemm    an im2col kernel and cuBLAS SGEMM in TF32            (conv_gemm.cu)
#include "kernels/raw/conv.h"

namespace pigment::cuda {

// cuDNN is a closed library: the SIMT device cannot run it, so SIMT builds have no cuDNN path
// (conv_cudnn_simt.cpp refuses it by name) and auto selection does not time one.
inline constexpr bool kCudnnAvailable = !PIGMENT_SIMT;

void conv_fprop_custom(CudaContext& ctx, const ConvGeometry& g, const float* x, const float* w, const float* bias,
                       float* y);
void conv_dgrad_custom(CudaContext& ctx, const ConvGeometry& g, const float* dy, const float* w, const float* bias,
                       float* dx);
void conv_wgrad_custom(CudaContext& ctx, const ConvGeometry& g, const float* x, const float* dy, float* dw);

void conv_fprop_cudnn(CudaContext& ctx, const ConvGeometry& g, const float* x, const float* w, const float* bias,
                      float* y);
void conv_dgrad_cudnn(CudaContext& ctx, const ConvGeometry& g, const float* dy, const float* w, const float* bias,
                      float* dx);
void conv_wgrad_cudnn(CudaContext& ctx, const ConvGeometry& g, const float* x, const float* dy, float* dw);

void conv_fprop_gemm(CudaContext& ctx, const ConvGeometry& g, const float* x, const float* w, const float* bias,
                     float* y);
void conv_dgrad_gemm(CudaContext& ctx, const ConvGeometry& g, const float* dy, const float* w, const float* bias,
                     float* dx);
void conv_wgrad_gemm(CudaContext& ctx, const ConvGeometry& g, const float* x, const float* dy, float* dw);

// y[n, c, p] += bias[c] over planes of `plane` elements (the cuDNN and GEMM paths add the bias so).
void add_channel_bias(CudaContext& ctx, float* y, const float* bias, std::int64_t n, std::int64_t c,
                      std::int64_t plane);

}  // namespace pigment::cuda
