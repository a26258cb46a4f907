// The transposed convolution is the data gradient of the convolution it transposes: the CPU
// reference runs the conv kernels with the roles of image and output swapped.
#include "kernels/raw/conv.h"

namespace pigment::cpu {

template <class T>
void conv_transpose2d_forward(const ConvGeometry& g, const T* x, const T* w, const T* bias, T* y, T* workspace) {
  conv2d_backward_data(g, x, w, y, workspace);
  if (bias)
    for (std::int64_t n = 0; n < g.n; ++n)
      for (std::int64_t c = 0; c < g.c; ++c) {
        T* plane = y + (n * g.c + c) * g.image_plane();
        for (std::int64_t q = 0; q < g.image_plane(); ++q) plane[q] += bias[c];
      }
}

template <class T>
void conv_transpose2d_forward_direct(const ConvGeometry& g, const T* x, const T* w, const T* bias, T* y) {
  for (std::int64_t n = 0; n < g.n; ++n)
    for (std::int64_t c = 0; c < g.c; ++c)
      for (std::int64_t q = 0; q < g.image_plane(); ++q) y[(n * g.c + c) * g.image_plane() + q] = bias ? bias[c] : T(0);
  // x is [n, k, oh, ow] (the conv's output side); w is [k, c, kh, kw].
  for (std::int64_t n = 0; n < g.n; ++n)
    for (std::int64_t k = 0; k < g.k; ++k)
      for (std::int64_t iy = 0; iy < g.oh; ++iy)
        for (std::int64_t ix = 0; ix < g.ow; ++ix) {
          const T v = x[((n * g.k + k) * g.oh + iy) * g.ow + ix];
          for (std::int64_t c = 0; c < g.c; ++c)
            for (std::int64_t i = 0; i < g.kh; ++i)
              for (std::int64_t j = 0; j < g.kw; ++j) {
                const std::int64_t oy = iy * g.stride - g.pad + i, ox = ix * g.stride - g.pad + j;
                if (oy < 0 || oy >= g.h || ox < 0 || ox >= g.w) continue;
                y[((n * g.c + c) * g.h + oy) * g.w + ox] += w[((k * g.c + c) * g.kh + i) * g.kw + j] * v;
              }
        }
}

#define PIGMENT_INSTANTIATE(T)                                                                         \
  template void conv_transpose2d_forward<T>(const ConvGeometry&, const T*, const T*, const T*, T*, T*);   \
  template void conv_transpose2d_forward_direct<T>(const ConvGeometry&, const T*, const T*, const T*, T*);
PIGMENT_INSTANTIATE(float)
PIGMENT_INSTANTIATE(double)
#undef PIGMENT_INSTANTIATE

}  // namespace pigment::cpu
