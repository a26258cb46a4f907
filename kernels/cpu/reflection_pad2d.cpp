#include "kernels/raw/shape.h"

#include <algorithm>

#include "kernels/cpu/parallel.h"

namespace pigment::cpu {

template <class T>
void reflection_pad2d_forward(std::int64_t planes, std::int64_t h, std::int64_t w, int pad, const T* x, T* y) {
  const std::int64_t oh = h + 2 * pad, ow = w + 2 * pad;
  parallel_for(planes, oh * ow, [&](std::int64_t p) {
    const T* in = x + p * h * w;
    T* out = y + p * oh * ow;
    for (std::int64_t i = 0; i < oh; ++i) {
      const T* row = in + reflect_index(i - pad, h) * w;
      for (std::int64_t j = 0; j < ow; ++j) out[i * ow + j] = row[reflect_index(j - pad, w)];
    }
  });
}

template <class T>
void reflection_pad2d_backward(std::int64_t planes, std::int64_t h, std::int64_t w, int pad, const T* dy, T* dx) {
  const std::int64_t oh = h + 2 * pad, ow = w + 2 * pad;
  parallel_for(planes, oh * ow, [&](std::int64_t p) {
    const T* in = dy + p * oh * ow;
    T* out = dx + p * h * w;
    std::fill(out, out + h * w, T(0));
    for (std::int64_t i = 0; i < oh; ++i) {
      T* row = out + reflect_index(i - pad, h) * w;
      for (std::int64_t j = 0; j < ow; ++j) row[reflect_index(j - pad, w)] += in[i * ow + j];
    }
  });
}

#define PIGMENT_INSTANTIATE(T)                                                                               \
  template void reflection_pad2d_forward<T>(std::int64_t, std::int64_t, std::int64_t, int, const T*, T*);   \
  template void reflection_pad2d_backward<T>(std::int64_t, std::int64_t, std::int64_t, int, const T*, T*);
PIGMENT_INSTANTIATE(float)
PIGMENT_INSTANTIATE(double)
#undef PIGMENT_INSTANTIATE

}  // namespace pigment::cpu
