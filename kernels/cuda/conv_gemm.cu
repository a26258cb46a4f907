// Convolution as im2col + cuBLAS SGEMM (TF32 tensor cores, the context's math mode), one image at a
// time so that the column buffer stays one image's size. cuBLAS is column-major: the row-major
// product C = op(A)·op(B) is computed as the column-major Cᵀ = op(B)ᵀ·op(A)ᵀ.
#include "kernels/cuda/common.cuh"
#include "kernels/cuda/conv_impl.h"

namespace pigment::cuda {

namespace {
void sgemm_row_major(CudaContext& ctx, bool ta, bool tb, std::int64_t m, std::int64_t n, std::int64_t k, float alpha,
                     const float* a, std::int64_t lda, const float* b, std::int64_t ldb, float beta, float* c,
                     std::int64_t ldc) {
  PIGMENT_CUBLAS_CHECK(cublasSgemm(ctx.cublas(), tb ? CUBLAS_OP_T : CUBLAS_OP_N, ta ? CUBLAS_OP_T : CUBLAS_OP_N,
                                   static_cast<int>(n), static_cast<int>(m), static_cast<int>(k), &alpha, b,
                                   static_cast<int>(ldb), a, static_cast<int>(lda), &beta, c, static_cast<int>(ldc)));
}

// col[(c·kh + i)·kw + j][oy·ow + ox] = image[c, oy·s − p + i, ox·s − p + j] (0 outside)
struct Im2col {
  const float* image;
  float* col;
  ConvGeometry g;
  __device__ void operator()(std::int64_t e) const {
    const std::int64_t r = e / g.output_plane(), q = e % g.output_plane();
    const std::int64_t c = r / (g.kh * g.kw), i = (r / g.kw) % g.kh, j = r % g.kw;
    const std::int64_t y = (q / g.ow) * g.stride - g.pad + i, x = (q % g.ow) * g.stride - g.pad + j;
    col[e] = (y >= 0 && y < g.h && x >= 0 && x < g.w) ? image[(c * g.h + y) * g.w + x] : 0.0f;
  }
};

// image[c, y, x] = Σ_{i,j} col[(c, i, j)][(y + p − i)/s, (x + p − j)/s] over the terms that exist:
// a gather, so every pixel is written by one thread and the sum order is fixed.
struct Col2im {
  const float* col;
  float* image;
  ConvGeometry g;
  __device__ void operator()(std::int64_t e) const {
    const std::int64_t c = e / g.image_plane(), q = e % g.image_plane(), y = q / g.w, x = q % g.w;
    float sum = 0.0f;
    for (std::int64_t i = 0; i < g.kh; ++i) {
      const std::int64_t ty = y + g.pad - i;
      if (ty < 0 || ty % g.stride != 0 || ty / g.stride >= g.oh) continue;
      for (std::int64_t j = 0; j < g.kw; ++j) {
        const std::int64_t tx = x + g.pad - j;
        if (tx < 0 || tx % g.stride != 0 || tx / g.stride >= g.ow) continue;
        sum += col[((c * g.kh + i) * g.kw + j) * g.output_plane() + (ty / g.stride) * g.ow + tx / g.stride];
      }
    }
    image[e] = sum;
  }
};

struct ChannelBias {
  float* y;
  const float* bias;
  std::int64_t c, plane;
  __device__ void operator()(std::int64_t e) const { y[e] += bias[(e / plane) % c]; }
};

float* column_buffer(CudaContext& ctx, const ConvGeometry& g) {
  return static_cast<float*>(ctx.workspace(static_cast<std::size_t>(g.patch() * g.output_plane()) * sizeof(float)));
}
}  // namespace

void add_channel_bias(CudaContext& ctx, float* y, const float* bias, std::int64_t n, std::int64_t c,
                      std::int64_t plane) {
  if (bias) for_each(ctx, "add_channel_bias", n * c * plane, ChannelBias{y, bias, c, plane});
}

void conv_fprop_gemm(CudaContext& ctx, const ConvGeometry& g, const float* x, const float* w, const float* bias,
                     float* y) {
  float* col = column_buffer(ctx, g);
  for (std::int64_t n = 0; n < g.n; ++n) {
    const float* image = x + n * g.c * g.image_plane();
    for_each(ctx, "im2col", g.patch() * g.output_plane(), Im2col{image, col, g});
    // y[n] (k × q) = w (k × patch) · col (patch × q)
    sgemm_row_major(ctx, false, false, g.k, g.output_plane(), g.patch(), 1.0f, w, g.patch(), col, g.output_plane(),
                    0.0f, y + n * g.k * g.output_plane(), g.output_plane());
  }
  add_channel_bias(ctx, y, bias, g.n, g.k, g.output_plane());
}

void conv_dgrad_gemm(CudaContext& ctx, const ConvGeometry& g, const float* dy, const float* w, const float* bias,
                     float* dx) {
  float* col = column_buffer(ctx, g);
  for (std::int64_t n = 0; n < g.n; ++n) {
    // dcol (patch × q) = wᵀ (patch × k) · dy[n] (k × q)
    sgemm_row_major(ctx, true, false, g.patch(), g.output_plane(), g.k, 1.0f, w, g.patch(),
                    dy + n * g.k * g.output_plane(), g.output_plane(), 0.0f, col, g.output_plane());
    for_each(ctx, "col2im", g.c * g.image_plane(), Col2im{col, dx + n * g.c * g.image_plane(), g});
  }
  add_channel_bias(ctx, dx, bias, g.n, g.c, g.image_plane());
}

void conv_wgrad_gemm(CudaContext& ctx, const ConvGeometry& g, const float* x, const float* dy, float* dw) {
  float* col = column_buffer(ctx, g);
  for (std::int64_t n = 0; n < g.n; ++n) {
    for_each(ctx, "im2col", g.patch() * g.output_plane(), Im2col{x + n * g.c * g.image_plane(), col, g});
    // dw (k × patch) (+)= dy[n] (k × q) · colᵀ (q × patch)
    sgemm_row_major(ctx, false, true, g.k, g.patch(), g.output_plane(), 1.0f, dy + n * g.k * g.output_plane(),
                    g.output_plane(), col, g.output_plane(), n == 0 ? 0.0f : 1.0f, dw, g.patch());
  }
}

}  // namespace pigment::cuda
