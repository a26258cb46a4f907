#pragma once
// Bilinear upsampling by 2 (PyTorch's Upsample(scale_factor=2, mode='bilinear'),
// align_corners=False). Output pixel o samples source coordinate s = max(0, (o + ½)/2 − ½):
// rows i0 = ⌊s⌋ and i1 = min(i0 + 1, H − 1) mixed by λ = s − i0 (and the same along columns).
// Backward scatters each output gradient back with the same four weights.
#include "kernels/op.h"

namespace pigment {

Tensor upsample_bilinear2x(const Tensor& x);

template <> struct OpTraits<OpId::upsample_bilinear2x> { static constexpr bool has_cuda = false; };

// The two source indices and the weight of the second for output index o of an axis of `size`.
struct BilinearTap {
  std::int64_t i0, i1;
  double lambda;
};
BilinearTap bilinear2x_tap(std::int64_t o, std::int64_t size);

namespace cpu {
template <class T> void upsample_bilinear2x_forward(std::int64_t planes, std::int64_t h, std::int64_t w, const T* x, T* y);
template <class T> void upsample_bilinear2x_backward(std::int64_t planes, std::int64_t h, std::int64_t w, const T* dy, T* dx);
}  // namespace cpu

}  // namespace pigment
