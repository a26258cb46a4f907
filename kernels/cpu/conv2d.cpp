// CPU reference convolution through im2col + GEMM, one image at a time; the seven-loop direct
// convolution below is the oracle the tests hold it to.
#include "kernels/raw/conv.h"

#include <algorithm>

#include "kernels/cpu/gemm.h"
#include "kernels/cpu/im2col.h"

namespace pigment::cpu {

// The im2col columns are made one band of output rows at a time, each band at most
// kBandElements (4 Mi) elements of scratch: 16 MiB in float32 whatever the image size, where one
// image's columns would be patch × oh·ow (the final 7×7 conv of a ResNet generator: 3136 × H·W,
// 7.4 GB at 768²). A band keeps at least one output row, so the GEMMs stay wide (N = rows·ow).
constexpr std::int64_t kBandElements = std::int64_t{1} << 22;

std::int64_t band_rows(const ConvGeometry& g) {
  return std::clamp<std::int64_t>(kBandElements / std::max<std::int64_t>(g.patch() * g.ow, 1), 1, g.oh);
}

std::int64_t conv_workspace_elements(const ConvGeometry& g) {
  return im2col_is_identity(g) ? 0 : g.patch() * band_rows(g) * g.ow;
}

template <class T> T* conv_workspace(Context& ctx, const ConvGeometry& g) {
  return static_cast<T*>(
      static_cast<CpuContext&>(ctx).workspace(static_cast<std::size_t>(conv_workspace_elements(g)) * sizeof(T)));
}

// Calls band(oy0, oy1) for the bands of output rows of g, in order.
template <class F> void for_each_band(const ConvGeometry& g, F band) {
  const std::int64_t rows = im2col_is_identity(g) ? g.oh : band_rows(g);
  for (std::int64_t oy0 = 0; oy0 < g.oh; oy0 += rows) band(oy0, std::min(oy0 + rows, g.oh));
}

template <class T> void conv2d_forward(const ConvGeometry& g, const T* x, const T* w, const T* bias, T* y, T* workspace) {
  const bool identity = im2col_is_identity(g);
  const std::int64_t q_all = g.output_plane();
  for (std::int64_t n = 0; n < g.n; ++n) {
    const T* image = x + n * g.c * g.image_plane();
    T* out = y + n * g.k * q_all;
    for_each_band(g, [&](std::int64_t oy0, std::int64_t oy1) {
      const std::int64_t q0 = oy0 * g.ow, q = (oy1 - oy0) * g.ow;
      if (!identity) im2col(g, image, workspace, oy0, oy1);
      // out[k, q0 + q'] = Σ_r w[k, r] · cols[r, q'] (cols of the band; the image itself for 1×1)
      const T* cols = identity ? image + q0 : workspace;
      gemm<T>(Transpose::no, Transpose::no, g.k, q, g.patch(), T(1), w, g.patch(), cols, identity ? q_all : q, T(0),
              out + q0, q_all);
    });
    if (bias)
      for (std::int64_t k = 0; k < g.k; ++k)
        for (std::int64_t p = 0; p < q_all; ++p) out[k * q_all + p] += bias[k];
  }
}

template <class T> void conv2d_backward_data(const ConvGeometry& g, const T* dy, const T* w, T* dx, T* workspace) {
  const bool identity = im2col_is_identity(g);
  const std::int64_t q_all = g.output_plane();
  for (std::int64_t n = 0; n < g.n; ++n) {
    const T* grad_out = dy + n * g.k * q_all;
    T* grad_image = dx + n * g.c * g.image_plane();
    if (identity) {  // dx[c, q] = Σ_k w[k, c] · dy[k, q]
      gemm<T>(Transpose::yes, Transpose::no, g.patch(), q_all, g.k, T(1), w, g.patch(), grad_out, q_all, T(0),
              grad_image, q_all);
      continue;
    }
    std::fill(grad_image, grad_image + g.c * g.image_plane(), T(0));
    for_each_band(g, [&](std::int64_t oy0, std::int64_t oy1) {
      const std::int64_t q0 = oy0 * g.ow, q = (oy1 - oy0) * g.ow;
      // dcol[r, q'] = Σ_k w[k, r] · dy[k, q0 + q'], then scattered back into the pixels it read
      gemm<T>(Transpose::yes, Transpose::no, g.patch(), q, g.k, T(1), w, g.patch(), grad_out + q0, q_all, T(0),
              workspace, q);
      col2im(g, workspace, grad_image, oy0, oy1);
    });
  }
}

template <class T> void conv2d_backward_weight(const ConvGeometry& g, const T* x, const T* dy, T* dw, T* workspace) {
  const bool identity = im2col_is_identity(g);
  const std::int64_t q_all = g.output_plane();
  bool first = true;
  for (std::int64_t n = 0; n < g.n; ++n) {
    const T* image = x + n * g.c * g.image_plane();
    const T* grad_out = dy + n * g.k * q_all;
    for_each_band(g, [&](std::int64_t oy0, std::int64_t oy1) {
      const std::int64_t q0 = oy0 * g.ow, q = (oy1 - oy0) * g.ow;
      if (!identity) im2col(g, image, workspace, oy0, oy1);
      const T* cols = identity ? image + q0 : workspace;
      // dw[k, r] (+)= Σ_q' dy[k, q0 + q'] · col[r, q']
      gemm<T>(Transpose::no, Transpose::yes, g.k, g.patch(), q, T(1), grad_out + q0, q_all, cols, identity ? q_all : q,
              first ? T(0) : T(1), dw, g.patch());
      first = false;
    });
  }
}

template <class T> void conv2d_forward_direct(const ConvGeometry& g, const T* x, const T* w, const T* bias, T* y) {
  for (std::int64_t n = 0; n < g.n; ++n)
    for (std::int64_t k = 0; k < g.k; ++k)
      for (std::int64_t oy = 0; oy < g.oh; ++oy)
        for (std::int64_t ox = 0; ox < g.ow; ++ox) {
          T sum = bias ? bias[k] : T(0);
          for (std::int64_t c = 0; c < g.c; ++c)
            for (std::int64_t i = 0; i < g.kh; ++i)
              for (std::int64_t j = 0; j < g.kw; ++j) {
                const std::int64_t iy = oy * g.stride - g.pad + i, ix = ox * g.stride - g.pad + j;
                if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) continue;
                sum += w[((k * g.c + c) * g.kh + i) * g.kw + j] * x[((n * g.c + c) * g.h + iy) * g.w + ix];
              }
          y[((n * g.k + k) * g.oh + oy) * g.ow + ox] = sum;
        }
}

#define PIGMENT_INSTANTIATE(T)                                                                           \
  template T* conv_workspace<T>(Context&, const ConvGeometry&);                                          \
  template void conv2d_forward<T>(const ConvGeometry&, const T*, const T*, const T*, T*, T*);            \
  template void conv2d_backward_data<T>(const ConvGeometry&, const T*, const T*, T*, T*);                \
  template void conv2d_backward_weight<T>(const ConvGeometry&, const T*, const T*, T*, T*);              \
  template void conv2d_forward_direct<T>(const ConvGeometry&, const T*, const T*, const T*, T*);
PIGMENT_INSTANTIATE(float)
PIGMENT_INSTANTIATE(double)
#undef PIGMENT_INSTANTIATE

}  // namespace pigment::cpu
