#pragma once
// The normalisation kernels: instance norm over (n, c) planes and batch norm over channels, with
// per-group mean and rstd = 1/√(σ² + ε) kept for the backward, and L2 normalisation of rows. The differentiable ops and their
// math are kernels/ops/norm.h; the CPU reference is defined at the end of this file.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "engine/context.h"
#include "kernels/cpu/parallel.h"

namespace pigment {

namespace cpu {
// Instance norm: mean and rstd receive the statistics of each of the n·c planes; γ, β and residual
// may be null; slope is the fused activation's negative slope (1: none):
//   y = act(γ_k·(x − μ)·r + β_k) + residual,  k = p mod gamma_period for plane p
// with gamma_period c (0 says c: γ, β per channel, instance norm's) or n·c (one pair per plane:
// AdaIN's supplied γ, β).
template <class T>
void instance_norm_forward(std::int64_t n, std::int64_t c, std::int64_t plane, const T* x, const T* gamma,
                           const T* beta, T eps, T slope, const T* residual, T* y, T* mean, T* rstd,
                           std::int64_t gamma_period = 0);
// dx, dgamma, dbeta may each be null (not needed). dy is the gradient of y; the residual's is dy.
// dγ_k, dβ_k sum over the planes p with p mod gamma_period = k, in order.
template <class T>
void instance_norm_backward(std::int64_t n, std::int64_t c, std::int64_t plane, const T* dy, const T* x,
                            const T* mean, const T* rstd, const T* gamma, const T* beta, T slope, T* dx, T* dgamma,
                            T* dbeta, std::int64_t gamma_period = 0);

// Batch norm, training statistics of each channel over (n, plane) into mean and rstd.
template <class T>
void batch_norm_statistics(std::int64_t n, std::int64_t c, std::int64_t plane, const T* x, T eps, T* mean, T* rstd,
                           T* biased_var);
// y = γ·(x − mean)·rstd + β with per-channel mean and rstd.
template <class T>
void batch_norm_apply(std::int64_t n, std::int64_t c, std::int64_t plane, const T* x, const T* mean, const T* rstd,
                      const T* gamma, const T* beta, T* y);
// training: the full rule; otherwise dx = dy·γ·rstd. dx, dgamma, dbeta may be null.
template <class T>
void batch_norm_backward(std::int64_t n, std::int64_t c, std::int64_t plane, bool training, const T* dy, const T* x,
                         const T* mean, const T* rstd, const T* gamma, T* dx, T* dgamma, T* dbeta);
// Synchronised batch norm's pieces, whose sums are added over the ranks between the calls:
// sums[ch] = Σ x over (n, plane), or Σ (x − mean)² when mean is given (two passes, as above).
template <class T>
void batch_norm_channel_sums(std::int64_t n, std::int64_t c, std::int64_t plane, const T* x, const T* mean,
                             double* sums);
// dx = rstd·(γ·dy − γ·Σdy/M − x̂·γ·Σ(dy·x̂)/M) with the sums and the count M of every rank.
template <class T>
void batch_norm_input_gradient(std::int64_t n, std::int64_t c, std::int64_t plane, const T* dy, const T* x,
                               const T* mean, const T* rstd, const T* gamma, const double* sum_dy,
                               const double* sum_dy_xhat, double count, T* dx);

// L2 normalisation of each of `rows` rows of `cols` values: y = x / m, norm[row] = m = max(‖x‖, ε).
template <class T> void l2_normalize_forward(std::int64_t rows, std::int64_t cols, T eps, const T* x, T* y, T* norm);
// dx = (dy − y·⟨y, dy⟩) / m where m > ε (the row was longer than ε), dy / m otherwise.
template <class T>
void l2_normalize_backward(std::int64_t rows, std::int64_t cols, T eps, const T* dy, const T* y, const T* norm, T* dx);
}  // namespace cpu

namespace cuda {
// The contracts of the CPU kernels.
void instance_norm_forward(CudaContext& ctx, std::int64_t n, std::int64_t c, std::int64_t plane, const float* x,
                           const float* gamma, const float* beta, float eps, float slope, const float* residual,
                           float* y, float* mean, float* rstd, std::int64_t gamma_period = 0);
void instance_norm_backward(CudaContext& ctx, std::int64_t n, std::int64_t c, std::int64_t plane, const float* dy,
                            const float* x, const float* mean, const float* rstd, const float* gamma,
                            const float* beta, float slope, float* dx, float* dgamma, float* dbeta,
                            std::int64_t gamma_period = 0);

// Training statistics (mean, rstd per channel) and, when running_mean is not null, the update
// running ← (1 − momentum)·running + momentum·(μ, unbiased σ²), all on the device.
void batch_norm_statistics(CudaContext& ctx, std::int64_t n, std::int64_t c, std::int64_t plane, const float* x,
                           float eps, double momentum, float* mean, float* rstd, float* running_mean,
                           float* running_var);
// Evaluation statistics: mean = running_mean, rstd = 1/√(running_var + ε).
void batch_norm_eval_statistics(CudaContext& ctx, std::int64_t c, const float* running_mean, const float* running_var,
                                double eps, float* mean, float* rstd);
void batch_norm_apply(CudaContext& ctx, std::int64_t n, std::int64_t c, std::int64_t plane, const float* x,
                      const float* mean, const float* rstd, const float* gamma, const float* beta, float* y);
void batch_norm_backward(CudaContext& ctx, std::int64_t n, std::int64_t c, std::int64_t plane, bool training,
                         const float* dy, const float* x, const float* mean, const float* rstd, const float* gamma,
                         float* dx, float* dgamma, float* dbeta);

void l2_normalize_forward(CudaContext& ctx, std::int64_t rows, std::int64_t cols, float eps, const float* x, float* y,
                          float* norm);
void l2_normalize_backward(CudaContext& ctx, std::int64_t rows, std::int64_t cols, float eps, const float* dy,
                           const float* y, const float* norm, float* dx);
}  // namespace cuda

// ---- The CPU reference: the contract's executable statement, in float and double --------------
namespace cpu {

namespace detail {
// act(z) = z > 0 ? z : s·z and its derivative.
inline double activate(double z, double slope) { return z > 0 ? z : slope * z; }
inline double activation_slope(double z, double slope) { return z > 0 ? 1.0 : slope; }
}  // namespace detail

template <class T>
void instance_norm_forward(std::int64_t n, std::int64_t c, std::int64_t plane, const T* x, const T* gamma,
                           const T* beta, T eps, T slope, const T* residual, T* y, T* mean, T* rstd,
                           std::int64_t gamma_period) {
  const std::int64_t period = gamma_period ? gamma_period : c;
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
    const std::int64_t k = p % period;
    const double g = gamma ? static_cast<double>(gamma[k]) : 1.0;
    const double b = beta ? static_cast<double>(beta[k]) : 0.0;
    const double s = static_cast<double>(slope);
    // The residual's test outside the loop: inlined into the op, GCC no longer unswitches it
    // (a scalar loop, the forward 5× slower on small planes).
    auto normalized = [&](std::int64_t i) { return detail::activate((static_cast<double>(in[i]) - mu) * r * g + b, s); };
    if (residual) {
      const T* skip = residual + p * plane;
      for (std::int64_t i = 0; i < plane; ++i) out[i] = static_cast<T>(normalized(i) + static_cast<double>(skip[i]));
    } else {
      for (std::int64_t i = 0; i < plane; ++i) out[i] = static_cast<T>(normalized(i));
    }
    mean[p] = static_cast<T>(mu);
    rstd[p] = static_cast<T>(r);
  });
}

template <class T>
void instance_norm_backward(std::int64_t n, std::int64_t c, std::int64_t plane, const T* dy, const T* x,
                            const T* mean, const T* rstd, const T* gamma, const T* beta, T slope, T* dx, T* dgamma,
                            T* dbeta, std::int64_t gamma_period) {
  const std::int64_t period = gamma_period ? gamma_period : c;
  // dz = dy·act'(z), z = γ·x̂ + β recomputed. Per-plane sums Σ dz and Σ dz·x̂; the parameter
  // gradients add them over the batch.
  const double s_neg = static_cast<double>(slope);
  const bool has_activation = s_neg != 1.0;
  std::vector<double> sum_dy(static_cast<std::size_t>(n * c)), sum_dy_xhat(static_cast<std::size_t>(n * c));
  parallel_for(n * c, plane, [&](std::int64_t p) {
    const T* g_out = dy + p * plane;
    const T* in = x + p * plane;
    const double mu = static_cast<double>(mean[p]), r = static_cast<double>(rstd[p]);
    const double gam = gamma ? static_cast<double>(gamma[p % period]) : 1.0;
    const double bet = beta ? static_cast<double>(beta[p % period]) : 0.0;
    // dz of element i.
    auto dz = [&](std::int64_t i) {
      const double g = static_cast<double>(g_out[i]);
      if (!has_activation) return g;
      return g * detail::activation_slope(gam * (static_cast<double>(in[i]) - mu) * r + bet, s_neg);
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
  for (std::int64_t k = 0; k < period; ++k) {
    double dg = 0, db = 0;
    for (std::int64_t b = 0; b < n * c / period; ++b) {
      dg += sum_dy_xhat[static_cast<std::size_t>(b * period + k)];
      db += sum_dy[static_cast<std::size_t>(b * period + k)];
    }
    if (dgamma) dgamma[k] = static_cast<T>(dg);
    if (dbeta) dbeta[k] = static_cast<T>(db);
  }
}

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

// Channel ch of batch norm's dx = r·(γ·dy − mean_g − x̂·mean_gx), x̂ = (x − μ)·r.
template <class T>
void batch_norm_channel_dx(std::int64_t n, std::int64_t c, std::int64_t plane, std::int64_t ch, const T* dy,
                           const T* x, double mu, double r, double gam, double mean_g, double mean_gx, T* dx) {
    for (std::int64_t b = 0; b < n; ++b) {
      const T* g_out = dy + (b * c + ch) * plane;
      const T* in = x + (b * c + ch) * plane;
      T* g_in = dx + (b * c + ch) * plane;
      for (std::int64_t i = 0; i < plane; ++i) {
        const double xhat = (static_cast<double>(in[i]) - mu) * r;
        g_in[i] = static_cast<T>(r * (gam * static_cast<double>(g_out[i]) - mean_g - xhat * mean_gx));
      }
    }
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
    batch_norm_channel_dx(n, c, plane, ch, dy, x, mu, r, gam, mean_g, mean_gx, dx);
  });
}

template <class T>
void batch_norm_channel_sums(std::int64_t n, std::int64_t c, std::int64_t plane, const T* x, const T* mean,
                             double* sums) {
  parallel_for(c, n * plane, [&](std::int64_t ch) {
    const double mu = mean ? static_cast<double>(mean[ch]) : 0.0;
    double sum = 0;
    for (std::int64_t b = 0; b < n; ++b) {
      const T* in = x + (b * c + ch) * plane;
      for (std::int64_t i = 0; i < plane; ++i) {
        const double d = static_cast<double>(in[i]) - mu;
        sum += mean ? d * d : d;
      }
    }
    sums[ch] = sum;
  });
}

template <class T>
void batch_norm_input_gradient(std::int64_t n, std::int64_t c, std::int64_t plane, const T* dy, const T* x,
                               const T* mean, const T* rstd, const T* gamma, const double* sum_dy,
                               const double* sum_dy_xhat, double count, T* dx) {
  parallel_for(c, n * plane, [&](std::int64_t ch) {
    const double mu = static_cast<double>(mean[ch]), r = static_cast<double>(rstd[ch]);
    const double gam = gamma ? static_cast<double>(gamma[ch]) : 1.0;
    const double mean_g = gam * sum_dy[ch] / count, mean_gx = gam * sum_dy_xhat[ch] / count;
    batch_norm_channel_dx(n, c, plane, ch, dy, x, mu, r, gam, mean_g, mean_gx, dx);
  });
}

template <class T> void l2_normalize_forward(std::int64_t rows, std::int64_t cols, T eps, const T* x, T* y, T* norm) {
  parallel_for(rows, cols, [&](std::int64_t r) {
    const T* in = x + r * cols;
    double squares = 0;
    for (std::int64_t j = 0; j < cols; ++j) squares += static_cast<double>(in[j]) * static_cast<double>(in[j]);
    const double m = std::max(std::sqrt(squares), static_cast<double>(eps));
    for (std::int64_t j = 0; j < cols; ++j) y[r * cols + j] = static_cast<T>(static_cast<double>(in[j]) / m);
    norm[r] = static_cast<T>(m);
  });
}

template <class T>
void l2_normalize_backward(std::int64_t rows, std::int64_t cols, T eps, const T* dy, const T* y, const T* norm, T* dx) {
  parallel_for(rows, cols, [&](std::int64_t r) {
    const T *g = dy + r * cols, *u = y + r * cols;
    const double m = static_cast<double>(norm[r]);
    double dot = 0;
    if (norm[r] > eps)
      for (std::int64_t j = 0; j < cols; ++j) dot += static_cast<double>(u[j]) * static_cast<double>(g[j]);
    for (std::int64_t j = 0; j < cols; ++j)
      dx[r * cols + j] = static_cast<T>((static_cast<double>(g[j]) - static_cast<double>(u[j]) * dot) / m);
  });
}

}  // namespace cpu

}  // namespace pigment
