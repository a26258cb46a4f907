#include <cmath>

#include "kernels/raw/pointwise.h"
#include "kernels/cpu/elementwise.h"

namespace pigment::cpu {

template <class T> void tanh_forward(std::int64_t n, const T* x, T* y) {
  map(n, x, y, [](T v) { return std::tanh(v); });
}
template <class T> void tanh_backward(std::int64_t n, const T* dy, const T* y, T* dx) {
  map(n, dy, y, dx, [](T g, T v) { return g * (T(1) - v * v); });
}
// σ(x) = 1 / (1 + e^{−x}), evaluated as e^{x} / (1 + e^{x}) for x < 0 so that e^{−x} never overflows.
template <class T> void sigmoid_forward(std::int64_t n, const T* x, T* y) {
  map(n, x, y, [](T v) {
    if (v >= T(0)) return T(1) / (T(1) + std::exp(-v));
    const T e = std::exp(v);
    return e / (T(1) + e);
  });
}
template <class T> void sigmoid_backward(std::int64_t n, const T* dy, const T* y, T* dx) {
  map(n, dy, y, dx, [](T g, T v) { return g * v * (T(1) - v); });
}

#define PIGMENT_INSTANTIATE(T)                                                         \
  template void tanh_forward<T>(std::int64_t, const T*, T*);                           \
  template void tanh_backward<T>(std::int64_t, const T*, const T*, T*);                \
  template void sigmoid_forward<T>(std::int64_t, const T*, T*);                        \
  template void sigmoid_backward<T>(std::int64_t, const T*, const T*, T*);
PIGMENT_INSTANTIATE(float)
PIGMENT_INSTANTIATE(double)
#undef PIGMENT_INSTANTIATE

}  // namespace pigment::cpu
