#include "kernels/cpu/im2col.h"

#include <algorithm>

#include "kernels/cpu/parallel.h"

namespace pigment::cpu {

namespace {
// The output columns [begin, end) whose input column ox·s − p + j lies inside [0, w).
struct ValidRange {
  std::int64_t begin, end;
};
ValidRange valid_columns(const ConvGeometry& g, std::int64_t j) {
  const std::int64_t offset = j - g.pad;  // input column of output column 0
  std::int64_t begin = offset >= 0 ? 0 : (-offset + g.stride - 1) / g.stride;
  std::int64_t end = offset >= g.w ? 0 : (g.w - 1 - offset) / g.stride + 1;
  begin = std::min(begin, g.ow);
  end = std::clamp(end, begin, g.ow);
  return {begin, end};
}
}  // namespace

template <class T> void im2col(const ConvGeometry& g, const T* image, T* col, std::int64_t oy0, std::int64_t oy1) {
  const std::int64_t rows = g.patch(), band = (oy1 - oy0) * g.ow;
  parallel_for(rows, band, [&](std::int64_t r) {
    const std::int64_t c = r / (g.kh * g.kw), i = (r / g.kw) % g.kh, j = r % g.kw;
    const T* plane = image + c * g.image_plane();
    T* out = col + r * band;
    const ValidRange cols = valid_columns(g, j);
    for (std::int64_t oy = oy0; oy < oy1; ++oy) {
      const std::int64_t y = oy * g.stride - g.pad + i;
      T* out_row = out + (oy - oy0) * g.ow;
      if (y < 0 || y >= g.h) {
        std::fill(out_row, out_row + g.ow, T(0));
        continue;
      }
      const T* in_row = plane + y * g.w;
      const std::int64_t offset = j - g.pad;  // output column ox reads input column ox·s + offset
      std::fill(out_row, out_row + cols.begin, T(0));
      if (g.stride == 1 && cols.end > cols.begin) {
        std::copy(in_row + cols.begin + offset, in_row + cols.end + offset, out_row + cols.begin);
      } else {
        for (std::int64_t ox = cols.begin; ox < cols.end; ++ox) out_row[ox] = in_row[ox * g.stride + offset];
      }
      std::fill(out_row + cols.end, out_row + g.ow, T(0));
    }
  });
}

template <class T> void col2im(const ConvGeometry& g, const T* col, T* image, std::int64_t oy0, std::int64_t oy1) {
  const std::int64_t band = (oy1 - oy0) * g.ow;
  // Parallel over channels: each channel's pixels receive only from that channel's rows.
  parallel_for(g.c, g.kh * g.kw * band, [&](std::int64_t c) {
    T* plane = image + c * g.image_plane();
    for (std::int64_t i = 0; i < g.kh; ++i)
      for (std::int64_t j = 0; j < g.kw; ++j) {
        const T* in = col + ((c * g.kh + i) * g.kw + j) * band;
        const ValidRange cols = valid_columns(g, j);
        for (std::int64_t oy = oy0; oy < oy1; ++oy) {
          const std::int64_t y = oy * g.stride - g.pad + i;
          if (y < 0 || y >= g.h) continue;
          T* out_row = plane + y * g.w;
          const T* in_row = in + (oy - oy0) * g.ow;
          const std::int64_t offset = j - g.pad;
          for (std::int64_t ox = cols.begin; ox < cols.end; ++ox) out_row[ox * g.stride + offset] += in_row[ox];
        }
      }
  });
}

template void im2col<float>(const ConvGeometry&, const float*, float*, std::int64_t, std::int64_t);
template void im2col<double>(const ConvGeometry&, const double*, double*, std::int64_t, std::int64_t);
template void col2im<float>(const ConvGeometry&, const float*, float*, std::int64_t, std::int64_t);
template void col2im<double>(const ConvGeometry&, const double*, double*, std::int64_t, std::int64_t);

}  // namespace pigment::cpu
