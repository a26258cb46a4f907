#include <algorithm>
#include <cmath>

#include "kernels/cpu/parallel.h"
#include "kernels/raw/reduce.h"

namespace pigment::cpu {

template <class T> void softmax_forward(std::int64_t rows, std::int64_t cols, const T* x, T* y) {
  parallel_for(rows, cols, [&](std::int64_t r) {
    const T* in = x + r * cols;
    T* out = y + r * cols;
    const T m = *std::max_element(in, in + cols);
    double total = 0;
    for (std::int64_t j = 0; j < cols; ++j) {
      out[j] = std::exp(in[j] - m);
      total += static_cast<double>(out[j]);
    }
    const T inv = static_cast<T>(1.0 / total);
    for (std::int64_t j = 0; j < cols; ++j) out[j] *= inv;
  });
}

template <class T> void softmax_backward(std::int64_t rows, std::int64_t cols, const T* dy, const T* y, T* dx) {
  parallel_for(rows, cols, [&](std::int64_t r) {
    const T* g = dy + r * cols;
    const T* p = y + r * cols;
    double dot = 0;
    for (std::int64_t j = 0; j < cols; ++j) dot += static_cast<double>(g[j]) * static_cast<double>(p[j]);
    for (std::int64_t j = 0; j < cols; ++j) dx[r * cols + j] = static_cast<T>(p[j] * (g[j] - dot));
  });
}

#define PIGMENT_INSTANTIATE(T)                                                          \
  template void softmax_forward<T>(std::int64_t, std::int64_t, const T*, T*);           \
  template void softmax_backward<T>(std::int64_t, std::int64_t, const T*, const T*, T*);
PIGMENT_INSTANTIATE(float)
PIGMENT_INSTANTIATE(double)
#undef PIGMENT_INSTANTIATE

}  // namespace pigment::cpu
