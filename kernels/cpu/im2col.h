#pragma once
// im2col / col2im: the bridge from convolution to GEMM. For one image of geometry g,
// col[(c·kh + i)·kw + j][oy·ow + ox] = x[c, oy·s − p + i, ox·s − p + j] (zero outside),
// so conv(x, w) = W[k, patch] · col[patch, oh·ow]. col2im is its adjoint: it adds each column
// entry back into the pixel it came from.
#include <cstdint>

#include "kernels/raw/conv.h"

namespace pigment::cpu {

template <class T> void im2col(const ConvGeometry& g, const T* image, T* col);
// image = Σ scatter(col): overwrites image (zeroes it first).
template <class T> void col2im(const ConvGeometry& g, const T* col, T* image);
// True when col would equal the image itself (1×1 kernel, stride 1, no padding).
inline bool im2col_is_identity(const ConvGeometry& g) {
  return g.kh == 1 && g.kw == 1 && g.stride == 1 && g.pad == 0;
}

}  // namespace pigment::cpu
