#include <algorithm>

#include "kernels/cpu/parallel.h"
#include "kernels/raw/shape.h"

namespace pigment {

namespace cpu {

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

#define PIGMENT_INSTANTIATE(T)                                                                              \
  template void upsample_bilinear2x_forward<T>(std::int64_t, std::int64_t, std::int64_t, const T*, T*);    \
  template void upsample_bilinear2x_backward<T>(std::int64_t, std::int64_t, std::int64_t, const T*, T*);
PIGMENT_INSTANTIATE(float)
PIGMENT_INSTANTIATE(double)
#undef PIGMENT_INSTANTIATE

}  // namespace cpu
}  // namespace pigment
