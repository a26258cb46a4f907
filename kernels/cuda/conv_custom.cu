// The custom convolution kernels: conv fprop, dgrad (= transposed-conv fprop) and wgrad as implicit
// GEMMs on the tensor-core engine of gemm_tc.cuh, with the operand loaders of conv_loaders.h. The
// im2col matrix is never materialised: its tiles are gathered from the image as they are loaded,
// zero padding read as zeros and reflection padding from the mirrored pixel. Strided dgrad runs
// as one GEMM per stride phase (batched in one launch), skipping the structural zeros.
#include "kernels/cuda/conv_impl.h"
#include "kernels/cuda/conv_loaders.h"
#include "kernels/cuda/gemm_tc.cuh"

namespace pigment::cuda {

namespace {
gemm::Shape shape_of(const conv::GemmDims& d) { return gemm::Shape{d.m, d.n, d.k}; }
}  // namespace

void conv_fprop_custom(CudaContext& ctx, const ConvGeometry& g, const float* x, const float* w, const float* bias,
                       float* y) {
  const conv::GemmDims d = conv::fprop_dims(g);
  gemm::run(ctx, "conv_fprop_custom", shape_of(d), d.batches, conv::FpropLoader{x, w, g},
            conv::FpropEpilogue{y, bias, g});
}

void conv_dgrad_custom(CudaContext& ctx, const ConvGeometry& g, const float* dy, const float* w, const float* bias,
                       float* dx) {
  if (g.stride == 1) {
    const conv::GemmDims d = conv::dgrad_dims(g);
    gemm::run(ctx, "conv_dgrad_custom", shape_of(d), d.batches, conv::DgradLoader{dy, w, g},
              conv::DgradEpilogue{dx, bias, g});
    return;
  }
  const conv::PhasedDgradShape phases = conv::phased_dgrad_shape(g);
  const conv::GemmDims d = conv::phased_dgrad_dims(g);
  gemm::run(ctx, "conv_dgrad_custom_phased", shape_of(d), d.batches, conv::PhasedDgradLoader{dy, w, g, phases},
            conv::PhasedDgradEpilogue{dx, bias, g, phases});
}

void conv_wgrad_custom(CudaContext& ctx, const ConvGeometry& g, const float* x, const float* dy, float* dw) {
  const conv::GemmDims d = conv::wgrad_dims(g);
  gemm::run(ctx, "conv_wgrad_custom", shape_of(d), d.batches, conv::WgradLoader{x, dy, g}, conv::WgradEpilogue{dw, g});
}

}  // namespace pigment::cuda
