// Bilinear 2× upsampling on CUDA, one thread per element (flat grid-stride loop over all planes),
// with the taps of the CPU reference (bilinear2x_tap, kernels/ops/shape.h).
// Forward: each output pixel mixes its 2 × 2 source pixels.
// Backward as a gather, so it needs no atomics and is deterministic: input row iy is read only by
// output rows 2·iy − 1 … 2·iy + 2 (and likewise for columns), so each input pixel adds the ≤ 4 × 4
// output gradients around it, each times the weight its taps give to this pixel.
#include "kernels/cuda/common.cuh"
#include "kernels/raw/shape.h"

namespace pigment::cuda {

namespace {
struct UpsampleForward {
  std::int64_t h, w;
  const float* x;
  float* y;
  __device__ void operator()(std::int64_t i) const {
    const std::int64_t oh = 2 * h, ow = 2 * w;
    const std::int64_t ox = i % ow, rows = i / ow, oy = rows % oh, plane = rows / oh;
    const BilinearTap ty = bilinear2x_tap(oy, h), tx = bilinear2x_tap(ox, w);
    const float ly = static_cast<float>(ty.lambda), lx = static_cast<float>(tx.lambda);
    const float* in = x + plane * h * w;
    const float top = (1.0f - lx) * in[ty.i0 * w + tx.i0] + lx * in[ty.i0 * w + tx.i1];
    const float bottom = (1.0f - lx) * in[ty.i1 * w + tx.i0] + lx * in[ty.i1 * w + tx.i1];
    y[i] = (1.0f - ly) * top + ly * bottom;
  }
};

// The weight output index o of an axis of `size` gives to source index i: (1 − λ) through its
// first tap plus λ through its second (both when the edge clamps them to the same pixel).
__device__ float tap_weight(std::int64_t o, std::int64_t size, std::int64_t i) {
  const BilinearTap t = bilinear2x_tap(o, size);
  float weight = 0.0f;
  if (t.i0 == i) weight += static_cast<float>(1.0 - t.lambda);
  if (t.i1 == i) weight += static_cast<float>(t.lambda);
  return weight;
}

struct UpsampleBackward {
  std::int64_t h, w;
  const float* dy;
  float* dx;
  __device__ void operator()(std::int64_t i) const {
    const std::int64_t oh = 2 * h, ow = 2 * w;
    const std::int64_t ix = i % w, rows = i / w, iy = rows % h, plane = rows / h;
    // Output rows 2·iy − 1 + k and columns 2·ix − 1 + k, k < 4, where they exist.
    float col_weight[4];
#pragma unroll
    for (int k = 0; k < 4; ++k) {
      const std::int64_t ox = 2 * ix - 1 + k;
      col_weight[k] = ox >= 0 && ox < ow ? tap_weight(ox, w, ix) : 0.0f;
    }
    const float* g = dy + plane * oh * ow;
    float total = 0.0f;
#pragma unroll
    for (int a = 0; a < 4; ++a) {
      const std::int64_t oy = 2 * iy - 1 + a;
      if (oy < 0 || oy >= oh) continue;
      float row = 0.0f;
#pragma unroll
      for (int b = 0; b < 4; ++b) {
        const std::int64_t ox = 2 * ix - 1 + b;
        if (ox >= 0 && ox < ow) row += col_weight[b] * g[oy * ow + ox];
      }
      total += tap_weight(oy, h, iy) * row;
    }
    dx[i] = total;
  }
};
}  // namespace

void upsample_bilinear2x_forward(CudaContext& ctx, std::int64_t planes, std::int64_t h, std::int64_t w, const float* x,
                                 float* y) {
  for_each(ctx, "upsample_bilinear2x_forward", planes * 4 * h * w, UpsampleForward{h, w, x, y});
}

void upsample_bilinear2x_backward(CudaContext& ctx, std::int64_t planes, std::int64_t h, std::int64_t w,
                                  const float* dy, float* dx) {
  for_each(ctx, "upsample_bilinear2x_backward", planes * h * w, UpsampleBackward{h, w, dy, dx});
}

}  // namespace pigment::cuda
