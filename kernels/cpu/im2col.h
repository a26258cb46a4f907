#pragma once
// im2col / col2im: the bridge from convolution to GEMM. For one image of geometry g,
// col[(c·kh + i)·kw + j][oy·ow + ox] = x[c, oy·s − p + i, ox·s − p + j] (zero outside),
// so conv(x, w) = W[k, patch] · col[patch, oh·ow]. col2im is its adjoint: it adds each column
// entry back into the pixel it came from.
#include <cstdint>

#include "kernels/raw/conv.h"

namespace pigment::cpu {

//
// Both work on a band of output rows [oy0, oy1): col then holds the columns q = oy·ow + ox of
// those rows only, (oy1 − oy0)·ow of them per patch row, so the scratch of a convolution is
// bounded whatever the image size (conv2d.cpp cuts the output into such bands).
template <class T> void im2col(const ConvGeometry& g, const T* image, T* col, std::int64_t oy0, std::int64_t oy1);
// image += Σ scatter(col) for the band: adds (the caller zeroes the image once for all bands).
template <class T> void col2im(const ConvGeometry& g, const T* col, T* image, std::int64_t oy0, std::int64_t oy1);
// True when col would equal the image itself (1×1 kernel, stride 1, no padding).
inline bool im2col_is_identity(const ConvGeometry& g) {
  return g.kh == 1 && g.kw == 1 && g.stride == 1 && g.pad == 0;
}

}  // namespace pigment::cpu
