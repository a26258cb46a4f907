#pragma once
// Bilinear upsampling by 2 (PyTorch's Upsample(scale_factor=2, mode='bilinear'),
// align_corners=False). Output pixel o samples source coordinate s = max(0, (o + ½)/2 − ½):
// rows i0 = ⌊s⌋ and i1 = min(i0 + 1, H − 1) mixed by λ = s − i0 (and the same along columns).
// Backward scatters each output gradient back with the same four weights.
#include "engine/host_device.h"
#include "kernels/op.h"

namespace pigment {

Tensor upsample_bilinear2x(const Tensor& x);

template <> struct OpTraits<OpId::upsample_bilinear2x> { static constexpr bool has_cuda = true; };

// The two source indices and the weight of the second for output index o of an axis of `size`.
// Shared by the CPU and CUDA kernels; s ≥ 0, so truncation is ⌊s⌋. λ is 0, ¼ or ¾.
struct BilinearTap {
  std::int64_t i0, i1;
  double lambda;
};
PIGMENT_HOST_DEVICE BilinearTap bilinear2x_tap(std::int64_t o, std::int64_t size) {
  double s = (static_cast<double>(o) + 0.5) / 2.0 - 0.5;
  if (s < 0.0) s = 0.0;
  std::int64_t i0 = static_cast<std::int64_t>(s);
  if (i0 > size - 1) i0 = size - 1;
  const std::int64_t i1 = i0 + 1 < size - 1 ? i0 + 1 : size - 1;
  return BilinearTap{i0, i1, s - static_cast<double>(i0)};
}

namespace cpu {
template <class T> void upsample_bilinear2x_forward(std::int64_t planes, std::int64_t h, std::int64_t w, const T* x, T* y);
template <class T> void upsample_bilinear2x_backward(std::int64_t planes, std::int64_t h, std::int64_t w, const T* dy, T* dx);
}  // namespace cpu

namespace cuda {
void upsample_bilinear2x_forward(CudaContext& ctx, std::int64_t planes, std::int64_t h, std::int64_t w, const float* x,
                                 float* y);
// A gather: each input pixel sums the output gradients whose taps touch it, with the taps' weights.
void upsample_bilinear2x_backward(CudaContext& ctx, std::int64_t planes, std::int64_t h, std::int64_t w,
                                  const float* dy, float* dx);
}  // namespace cuda

}  // namespace pigment
