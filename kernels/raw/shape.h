#pragma once
// The kernels that move values without arithmetic on them (or with fixed weights): concatenation
// and split along one dimension, reflection padding and its adjoint, bilinear upsampling by 2 and
// its adjoint. The differentiable ops are kernels/ops/shape.h; the CPU
// reference is defined at the end of this file.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "engine/context.h"
#include "engine/host_device.h"
#include "kernels/cpu/parallel.h"

namespace pigment {

// The source index of padded coordinate i (in [−pad, size + pad)) of a dimension of `size`: the
// border is mirrored without repeating the edge (row −1 reads row 1, row H reads row H − 2).
// constexpr: CUDA kernels call it too, under --expt-relaxed-constexpr.
constexpr std::int64_t reflect_index(std::int64_t i, std::int64_t size) {
  if (i < 0) return -i;
  if (i >= size) return 2 * (size - 1) - i;
  return i;
}

// The two source indices and the weight of the second for output index o of an axis of `size`,
// bilinear by 2 with align_corners=False: s = max(0, (o + ½)/2 − ½), i0 = ⌊s⌋,
// i1 = min(i0 + 1, size − 1), λ = s − i0 (0, ¼ or ¾). Shared by the CPU and CUDA kernels.
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

// A max pooling's window: kernel × kernel, stride, padding on every side, output oh × ow.
struct MaxPool2dGeometry {
  int kernel = 3, stride = 2, padding = 1;
  std::int64_t oh = 0, ow = 0;
};

namespace cpu {
// A tensor seen as [outer, size_along_dim · inner]: each part contributes a contiguous run of
// sizes[i]·inner elements per outer index.
template <class T>
void concat_forward(std::int64_t outer, std::int64_t inner, const std::vector<std::int64_t>& sizes,
                    const std::vector<const T*>& parts, T* y);
template <class T>
void split_forward(std::int64_t outer, std::int64_t inner, const std::vector<std::int64_t>& sizes, const T* x,
                   const std::vector<T*>& parts);
// x [planes, h, w] → y [planes, h + 2p, w + 2p]; the backward adds each padded position's gradient
// into the pixel it mirrors.
template <class T> void reflection_pad2d_forward(std::int64_t planes, std::int64_t h, std::int64_t w, int pad, const T* x, T* y);
template <class T> void reflection_pad2d_backward(std::int64_t planes, std::int64_t h, std::int64_t w, int pad, const T* dy, T* dx);
// x [planes, h, w] → y [planes, 2h, 2w]; the backward scatters each output gradient back with the
// same four weights.
template <class T> void upsample_bilinear2x_forward(std::int64_t planes, std::int64_t h, std::int64_t w, const T* x, T* y);
template <class T> void upsample_bilinear2x_backward(std::int64_t planes, std::int64_t h, std::int64_t w, const T* dy, T* dx);

// Max pooling of each plane, square `kernel`, `stride`, zero-free `padding` (padded cells never win):
// y[oy, ox] = max over the window's pixels, argmax[oy, ox] = the winner's index in the plane (the
// first in row-major order among equals). Output oh = (h + 2p − k)/s + 1, ow likewise.
template <class T>
void max_pool2d_forward(std::int64_t planes, std::int64_t h, std::int64_t w, MaxPool2dGeometry g, const T* x, T* y,
                        T* argmax);
// dx[i] = Σ dy over the windows whose winner is pixel i.
template <class T>
void max_pool2d_backward(std::int64_t planes, std::int64_t h, std::int64_t w, MaxPool2dGeometry g, const T* dy,
                         const T* argmax, T* dx);
}  // namespace cpu

namespace cuda {
void concat_forward(CudaContext& ctx, std::int64_t outer, std::int64_t inner, const std::vector<std::int64_t>& sizes,
                    const std::vector<const float*>& parts, float* y);
void split_forward(CudaContext& ctx, std::int64_t outer, std::int64_t inner, const std::vector<std::int64_t>& sizes,
                   const float* x, const std::vector<float*>& parts);
void reflection_pad2d_forward(CudaContext& ctx, std::int64_t planes, std::int64_t h, std::int64_t w, int pad,
                              const float* x, float* y);
// A gather: each input pixel sums the gradients of the padded positions that read it.
void reflection_pad2d_backward(CudaContext& ctx, std::int64_t planes, std::int64_t h, std::int64_t w, int pad,
                               const float* dy, float* dx);
void upsample_bilinear2x_forward(CudaContext& ctx, std::int64_t planes, std::int64_t h, std::int64_t w, const float* x,
                                 float* y);
// A gather: each input pixel sums the output gradients whose taps touch it, with the taps' weights.
void upsample_bilinear2x_backward(CudaContext& ctx, std::int64_t planes, std::int64_t h, std::int64_t w,
                                  const float* dy, float* dx);
void max_pool2d_forward(CudaContext& ctx, std::int64_t planes, std::int64_t h, std::int64_t w, MaxPool2dGeometry g,
                        const float* x, float* y, float* argmax);
void max_pool2d_backward(CudaContext& ctx, std::int64_t planes, std::int64_t h, std::int64_t w, MaxPool2dGeometry g,
                         const float* dy, const float* argmax, float* dx);
}  // namespace cuda

// ---- The CPU reference: the contract's executable statement, in float and double --------------
namespace cpu {

template <class T>
void reflection_pad2d_forward(std::int64_t planes, std::int64_t h, std::int64_t w, int pad, const T* x, T* y) {
  const std::int64_t oh = h + 2 * pad, ow = w + 2 * pad;
  parallel_for(planes, oh * ow, [&](std::int64_t p) {
    const T* in = x + p * h * w;
    T* out = y + p * oh * ow;
    for (std::int64_t i = 0; i < oh; ++i) {
      const T* row = in + reflect_index(i - pad, h) * w;
      for (std::int64_t j = 0; j < ow; ++j) out[i * ow + j] = row[reflect_index(j - pad, w)];
    }
  });
}

template <class T>
void reflection_pad2d_backward(std::int64_t planes, std::int64_t h, std::int64_t w, int pad, const T* dy, T* dx) {
  const std::int64_t oh = h + 2 * pad, ow = w + 2 * pad;
  parallel_for(planes, oh * ow, [&](std::int64_t p) {
    const T* in = dy + p * oh * ow;
    T* out = dx + p * h * w;
    std::fill(out, out + h * w, T(0));
    for (std::int64_t i = 0; i < oh; ++i) {
      T* row = out + reflect_index(i - pad, h) * w;
      for (std::int64_t j = 0; j < ow; ++j) row[reflect_index(j - pad, w)] += in[i * ow + j];
    }
  });
}

template <class T>
void concat_forward(std::int64_t outer, std::int64_t inner, const std::vector<std::int64_t>& sizes,
                    const std::vector<const T*>& parts, T* y) {
  for (std::int64_t o = 0; o < outer; ++o)
    for (std::size_t i = 0; i < parts.size(); ++i) {
      const std::int64_t run = sizes[i] * inner;
      y = std::copy_n(parts[i] + o * run, run, y);
    }
}

template <class T>
void split_forward(std::int64_t outer, std::int64_t inner, const std::vector<std::int64_t>& sizes, const T* x,
                   const std::vector<T*>& parts) {
  for (std::int64_t o = 0; o < outer; ++o)
    for (std::size_t i = 0; i < parts.size(); ++i) {
      const std::int64_t run = sizes[i] * inner;
      std::copy_n(x, run, parts[i] + o * run);
      x += run;
    }
}

template <class T>
void upsample_bilinear2x_forward(std::int64_t planes, std::int64_t h, std::int64_t w, const T* x, T* y) {
  const std::int64_t oh = 2 * h, ow = 2 * w;
  parallel_for(planes, oh * ow, [&](std::int64_t p) {
    const T* in = x + p * h * w;
    T* out = y + p * oh * ow;
    for (std::int64_t oy = 0; oy < oh; ++oy) {
      const BilinearTap ty = bilinear2x_tap(oy, h);
      for (std::int64_t ox = 0; ox < ow; ++ox) {
        const BilinearTap tx = bilinear2x_tap(ox, w);
        const double top = (1 - tx.lambda) * in[ty.i0 * w + tx.i0] + tx.lambda * in[ty.i0 * w + tx.i1];
        const double bottom = (1 - tx.lambda) * in[ty.i1 * w + tx.i0] + tx.lambda * in[ty.i1 * w + tx.i1];
        out[oy * ow + ox] = static_cast<T>((1 - ty.lambda) * top + ty.lambda * bottom);
      }
    }
  });
}

template <class T>
void upsample_bilinear2x_backward(std::int64_t planes, std::int64_t h, std::int64_t w, const T* dy, T* dx) {
  const std::int64_t oh = 2 * h, ow = 2 * w;
  parallel_for(planes, oh * ow, [&](std::int64_t p) {
    const T* in = dy + p * oh * ow;
    T* out = dx + p * h * w;
    std::fill(out, out + h * w, T(0));
    for (std::int64_t oy = 0; oy < oh; ++oy) {
      const BilinearTap ty = bilinear2x_tap(oy, h);
      for (std::int64_t ox = 0; ox < ow; ++ox) {
        const BilinearTap tx = bilinear2x_tap(ox, w);
        const double g = static_cast<double>(in[oy * ow + ox]);
        out[ty.i0 * w + tx.i0] += static_cast<T>(g * (1 - ty.lambda) * (1 - tx.lambda));
        out[ty.i0 * w + tx.i1] += static_cast<T>(g * (1 - ty.lambda) * tx.lambda);
        out[ty.i1 * w + tx.i0] += static_cast<T>(g * ty.lambda * (1 - tx.lambda));
        out[ty.i1 * w + tx.i1] += static_cast<T>(g * ty.lambda * tx.lambda);
      }
    }
  });
}

template <class T>
void max_pool2d_forward(std::int64_t planes, std::int64_t h, std::int64_t w, MaxPool2dGeometry g, const T* x, T* y,
                        T* argmax) {
  parallel_for(planes, h * w, [&](std::int64_t p) {
    const T* in = x + p * h * w;
    for (std::int64_t oy = 0; oy < g.oh; ++oy)
      for (std::int64_t ox = 0; ox < g.ow; ++ox) {
        std::int64_t best = -1;
        for (std::int64_t i = 0; i < g.kernel; ++i)
          for (std::int64_t j = 0; j < g.kernel; ++j) {
            const std::int64_t iy = oy * g.stride - g.padding + i, ix = ox * g.stride - g.padding + j;
            if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
            if (best < 0 || in[iy * w + ix] > in[best]) best = iy * w + ix;
          }
        y[(p * g.oh + oy) * g.ow + ox] = in[best];
        argmax[(p * g.oh + oy) * g.ow + ox] = static_cast<T>(best);
      }
  });
}

template <class T>
void max_pool2d_backward(std::int64_t planes, std::int64_t h, std::int64_t w, MaxPool2dGeometry g, const T* dy,
                         const T* argmax, T* dx) {
  parallel_for(planes, h * w, [&](std::int64_t p) {
    T* out = dx + p * h * w;
    std::fill(out, out + h * w, T(0));
    for (std::int64_t o = 0; o < g.oh * g.ow; ++o)
      out[static_cast<std::int64_t>(argmax[p * g.oh * g.ow + o])] += dy[p * g.oh * g.ow + o];
  });
}

}  // namespace cpu

}  // namespace pigment
