// The custom convolution kernels: conv fprop, dgrad (= transposed-conv fprop) and wgrad as implicit
// GEMMs on the tensor-core engine of gemm_tc.cuh. The im2col matrix is never materialised: its
// tiles are gathered from the image as they are loaded, with zero padding read as zeros and
// reflection padding read from the mirrored pixel (the padded image is never written).
//
//   fprop  y[img,k,p]    : M = K out channels, N = images·OH·OW,  K = C·kh·kw   A = w,  B = im2col(x)
//   dgrad  dx[img,c,q]   : M = C,               N = images·H·W,   K = K·kh·kw   A = wᵀ, B = dy gathered
//   wgrad  dw[k,c·kh·kw] : M = K,               N = C·kh·kw,      K = images·OH·OW  A = dy, B = im2col(x)ᵀ
#include "kernels/conv2d.h"
#include "kernels/cuda/conv_impl.h"
#include "kernels/cuda/gemm_tc.cuh"
#include "kernels/reflection_pad2d.h"

namespace pigment::cuda {

namespace {
using gemm::Shape;

// x[img, c, iy, ix] for a padded-image coordinate (iy, ix): mirrored or zero outside the image.
__device__ __forceinline__ float image_pixel(const float* x, const ConvGeometry& g, std::int64_t img, std::int64_t c,
                                             std::int64_t iy, std::int64_t ix) {
  if (g.reflect) {
    iy = reflect_index(iy, g.h);
    ix = reflect_index(ix, g.w);
  } else if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) {
    return 0.0f;
  }
  return x[((img * g.c + c) * g.h + iy) * g.w + ix];
}

struct FpropLoader {
  static constexpr bool a_k_fastest = true, b_n_fastest = true;
  const float* x;
  const float* w;
  ConvGeometry g;
  __device__ float a(int, std::int64_t m, std::int64_t k) const { return w[m * g.patch() + k]; }
  __device__ float b(int, std::int64_t k, std::int64_t n) const {
    const std::int64_t c = k / (g.kh * g.kw), i = (k / g.kw) % g.kh, j = k % g.kw;
    const std::int64_t img = n / g.output_plane(), p = n % g.output_plane();
    return image_pixel(x, g, img, c, (p / g.ow) * g.stride - g.pad + i, (p % g.ow) * g.stride - g.pad + j);
  }
};

struct FpropEpilogue {
  float* y;
  const float* bias;
  ConvGeometry g;
  __device__ void store(int, std::int64_t m, std::int64_t n, float v) const {
    const std::int64_t img = n / g.output_plane(), p = n % g.output_plane();
    y[(img * g.k + m) * g.output_plane() + p] = bias ? v + bias[m] : v;
  }
};

struct DgradLoader {
  static constexpr bool a_k_fastest = true, b_n_fastest = true;
  const float* dy;
  const float* w;
  ConvGeometry g;
  // A(c, (ko, i, j)) = w[ko, c, i, j]
  __device__ float a(int, std::int64_t m, std::int64_t k) const {
    const std::int64_t ko = k / (g.kh * g.kw), ij = k % (g.kh * g.kw);
    return w[(ko * g.c + m) * g.kh * g.kw + ij];
  }
  // B((ko, i, j), (img, y, x)) = dy[img, ko, (y + P − i)/s, (x + P − j)/s] where that is an output pixel
  __device__ float b(int, std::int64_t k, std::int64_t n) const {
    const std::int64_t ko = k / (g.kh * g.kw), i = (k / g.kw) % g.kh, j = k % g.kw;
    const std::int64_t img = n / g.image_plane(), q = n % g.image_plane();
    const std::int64_t ty = q / g.w + g.pad - i, tx = q % g.w + g.pad - j;
    if (ty < 0 || tx < 0 || ty % g.stride != 0 || tx % g.stride != 0) return 0.0f;
    const std::int64_t oy = ty / g.stride, ox = tx / g.stride;
    if (oy >= g.oh || ox >= g.ow) return 0.0f;
    return dy[((img * g.k + ko) * g.oh + oy) * g.ow + ox];
  }
};

struct DgradEpilogue {
  float* dx;
  const float* bias;  // the transposed conv's bias, per image channel
  ConvGeometry g;
  __device__ void store(int, std::int64_t m, std::int64_t n, float v) const {
    const std::int64_t img = n / g.image_plane(), q = n % g.image_plane();
    dx[(img * g.c + m) * g.image_plane() + q] = bias ? v + bias[m] : v;
  }
};

struct WgradLoader {
  static constexpr bool a_k_fastest = true, b_n_fastest = false;
  const float* x;
  const float* dy;
  ConvGeometry g;
  __device__ float a(int, std::int64_t m, std::int64_t k) const {
    const std::int64_t img = k / g.output_plane(), p = k % g.output_plane();
    return dy[(img * g.k + m) * g.output_plane() + p];
  }
  __device__ float b(int, std::int64_t k, std::int64_t n) const {
    const std::int64_t img = k / g.output_plane(), p = k % g.output_plane();
    const std::int64_t c = n / (g.kh * g.kw), i = (n / g.kw) % g.kh, j = n % g.kw;
    return image_pixel(x, g, img, c, (p / g.ow) * g.stride - g.pad + i, (p % g.ow) * g.stride - g.pad + j);
  }
};

struct WgradEpilogue {
  float* dw;
  ConvGeometry g;
  __device__ void store(int, std::int64_t m, std::int64_t n, float v) const { dw[m * g.patch() + n] = v; }
};
}  // namespace

void conv_fprop_custom(CudaContext& ctx, const ConvGeometry& g, const float* x, const float* w, const float* bias,
                       float* y) {
  gemm::run(ctx, "conv_fprop_custom", Shape{g.k, g.n * g.output_plane(), g.patch()}, 1, FpropLoader{x, w, g},
            FpropEpilogue{y, bias, g});
}

void conv_dgrad_custom(CudaContext& ctx, const ConvGeometry& g, const float* dy, const float* w, const float* bias,
                       float* dx) {
  gemm::run(ctx, "conv_dgrad_custom", Shape{g.c, g.n * g.image_plane(), g.k * g.kh * g.kw}, 1, DgradLoader{dy, w, g},
            DgradEpilogue{dx, bias, g});
}

void conv_wgrad_custom(CudaContext& ctx, const ConvGeometry& g, const float* x, const float* dy, float* dw) {
  gemm::run(ctx, "conv_wgrad_custom", Shape{g.k, g.patch(), g.n * g.output_plane()}, 1, WgradLoader{x, dy, g},
            WgradEpilogue{dw, g});
}

}  // namespace pigment::cuda
