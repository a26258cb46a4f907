#pragma once
// The operand loaders and epilogues that turn a convolution pass into the implicit GEMM of
// gemm_tc.cuh (the contract is there: a(batch, m, k), b(batch, k, n) or the column form of
// gemm_contract.h, store(batch, m, n, v)).
// They are host-and-device code on purpose: tests/test_conv_loaders.cpp drives them through a
// plain host GEMM and compares with the CPU reference, so their index arithmetic is verified on
// machines without a GPU.
//
//   fprop   y[img,k,p]    M = K out channels, N = images·OH·OW, K = C·kh·kw       A = w,  B = im2col(x)
//   dgrad   dx[img,c,q]   M = C,  N = images·H·W,  K = K·kh·kw                     A = wᵀ, B = dy gathered
//   dgrad, stride s > 1, by phases: the image pixels (py + s·u, px + s·v) of phase (py, px) only
//           meet the kernel taps i ≡ py + P, j ≡ px + P (mod s), so each of the s² phases is a dense
//           GEMM with K = K·⌈kh/s⌉·⌈kw/s⌉ — no multiply-adds on the structural zeros that the
//           one-GEMM form spends (1 − 1/s²) of its work on. The phases are the GEMM's batches.
//   wgrad   dw[k,c·kh·kw] M = K,  N = C·kh·kw,  K = images·OH·OW                   A = dy, B = im2col(x)ᵀ
#include <cstdint>

#include "engine/host_device.h"
#include "kernels/raw/conv.h"
#include "kernels/cuda/gemm_contract.h"
#include "kernels/raw/shape.h"

namespace pigment::cuda::conv {

struct GemmDims {
  std::int64_t m, n, k;
  int batches;
};

// image[c, iy, ix] of one image (its channels, h × w each) for a padded-image coordinate
// (iy, ix): mirrored or zero outside the image.
PIGMENT_HOST_DEVICE float image_pixel(const float* image, const ConvGeometry& g, std::int64_t c, std::int64_t iy,
                                      std::int64_t ix) {
  if (g.reflect) {
    iy = reflect_index(iy, g.h);
    ix = reflect_index(ix, g.w);
  } else if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) {
    return 0.0f;
  }
  return image[(c * g.h + iy) * g.w + ix];
}

// The im2col row k = (c, i, j) of a kh × kw kernel. K = C·kh·kw is far below 2³¹, so the
// divisions run in 32 bits (several times cheaper than 64-bit ones on the GPU).
struct Tap {
  std::int32_t c, i, j;
};
PIGMENT_HOST_DEVICE Tap tap_of(std::int64_t k, std::int64_t kh, std::int64_t kw) {
  const auto kk = static_cast<std::int32_t>(k), h = static_cast<std::int32_t>(kh), w = static_cast<std::int32_t>(kw);
  const std::int32_t ij = kk % (h * w);
  return Tap{kk / (h * w), ij / w, ij % w};
}

// Where a column n = (image, output pixel) starts reading: the image's first element and the
// top-left corner of its kernel window in padded coordinates.
struct Window {
  std::int64_t image_offset, top, left;
};

// ---- fprop -------------------------------------------------------------------------------------------
inline GemmDims fprop_dims(const ConvGeometry& g) { return {g.k, g.n * g.output_plane(), g.patch(), 1}; }

struct FpropLoader {
  static constexpr bool a_k_fastest = true, b_n_fastest = true;
  const float* x;
  const float* w;
  ConvGeometry g;
  PIGMENT_HOST_DEVICE float a(int, std::int64_t m, std::int64_t k) const { return w[m * g.patch() + k]; }
  PIGMENT_HOST_DEVICE Window column(int, std::int64_t n) const {
    const std::int64_t img = n / g.output_plane(), p = n % g.output_plane();
    return Window{img * g.c * g.image_plane(), (p / g.ow) * g.stride - g.pad, (p % g.ow) * g.stride - g.pad};
  }
  PIGMENT_HOST_DEVICE float b_at(const Window& col, std::int64_t k) const {
    const Tap t = tap_of(k, g.kh, g.kw);
    return image_pixel(x + col.image_offset, g, t.c, col.top + t.i, col.left + t.j);
  }
};

struct FpropEpilogue {
  float* y;
  const float* bias;
  ConvGeometry g;
  PIGMENT_HOST_DEVICE void store(int, std::int64_t m, std::int64_t n, float v) const {
    const std::int64_t img = n / g.output_plane(), p = n % g.output_plane();
    y[(img * g.k + m) * g.output_plane() + p] = bias ? v + bias[m] : v;
  }
};

// ---- dgrad, one GEMM (stride 1) --------------------------------------------------------------------------
inline GemmDims dgrad_dims(const ConvGeometry& g) { return {g.c, g.n * g.image_plane(), g.k * g.kh * g.kw, 1}; }

struct DgradLoader {
  static constexpr bool a_k_fastest = true, b_n_fastest = true;
  const float* dy;
  const float* w;
  ConvGeometry g;
  // A(c, (ko, i, j)) = w[ko, c, i, j]
  PIGMENT_HOST_DEVICE float a(int, std::int64_t m, std::int64_t k) const {
    const std::int64_t ko = k / (g.kh * g.kw), ij = k % (g.kh * g.kw);
    return w[(ko * g.c + m) * g.kh * g.kw + ij];
  }
  // B((ko, i, j), (img, y, x)) = dy[img, ko, (y + P − i)/s, (x + P − j)/s] where that is an output
  // pixel; the column holds dy's image offset and (y + P, x + P).
  PIGMENT_HOST_DEVICE Window column(int, std::int64_t n) const {
    const std::int64_t img = n / g.image_plane(), q = n % g.image_plane();
    return Window{img * g.k * g.output_plane(), q / g.w + g.pad, q % g.w + g.pad};
  }
  PIGMENT_HOST_DEVICE float b_at(const Window& col, std::int64_t k) const {
    const Tap t = tap_of(k, g.kh, g.kw);  // (ko, i, j)
    const std::int64_t ty = col.top - t.i, tx = col.left - t.j;
    if (ty < 0 || tx < 0 || ty % g.stride != 0 || tx % g.stride != 0) return 0.0f;
    const std::int64_t oy = ty / g.stride, ox = tx / g.stride;
    if (oy >= g.oh || ox >= g.ow) return 0.0f;
    return dy[col.image_offset + (t.c * g.oh + oy) * g.ow + ox];
  }
};

struct DgradEpilogue {
  float* dx;
  const float* bias;  // the transposed conv's bias, per image channel
  ConvGeometry g;
  PIGMENT_HOST_DEVICE void store(int, std::int64_t m, std::int64_t n, float v) const {
    const std::int64_t img = n / g.image_plane(), q = n % g.image_plane();
    dx[(img * g.c + m) * g.image_plane() + q] = bias ? v + bias[m] : v;
  }
};

// ---- dgrad by stride phases (s > 1) -----------------------------------------------------------------------
// Phase ph = py·s + px covers image rows y = py + s·u (u < ⌈H/s⌉, rows past H masked) and the taps
// i = iy0 + s·a with iy0 = (py + P) mod s, a < ⌈(kh − iy0)/s⌉; then oy = u + cy − a with
// cy = (py + P − iy0)/s. Columns likewise. Out-of-range (u, a) read zeros and are not stored.
struct Phase {
  std::int64_t first_tap, taps, shift;  // iy0, ⌈(kh − iy0)/s⌉, cy
};
PIGMENT_HOST_DEVICE Phase phase_of(std::int64_t p, std::int64_t pad, std::int64_t kernel, std::int64_t s) {
  const std::int64_t first = (p + pad) % s;
  const std::int64_t taps = first < kernel ? (kernel - first + s - 1) / s : 0;
  return Phase{first, taps, (p + pad - first) / s};
}

struct PhasedDgradShape {
  std::int64_t rows, cols;  // ⌈H/s⌉, ⌈W/s⌉: image pixels per phase (the largest phase's)
  std::int64_t taps_y, taps_x;  // ⌈kh/s⌉, ⌈kw/s⌉: kernel taps per phase (the largest phase's)
};
PIGMENT_HOST_DEVICE PhasedDgradShape phased_dgrad_shape(const ConvGeometry& g) {
  const std::int64_t s = g.stride;
  return {(g.h + s - 1) / s, (g.w + s - 1) / s, (g.kh + s - 1) / s, (g.kw + s - 1) / s};
}
inline GemmDims phased_dgrad_dims(const ConvGeometry& g) {
  const PhasedDgradShape p = phased_dgrad_shape(g);
  return {g.c, g.n * p.rows * p.cols, g.k * p.taps_y * p.taps_x, g.stride * g.stride};
}

struct PhasedDgradLoader {
  static constexpr bool a_k_fastest = true, b_n_fastest = true;
  const float* dy;
  const float* w;
  ConvGeometry g;
  PhasedDgradShape shape;
  // A(c, (ko, a, b)) = w[ko, c, iy0 + s·a, jx0 + s·b]
  PIGMENT_HOST_DEVICE float a(int phase, std::int64_t m, std::int64_t k) const {
    const Tap t = tap_of(k, shape.taps_y, shape.taps_x);  // (ko, a, b)
    const Phase py = phase_of(phase / g.stride, g.pad, g.kh, g.stride), px = phase_of(phase % g.stride, g.pad, g.kw, g.stride);
    if (t.i >= py.taps || t.j >= px.taps) return 0.0f;
    const std::int64_t i = py.first_tap + g.stride * t.i, j = px.first_tap + g.stride * t.j;
    return w[((t.c * g.c + m) * g.kh + i) * g.kw + j];
  }
  // B((ko, a, b), (img, u, v)) = dy[img, ko, u + cy − a, v + cx − b] where that is an output pixel;
  // the column holds dy's image offset, (u + cy, v + cx) and the phase's tap counts.
  struct Column {
    std::int64_t image_offset, top, left;
    std::int32_t taps_y, taps_x;
  };
  PIGMENT_HOST_DEVICE Column column(int phase, std::int64_t n) const {
    const std::int64_t per_image = shape.rows * shape.cols;
    const std::int64_t img = n / per_image, u = (n % per_image) / shape.cols, v = n % shape.cols;
    const Phase py = phase_of(phase / g.stride, g.pad, g.kh, g.stride), px = phase_of(phase % g.stride, g.pad, g.kw, g.stride);
    return Column{img * g.k * g.output_plane(), u + py.shift, v + px.shift, static_cast<std::int32_t>(py.taps),
                  static_cast<std::int32_t>(px.taps)};
  }
  PIGMENT_HOST_DEVICE float b_at(const Column& col, std::int64_t k) const {
    const Tap t = tap_of(k, shape.taps_y, shape.taps_x);  // (ko, a, b)
    if (t.i >= col.taps_y || t.j >= col.taps_x) return 0.0f;
    const std::int64_t oy = col.top - t.i, ox = col.left - t.j;
    if (oy < 0 || oy >= g.oh || ox < 0 || ox >= g.ow) return 0.0f;
    return dy[col.image_offset + (t.c * g.oh + oy) * g.ow + ox];
  }
};

struct PhasedDgradEpilogue {
  float* dx;
  const float* bias;
  ConvGeometry g;
  PhasedDgradShape shape;
  PIGMENT_HOST_DEVICE void store(int phase, std::int64_t m, std::int64_t n, float v) const {
    const std::int64_t per_image = shape.rows * shape.cols;
    const std::int64_t img = n / per_image, u = (n % per_image) / shape.cols, vv = n % shape.cols;
    const std::int64_t y = phase / g.stride + g.stride * u, x = phase % g.stride + g.stride * vv;
    if (y >= g.h || x >= g.w) return;  // the phase has fewer rows or columns than the largest
    dx[((img * g.c + m) * g.h + y) * g.w + x] = bias ? v + bias[m] : v;
  }
};

// ---- wgrad -------------------------------------------------------------------------------------------
inline GemmDims wgrad_dims(const ConvGeometry& g) { return {g.k, g.patch(), g.n * g.output_plane(), 1}; }

struct WgradLoader {
  static constexpr bool a_k_fastest = true, b_n_fastest = false;
  const float* x;
  const float* dy;
  ConvGeometry g;
  // Row k = (image, output pixel): where dy's row starts and the image's kernel window.
  struct Row {
    std::int64_t dy_offset;  // dy[img, 0, p]
    Window window;
  };
  PIGMENT_HOST_DEVICE Row row(int, std::int64_t k) const {
    const std::int64_t img = k / g.output_plane(), p = k % g.output_plane();
    return Row{img * g.k * g.output_plane() + p,
               Window{img * g.c * g.image_plane(), (p / g.ow) * g.stride - g.pad, (p % g.ow) * g.stride - g.pad}};
  }
  // A(m, k) = dy[img, m, p]
  PIGMENT_HOST_DEVICE float a_row(const Row& r, std::int64_t m) const { return dy[r.dy_offset + m * g.output_plane()]; }
  // B(k, (c, i, j)) = x[img, c, oy·s − P + i, ox·s − P + j]
  PIGMENT_HOST_DEVICE float b_row(const Row& r, std::int64_t n) const {
    const Tap t = tap_of(n, g.kh, g.kw);
    return image_pixel(x + r.window.image_offset, g, t.c, r.window.top + t.i, r.window.left + t.j);
  }
};

struct WgradEpilogue {
  float* dw;
  ConvGeometry g;
  PIGMENT_HOST_DEVICE void store(int, std::int64_t m, std::int64_t n, float v) const { dw[m * g.patch() + n] = v; }
};

}  // namespace pigment::cuda::conv
