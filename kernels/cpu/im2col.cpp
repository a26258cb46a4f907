#include "kernels/cpu/im2col.h"

#include <algorithm>

#include "kernels/cpu/parallel.h"

namespace pigment::cpu {

template <class T> void im2col(const ConvGeometry& g, const T* image, T* col) {
  const std::int64_t rows = g.patch();
  parallel_for(rows, g.output_plane(), [&](std::int64_t r) {
    const std::int64_t c = r / (g.kh * g.kw), i = (r / g.kw) % g.kh, j = r % g.kw;
    const T* plane = image + c * g.image_plane();
    T* out = col + r * g.output_plane();
    for (std::int64_t oy = 0; oy < g.oh; ++oy) {
      const std::int64_t y = oy * g.stride - g.pad + i;
      T* out_row = out + oy * g.ow;
      if (y < 0 || y >= g.h) {
        std::fill(out_row, out_row + g.ow, T(0));
        continue;
      }
      const T* in_row = plane + y * g.w;
      for (std::int64_t ox = 0; ox < g.ow; ++ox) {
        const std::int64_t x = ox * g.stride - g.pad + j;
        out_row[ox] = (x >= 0 && x < g.w) ? in_row[x] : T(0);
      }
    }
  });
}

template <class T> void col2im(const ConvGeometry& g, const T* col, T* image) {
  // Parallel over channels: each channel's pixels receive only from that channel's rows.
  parallel_for(g.c, g.kh * g.kw * g.output_plane(), [&](std::int64_t c) {
    T* plane = image + c * g.image_plane();
    std::fill(plane, plane + g.image_plane(), T(0));
    for (std::int64_t i = 0; i < g.kh; ++i)
      for (std::int64_t j = 0; j < g.kw; ++j) {
        const T* in = col + ((c * g.kh + i) * g.kw + j) * g.output_plane();
        for (std::int64_t oy = 0; oy < g.oh; ++oy) {
          const std::int64_t y = oy * g.stride - g.pad + i;
          if (y < 0 || y >= g.h) continue;
          T* out_row = plane + y * g.w;
          const T* in_row = in + oy * g.ow;
          for (std::int64_t ox = 0; ox < g.ow; ++ox) {
            const std::int64_t x = ox * g.stride - g.pad + j;
            if (x >= 0 && x < g.w) out_row[x] += in_row[ox];
          }
        }
      }
  });
}

template void im2col<float>(const ConvGeometry&, const float*, float*);
template void im2col<double>(const ConvGeometry&, const double*, double*);
template void col2im<float>(const ConvGeometry&, const float*, float*);
template void col2im<double>(const ConvGeometry&, const double*, double*);

}  // namespace pigment::cpu
