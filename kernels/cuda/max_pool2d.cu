// Max pooling on CUDA (contract and CPU reference in kernels/raw/shape.h): a thread per output
// forward; backward as a gather, a thread per input pixel summing the outputs whose window it won
// in a fixed order (windows overlap when stride < kernel: a scatter would race).
#include "kernels/cuda/common.cuh"
#include "kernels/raw/shape.h"

namespace pigment::cuda {

namespace {
struct MaxPoolForward {
  std::int64_t h, w;
  MaxPool2dGeometry g;
  const float* x;
  float* y;
  float* argmax;
  __device__ void operator()(std::int64_t o) const {
    const std::int64_t p = o / (g.oh * g.ow), r = o - p * g.oh * g.ow, oy = r / g.ow, ox = r - oy * g.ow;
    const float* in = x + p * h * w;
    std::int64_t best = -1;
    for (int i = 0; i < g.kernel; ++i)
      for (int j = 0; j < g.kernel; ++j) {
        const std::int64_t iy = oy * g.stride - g.padding + i, ix = ox * g.stride - g.padding + j;
        if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
        if (best < 0 || in[iy * w + ix] > in[best]) best = iy * w + ix;
      }
    y[o] = in[best];
    argmax[o] = static_cast<float>(best);
  }
};

struct MaxPoolBackward {
  std::int64_t h, w;
  MaxPool2dGeometry g;
  const float* dy;
  const float* argmax;
  float* dx;
  __device__ void operator()(std::int64_t i) const {
    const std::int64_t p = i / (h * w), pixel = i - p * h * w, iy = pixel / w, ix = pixel - iy * w;
    // The outputs whose window holds (iy, ix): oy·s − pad ≤ iy ≤ oy·s − pad + k − 1.
    auto first = [&](std::int64_t v) {
      const std::int64_t t = v + g.padding - g.kernel + 1;
      return t <= 0 ? std::int64_t{0} : (t + g.stride - 1) / g.stride;
    };
    const std::int64_t oy0 = first(iy), ox0 = first(ix);
    auto last = [&](std::int64_t v, std::int64_t outputs) {
      const std::int64_t o = (v + g.padding) / g.stride;
      return o < outputs - 1 ? o : outputs - 1;
    };
    const std::int64_t oy1 = last(iy, g.oh), ox1 = last(ix, g.ow);
    float s = 0.0f;
    for (std::int64_t oy = oy0; oy <= oy1; ++oy)
      for (std::int64_t ox = ox0; ox <= ox1; ++ox) {
        const std::int64_t o = (p * g.oh + oy) * g.ow + ox;
        if (static_cast<std::int64_t>(argmax[o]) == pixel) s += dy[o];
      }
    dx[i] = s;
  }
};
}  // namespace

void max_pool2d_forward(CudaContext& ctx, std::int64_t planes, std::int64_t h, std::int64_t w, MaxPool2dGeometry g,
                        const float* x, float* y, float* argmax) {
  for_each(ctx, "max_pool2d_forward", planes * g.oh * g.ow, MaxPoolForward{h, w, g, x, y, argmax});
}

void max_pool2d_backward(CudaContext& ctx, std::int64_t planes, std::int64_t h, std::int64_t w, MaxPool2dGeometry g,
                         const float* dy, const float* argmax, float* dx) {
  for_each(ctx, "max_pool2d_backward", planes * h * w, MaxPoolBackward{h, w, g, dy, argmax, dx});
}

}  // namespace pigment::cuda
