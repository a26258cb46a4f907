#include "kernels/raw/norm.h"

#include <cmath>
#include <vector>

#include "kernels/cpu/parallel.h"

namespace pigment::cpu {

namespace {
// act(z) = z > 0 ? z : s·z and its derivative.
double activate(double z, double slope) { return z > 0 ? z : slope * z; }
double activation_slope(double z, double slope) { return z > 0 ? 1.0 : slope; }
}  // namespace

template <class T>
void instance_norm_forward(std::int64_t n, std::int64_t c, std::int64_t plane, const T* x, const T* gamma,
                           const T* beta, T eps, T slope, const T* residual, T* y, T* mean, T* rstd) {
  parallel_for(n * c, plane, [&](std::int64_t p) {
    const T* in = x + p * plane;
    T* out = y + p * plane;
    // Two passes in double: the mean, then the variance about it (no cancellation).
    double mu = 0;
    for (std::int64_t i = 0; i < plane; ++i) mu += static_cast<double>(in[i]);
    mu /= static_cast<double>(plane);
    double var = 0;
    for (std::int64_t i = 0; i < plane; ++i) {
      const double d = static_cast<double>(in[i]) - mu;
      var += d * d;
    }
    var /= static_cast<double>(plane);
    const double r = 1.0 / std::sqrt(var + static_cast<double>(eps));
    const std::int64_t ch = p % c;
    const double g = gamma ? static_cast<double>(gamma[ch]) : 1.0;
    const double b = beta ? static_cast<double>(beta[ch]) : 0.0;
    const double s = static_cast<double>(slope);
    const T* skip = residual ? residual + p * plane : nullptr;
    for (std::int64_t i = 0; i < plane; ++i) {
      const double z = (static_cast<double>(in[i]) - mu) * r * g + b;
      out[i] = static_cast<T>(activate(z, s) + (skip ? static_cast<double>(skip[i]) : 0.0));
    }
    mean[p] = static_cast<T>(mu);
    rstd[p] = static_cast<T>(r);
  });
}

template <class T>
void instance_norm_backward(std::int64_t n, std::int64_t c, std::int64_t plane, const T* dy, const T* x,
                            const T* mean, const T* rstd, const T* gamma, const T* beta, T slope, T* dx, T* dgamma,
                            T* dbeta) {
  // dz = dy·act'(z), z = γ·x̂ + β recomputed. Per-plane sums Σ dz and Σ dz·x̂; the parameter
  // gradients add them over the batch.
  const double s_neg = static_cast<double>(slope);
  const bool has_activation = s_neg != 1.0;
  std::vector<double> sum_dy(static_cast<std::size_t>(n * c)), sum_dy_xhat(static_cast<std::size_t>(n * c));
  parallel_for(n * c, plane, [&](std::int64_t p) {
    const T* g_out = dy + p * plane;
    const T* in = x + p * plane;
    const double mu = static_cast<double>(mean[p]), r = static_cast<double>(rstd[p]);
    const double gam = gamma ? static_cast<double>(gamma[p % c]) : 1.0;
    const double bet = beta ? static_cast<double>(beta[p % c]) : 0.0;
    // dz of element i.
    auto dz = [&](std::int64_t i) {
      const double g = static_cast<double>(g_out[i]);
      if (!has_activation) return g;
      return g * activation_slope(gam * (static_cast<double>(in[i]) - mu) * r + bet, s_neg);
    };
    double s = 0, sx = 0;
    for (std::int64_t i = 0; i < plane; ++i) {
      const double g = dz(i);
      s += g;
      sx += g * (static_cast<double>(in[i]) - mu) * r;
    }
    sum_dy[static_cast<std::size_t>(p)] = s;
    sum_dy_xhat[static_cast<std::size_t>(p)] = sx;
    if (dx) {
      const double mean_g = gam * s / static_cast<double>(plane);
      const double mean_gx = gam * sx / static_cast<double>(plane);
      T* g_in = dx + p * plane;
      for (std::int64_t i = 0; i < plane; ++i) {
        const double xhat = (static_cast<double>(in[i]) - mu) * r;
        g_in[i] = static_cast<T>(r * (gam * dz(i) - mean_g - xhat * mean_gx));
      }
    }
  });
  for (std::int64_t ch = 0; ch < c; ++ch) {
    double dg = 0, db = 0;
    for (std::int64_t b = 0; b < n; ++b) {
      dg += sum_dy_xhat[static_cast<std::size_t>(b * c + ch)];
      db += sum_dy[static_cast<std::size_t>(b * c + ch)];
    }
    if (dgamma) dgamma[ch] = static_cast<T>(dg);
    if (dbeta) dbeta[ch] = static_cast<T>(db);
  }
}

#define PIGMENT_INSTANTIATE(T)                                                                                  \
  template void instance_norm_forward<T>(std::int64_t, std::int64_t, std::int64_t, const T*, const T*, const T*, \
                                         T, T, const T*, T*, T*, T*);                                           \
  template void instance_norm_backward<T>(std::int64_t, std::int64_t, std::int64_t, const T*, const T*,          \
                                          const T*, const T*, const T*, const T*, T, T*, T*, T*);
PIGMENT_INSTANTIATE(float)
PIGMENT_INSTANTIATE(double)
#undef PIGMENT_INSTANTIATE

}  // namespace pigment::cpu
