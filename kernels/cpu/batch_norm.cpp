#include "kernels/raw/norm.h"

#include <cmath>

#include "kernels/cpu/parallel.h"

namespace pigment::cpu {

template <class T>
void batch_norm_statistics(std::int64_t n, std::int64_t c, std::int64_t plane, const T* x, T eps, T* mean, T* rstd,
                           T* biased_var) {
  const double count = static_cast<double>(n * plane);
  parallel_for(c, n * plane, [&](std::int64_t ch) {
    double mu = 0;
    for (std::int64_t b = 0; b < n; ++b) {
      const T* in = x + (b * c + ch) * plane;
      for (std::int64_t i = 0; i < plane; ++i) mu += static_cast<double>(in[i]);
    }
    mu /= count;
    double var = 0;
    for (std::int64_t b = 0; b < n; ++b) {
      const T* in = x + (b * c + ch) * plane;
      for (std::int64_t i = 0; i < plane; ++i) {
        const double d = static_cast<double>(in[i]) - mu;
        var += d * d;
      }
    }
    var /= count;
    mean[ch] = static_cast<T>(mu);
    biased_var[ch] = static_cast<T>(var);
    rstd[ch] = static_cast<T>(1.0 / std::sqrt(var + static_cast<double>(eps)));
  });
}

template <class T>
void batch_norm_apply(std::int64_t n, std::int64_t c, std::int64_t plane, const T* x, const T* mean, const T* rstd,
                      const T* gamma, const T* beta, T* y) {
  parallel_for(n * c, plane, [&](std::int64_t p) {
    const std::int64_t ch = p % c;
    const double g = gamma ? static_cast<double>(gamma[ch]) : 1.0, b = beta ? static_cast<double>(beta[ch]) : 0.0;
    const double mu = static_cast<double>(mean[ch]), r = static_cast<double>(rstd[ch]);
    const T* in = x + p * plane;
    T* out = y + p * plane;
    for (std::int64_t i = 0; i < plane; ++i) out[i] = static_cast<T>((static_cast<double>(in[i]) - mu) * r * g + b);
  });
}

template <class T>
void batch_norm_backward(std::int64_t n, std::int64_t c, std::int64_t plane, bool training, const T* dy, const T* x,
                         const T* mean, const T* rstd, const T* gamma, T* dx, T* dgamma, T* dbeta) {
  const double count = static_cast<double>(n * plane);
  parallel_for(c, n * plane, [&](std::int64_t ch) {
    const double mu = static_cast<double>(mean[ch]), r = static_cast<double>(rstd[ch]);
    const double gam = gamma ? static_cast<double>(gamma[ch]) : 1.0;
    double s = 0, sx = 0;
    for (std::int64_t b = 0; b < n; ++b) {
      const T* g_out = dy + (b * c + ch) * plane;
      const T* in = x + (b * c + ch) * plane;
      for (std::int64_t i = 0; i < plane; ++i) {
        s += static_cast<double>(g_out[i]);
        sx += static_cast<double>(g_out[i]) * (static_cast<double>(in[i]) - mu) * r;
      }
    }
    if (dgamma) dgamma[ch] = static_cast<T>(sx);
    if (dbeta) dbeta[ch] = static_cast<T>(s);
    if (!dx) return;
    const double mean_g = training ? gam * s / count : 0.0;
    const double mean_gx = training ? gam * sx / count : 0.0;
    for (std::int64_t b = 0; b < n; ++b) {
      const T* g_out = dy + (b * c + ch) * plane;
      const T* in = x + (b * c + ch) * plane;
      T* g_in = dx + (b * c + ch) * plane;
      for (std::int64_t i = 0; i < plane; ++i) {
        const double xhat = (static_cast<double>(in[i]) - mu) * r;
        g_in[i] = static_cast<T>(r * (gam * static_cast<double>(g_out[i]) - mean_g - xhat * mean_gx));
      }
    }
  });
}

#define PIGMENT_INSTANTIATE(T)                                                                                    \
  template void batch_norm_statistics<T>(std::int64_t, std::int64_t, std::int64_t, const T*, T, T*, T*, T*);     \
  template void batch_norm_apply<T>(std::int64_t, std::int64_t, std::int64_t, const T*, const T*, const T*,       \
                                    const T*, const T*, T*);                                                     \
  template void batch_norm_backward<T>(std::int64_t, std::int64_t, std::int64_t, bool, const T*, const T*,        \
                                       const T*, const T*, const T*, T*, T*, T*);
PIGMENT_INSTANTIATE(float)
PIGMENT_INSTANTIATE(double)
#undef PIGMENT_INSTANTIATE

}  // namespace pigment::cpu
