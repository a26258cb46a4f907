#include "kernels/raw/pointwise.h"

#include "kernels/cpu/elementwise.h"

namespace pigment::cpu {

template <class T> void add_forward(std::int64_t n, const T* a, const T* b, T* y) {
  map(n, a, b, y, [](T u, T v) { return u + v; });
}
template <class T> void sub_forward(std::int64_t n, const T* a, const T* b, T* y) {
  map(n, a, b, y, [](T u, T v) { return u - v; });
}
template <class T> void mul_forward(std::int64_t n, const T* a, const T* b, T* y) {
  map(n, a, b, y, [](T u, T v) { return u * v; });
}
template <class T> void scale_forward(std::int64_t n, const T* x, T alpha, T beta, T* y) {
  map(n, x, y, [alpha, beta](T v) { return alpha * v + beta; });
}

#define PIGMENT_INSTANTIATE(T)                                                    \
  template void add_forward<T>(std::int64_t, const T*, const T*, T*);             \
  template void sub_forward<T>(std::int64_t, const T*, const T*, T*);             \
  template void mul_forward<T>(std::int64_t, const T*, const T*, T*);             \
  template void scale_forward<T>(std::int64_t, const T*, T, T, T*);
PIGMENT_INSTANTIATE(float)
PIGMENT_INSTANTIATE(double)
#undef PIGMENT_INSTANTIATE

}  // namespace pigment::cpu
