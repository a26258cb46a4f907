#include "kernels/raw/pointwise.h"

#include "kernels/cpu/elementwise.h"

namespace pigment::cpu {

template <class T> void leaky_relu_forward(std::int64_t n, const T* x, T slope, T* y) {
  // slope 0 (ReLU) gives +0, not slope·v: 0·(−∞) would be NaN and 0·(−1) is −0. NaN stays NaN,
  // as in PyTorch: a diverged value must reach the loss, where the trainer's watch sees it.
  map(n, x, y, [slope](T v) { return v > T(0) ? v : (slope != T(0) ? slope * v : (v != v ? v : T(0))); });
}

template <class T> void leaky_relu_backward(std::int64_t n, const T* dy, const T* x, T slope, T* dx) {
  map(n, dy, x, dx, [slope](T g, T v) { return v > T(0) ? g : (slope != T(0) ? slope * g : T(0)); });
}

template void leaky_relu_forward<float>(std::int64_t, const float*, float, float*);
template void leaky_relu_forward<double>(std::int64_t, const double*, double, double*);
template void leaky_relu_backward<float>(std::int64_t, const float*, const float*, float, float*);
template void leaky_relu_backward<double>(std::int64_t, const double*, const double*, double, double*);

}  // namespace pigment::cpu
