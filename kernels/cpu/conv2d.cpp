// CPU reference convolution through im2col + GEMM, one image at a time; the seven-loop direct
// convolution below is the oracle the tests hold it to.
#include "kernels/raw/conv.h"


#include "kernels/cpu/gemm.h"
#include "kernels/cpu/im2col.h"

namespace pigment::cpu {

std::int64_t conv_workspace_elements(const ConvGeometry& g) {
  return im2col_is_identity(g) ? 0 : g.patch() * g.output_plane();
}

template <class T> T* conv_workspace(Context& ctx, const ConvGeometry& g) {
  return static_cast<T*>(
      static_cast<CpuContext&>(ctx).workspace(static_cast<std::size_t>(conv_workspace_elements(g)) * sizeof(T)));
}

template <class T> void conv2d_forward(const ConvGeometry& g, const T* x, const T* w, const T* bias, T* y, T* workspace) {
  const bool identity = im2col_is_identity(g);
  for (std::int64_t n = 0; n < g.n; ++n) {
    const T* image = x + n * g.c * g.image_plane();
    T* out = y + n * g.k * g.output_plane();
    if (!identity) im2col(g, image, workspace);
    const T* cols = identity ? image : workspace;
    // out[k, q] = Σ_r w[k, r] · cols[r, q]
    gemm<T>(Transpose::no, Transpose::no, g.k, g.output_plane(), g.patch(), T(1), w, g.patch(), cols,
            g.output_plane(), T(0), out, g.output_plane());
    if (bias)
      for (std::int64_t k = 0; k < g.k; ++k)
        for (std::int64_t q = 0; q < g.output_plane(); ++q) out[k * g.output_plane() + q] += bias[k];
  }
}

template <class T> void conv2d_backward_data(const ConvGeometry& g, const T* dy, const T* w, T* dx, T* workspace) {
  const bool identity = im2col_is_identity(g);
  for (std::int64_t n = 0; n < g.n; ++n) {
    const T* grad_out = dy + n * g.k * g.output_plane();
    T* grad_image = dx + n * g.c * g.image_plane();
    T* cols = identity ? grad_image : workspace;
    // dcol[r, q] = Σ_k w[k, r] · dy[k, q]
    gemm<T>(Transpose::yes, Transpose::no, g.patch(), g.output_plane(), g.k, T(1), w, g.patch(), grad_out,
            g.output_plane(), T(0), cols, g.output_plane());
    if (!identity) col2im(g, cols, grad_image);
  }
}

template <class T> void conv2d_backward_weight(const ConvGeometry& g, const T* x, const T* dy, T* dw, T* workspace) {
  const bool identity = im2col_is_identity(g);
  for (std::int64_t n = 0; n < g.n; ++n) {
    const T* image = x + n * g.c * g.image_plane();
    const T* grad_out = dy + n * g.k * g.output_plane();
    if (!identity) im2col(g, image, workspace);
    const T* cols = identity ? image : workspace;
    // dw[k, r] (+)= Σ_q dy[k, q] · col[r, q]
    gemm<T>(Transpose::no, Transpose::yes, g.k, g.patch(), g.output_plane(), T(1), grad_out, g.output_plane(), cols,
            g.output_plane(), n == 0 ? T(0) : T(1), dw, g.patch());
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
