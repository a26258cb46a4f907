#pragma once
// Image-quality metrics of gan-test, on RGB images in [0, 1] of equal size:
//   PSNR = 10·log10(1 / MSE) over all channels (∞ for identical images);
//   SSIM (Wang et al. 2004) with an 11×11 Gaussian window, σ = 1.5, K1 = 0.01, K2 = 0.03, dynamic
//        range 1, computed per channel over the valid window positions and averaged;
//   colorfulness (Hasler & Süsstrunk 2003) on the 0–255 scale: rg = R − G, yb = ½(R + G) − B,
//        C = √(σ_rg² + σ_yb²) + 0.3·√(μ_rg² + μ_yb²).
#include "train/data/image.h"

namespace pigment::metrics {

double psnr(const data::Image& a, const data::Image& b);
double ssim(const data::Image& a, const data::Image& b);
double colorfulness(const data::Image& image);

}  // namespace pigment::metrics
