#pragma once
// The loss kernels: mean over n elements of l1 |x − t|, mse (x − t)², BCE with logits
// max(x, 0) − x·t + log(1 + e^{−|x|}), or smooth L1 (½d² inside |d| < 1, |d| − ½ outside), and
// their gradients scaled by the scalar dy (the math is in kernels/ops/loss.h). The CPU reference is defined at the end of this file.
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "engine/context.h"
#include "kernels/cpu/parallel.h"

namespace pigment {

enum class LossKind { l1, mse, bce_with_logits, smooth_l1 };

namespace cpu {
// *out = the mean loss (accumulated in double).
template <class T> void loss_forward(LossKind kind, std::int64_t n, const T* x, const T* t, T* out);
// dx, dt (either may be null) = dy · ∂loss/∂x, ∂loss/∂t.
template <class T> void loss_backward(LossKind kind, std::int64_t n, const T* x, const T* t, const T* dy, T* dx, T* dt);

// KL(t ‖ softmax(z)) of rows × cols logits z and target distributions t: *out = the mean over rows
// of Σ_j t_j·(log t_j − z_j + logsumexp(z)), terms with t_j = 0 adding 0.
template <class T> void kl_logits_forward(std::int64_t rows, std::int64_t cols, const T* z, const T* t, T* out);
// dz = (dy / rows)·(softmax(z)·Σ_j t_j − t), dy the scalar gradient.
template <class T>
void kl_logits_backward(std::int64_t rows, std::int64_t cols, const T* z, const T* t, const T* dy, T* dz);
}  // namespace cpu

namespace cuda {
// *out (a device scalar) = the mean loss, summed in a fixed order (deterministic).
void loss_forward(CudaContext& ctx, LossKind kind, std::int64_t n, const float* x, const float* t, float* out);
// dy is a device scalar; dx, dt (either may be null) as in cpu::loss_backward.
void loss_backward(CudaContext& ctx, LossKind kind, std::int64_t n, const float* x, const float* t, const float* dy,
                   float* dx, float* dt);
// The same on the device: row values in a warp (or block) per row, then a fixed-order sum.
void kl_logits_forward(CudaContext& ctx, std::int64_t rows, std::int64_t cols, const float* z, const float* t,
                       float* out);
void kl_logits_backward(CudaContext& ctx, std::int64_t rows, std::int64_t cols, const float* z, const float* t,
                        const float* dy, float* dz);
}  // namespace cuda

// ---- The CPU reference: the contract's executable statement, in float and double --------------
namespace cpu {

namespace detail {
template <class T> double pointwise_loss(LossKind kind, T x, T t) {
  const double u = static_cast<double>(x), v = static_cast<double>(t);
  switch (kind) {
    case LossKind::l1: return std::fabs(u - v);
    case LossKind::mse: return (u - v) * (u - v);
    case LossKind::bce_with_logits: return std::max(u, 0.0) - u * v + std::log1p(std::exp(-std::fabs(u)));
    case LossKind::smooth_l1: {
      const double d = std::fabs(u - v);
      return d < 1.0 ? 0.5 * d * d : d - 0.5;
    }
  }
  return 0;
}

// ∂loss_i/∂x_i and ∂loss_i/∂t_i of one element.
template <class T> void pointwise_grad(LossKind kind, T x, T t, double& dx, double& dt) {
  const double u = static_cast<double>(x), v = static_cast<double>(t);
  switch (kind) {
    case LossKind::l1:
      dx = u > v ? 1.0 : (u < v ? -1.0 : 0.0);
      dt = -dx;
      return;
    case LossKind::mse:
      dx = 2.0 * (u - v);
      dt = -dx;
      return;
    case LossKind::bce_with_logits: {
      const double sigma = u >= 0 ? 1.0 / (1.0 + std::exp(-u)) : std::exp(u) / (1.0 + std::exp(u));
      dx = sigma - v;
      dt = -u;
      return;
    }
    case LossKind::smooth_l1:
      dx = std::clamp(u - v, -1.0, 1.0);
      dt = -dx;
      return;
  }
}
}  // namespace detail

template <class T> void loss_forward(LossKind kind, std::int64_t n, const T* x, const T* t, T* out) {
  double total = 0;
  for (std::int64_t i = 0; i < n; ++i) total += detail::pointwise_loss(kind, x[i], t[i]);
  *out = static_cast<T>(total / static_cast<double>(n));
}

template <class T> void loss_backward(LossKind kind, std::int64_t n, const T* x, const T* t, const T* dy, T* dx, T* dt) {
  const double scale = static_cast<double>(*dy) / static_cast<double>(n);
  parallel_for(n, 16, [&](std::int64_t i) {
    double gx = 0, gt = 0;
    detail::pointwise_grad(kind, x[i], t[i], gx, gt);
    if (dx) dx[i] = static_cast<T>(scale * gx);
    if (dt) dt[i] = static_cast<T>(scale * gt);
  });
}

namespace detail {
// The row's max and log Σ exp(z − max): log softmax(z)_j = z_j − max − log_sum.
template <class T> void log_softmax_terms(std::int64_t cols, const T* z, double& max, double& log_sum) {
  max = -INFINITY;
  for (std::int64_t j = 0; j < cols; ++j) max = std::max(max, static_cast<double>(z[j]));
  double sum = 0;
  for (std::int64_t j = 0; j < cols; ++j) sum += std::exp(static_cast<double>(z[j]) - max);
  log_sum = std::log(sum);
}
}  // namespace detail

template <class T> void kl_logits_forward(std::int64_t rows, std::int64_t cols, const T* z, const T* t, T* out) {
  double total = 0;
  for (std::int64_t r = 0; r < rows; ++r) {
    const T *zr = z + r * cols, *tr = t + r * cols;
    double max, log_sum;
    detail::log_softmax_terms(cols, zr, max, log_sum);
    for (std::int64_t j = 0; j < cols; ++j) {
      const double p = static_cast<double>(tr[j]);
      if (p > 0) total += p * (std::log(p) - (static_cast<double>(zr[j]) - max - log_sum));
    }
  }
  *out = static_cast<T>(total / static_cast<double>(rows));
}

template <class T>
void kl_logits_backward(std::int64_t rows, std::int64_t cols, const T* z, const T* t, const T* dy, T* dz) {
  const double scale = static_cast<double>(*dy) / static_cast<double>(rows);
  parallel_for(rows, cols, [&](std::int64_t r) {
    const T *zr = z + r * cols, *tr = t + r * cols;
    double max, log_sum, mass = 0;
    detail::log_softmax_terms(cols, zr, max, log_sum);
    for (std::int64_t j = 0; j < cols; ++j) mass += static_cast<double>(tr[j]);
    for (std::int64_t j = 0; j < cols; ++j) {
      const double q = std::exp(static_cast<double>(zr[j]) - max - log_sum);
      dz[r * cols + j] = static_cast<T>(scale * (q * mass - static_cast<double>(tr[j])));
    }
  });
}

}  // namespace cpu

}  // namespace pigment
