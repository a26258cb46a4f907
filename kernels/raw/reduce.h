#pragma once
// Reductions: sums over dimensions and their adjoint broadcast (the kernels of sum, mean and
// expand), and softmax over the last dimension. `reduced` has the rank of `full` with 1 in every
// summed (or broadcast) dimension, up to 4 dimensions. Sums are in a fixed order: deterministic.
// The differentiable ops are kernels/ops/reduce.h; the CPU reference is defined at the end of this file.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

#include "engine/context.h"
#include "engine/shape.h"
#include "kernels/cpu/parallel.h"

namespace pigment {

namespace cpu {
// y[reduced] = scale · Σ x[full] over the dimensions where reduced has 1. Accumulates in double.
template <class T> void reduce_sum(const Shape& full, const Shape& reduced, const T* x, T* y, double scale);
// y[full] = x[reduced] repeated along the dimensions where reduced has 1.
template <class T> void broadcast(const Shape& reduced, const Shape& full, const T* x, T* y);
// y_j = exp(x_j − max x) / Σ_k exp(x_k − max x) per row;  dx = y ⊙ (dy − Σ_j dy_j·y_j).
template <class T> void softmax_forward(std::int64_t rows, std::int64_t cols, const T* x, T* y);
template <class T> void softmax_backward(std::int64_t rows, std::int64_t cols, const T* dy, const T* y, T* dx);
// flag[0] = mark when flag[0] is 0 and some x_i is ±inf or NaN: the first mark of a series stays.
// The training loop's watch of every step's losses, which on a GPU needs no synchronisation.
template <class T> void mark_nonfinite(std::int64_t n, const T* x, T* flag, T mark);
}  // namespace cpu

namespace cuda {
void reduce_sum(CudaContext& ctx, const Shape& full, const Shape& reduced, const float* x, float* y, double scale);
void broadcast(CudaContext& ctx, const Shape& reduced, const Shape& full, const float* x, float* y);
void softmax_forward(CudaContext& ctx, std::int64_t rows, std::int64_t cols, const float* x, float* y);
void softmax_backward(CudaContext& ctx, std::int64_t rows, std::int64_t cols, const float* dy, const float* y,
                      float* dx);
void mark_nonfinite(CudaContext& ctx, std::int64_t n, const float* x, float* flag, float mark);
}  // namespace cuda

// ---- The CPU reference: the contract's executable statement, in float and double --------------
namespace cpu {

namespace detail {
// Both shapes padded in front to rank 4, with the strides of `reduced` (0 where it has size 1).
struct Padded {
  std::array<std::int64_t, 4> full{1, 1, 1, 1};
  std::array<std::int64_t, 4> stride{0, 0, 0, 0};
};

inline Padded pad(const Shape& full, const Shape& reduced) {
  Padded p;
  const int shift = 4 - full.rank();
  std::array<std::int64_t, 4> red{1, 1, 1, 1};
  for (int i = 0; i < full.rank(); ++i) {
    p.full[static_cast<std::size_t>(i + shift)] = full[i];
    red[static_cast<std::size_t>(i + shift)] = reduced.rank() ? reduced[i] : 1;
  }
  std::int64_t s = 1;
  for (int i = 3; i >= 0; --i) {
    const auto u = static_cast<std::size_t>(i);
    p.stride[u] = red[u] == 1 ? 0 : s;
    s *= red[u];
  }
  return p;
}
}  // namespace detail

template <class T> void reduce_sum(const Shape& full, const Shape& reduced, const T* x, T* y, double scale) {
  const detail::Padded p = detail::pad(full, reduced);
  std::vector<double> acc(static_cast<std::size_t>(reduced.numel()), 0.0);
  const T* in = x;
  for (std::int64_t a = 0; a < p.full[0]; ++a)
    for (std::int64_t b = 0; b < p.full[1]; ++b)
      for (std::int64_t c = 0; c < p.full[2]; ++c) {
        double* out = acc.data() + a * p.stride[0] + b * p.stride[1] + c * p.stride[2];
        if (p.stride[3] == 0) {
          double s = 0;
          for (std::int64_t d = 0; d < p.full[3]; ++d) s += static_cast<double>(in[d]);
          *out += s;
        } else {
          for (std::int64_t d = 0; d < p.full[3]; ++d) out[d] += static_cast<double>(in[d]);
        }
        in += p.full[3];
      }
  for (std::size_t i = 0; i < acc.size(); ++i) y[i] = static_cast<T>(acc[i] * scale);
}

template <class T> void broadcast(const Shape& reduced, const Shape& full, const T* x, T* y) {
  const detail::Padded p = detail::pad(full, reduced);
  T* out = y;
  for (std::int64_t a = 0; a < p.full[0]; ++a)
    for (std::int64_t b = 0; b < p.full[1]; ++b)
      for (std::int64_t c = 0; c < p.full[2]; ++c) {
        const T* in = x + a * p.stride[0] + b * p.stride[1] + c * p.stride[2];
        for (std::int64_t d = 0; d < p.full[3]; ++d) out[d] = in[d * p.stride[3]];
        out += p.full[3];
      }
}

template <class T> void mark_nonfinite(std::int64_t n, const T* x, T* flag, T mark) {
  if (flag[0] != T(0)) return;
  for (std::int64_t i = 0; i < n; ++i)
    if (!std::isfinite(x[i])) {
      flag[0] = mark;
      return;
    }
}

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

}  // namespace cpu

}  // namespace pigment
