#include "engine/init.h"

#include <cmath>
#include <vector>

namespace pigment {

std::pair<std::int64_t, std::int64_t> fan_in_out(const Shape& shape) {
  PIGMENT_CHECK(shape.rank() >= 2, "init: fan in/out need a weight of at least 2 dimensions, got {}", shape.str());
  const std::int64_t receptive = shape.inner(2);
  return {shape[1] * receptive, shape[0] * receptive};
}

void init_normal(const Tensor& w, double mean, double std, Rng& gen) { gen.fill_normal(w, mean, std); }

void init_xavier_normal(const Tensor& w, double gain, Rng& gen) {
  const auto [fan_in, fan_out] = fan_in_out(w.shape());
  gen.fill_normal(w, 0.0, gain * std::sqrt(2.0 / static_cast<double>(fan_in + fan_out)));
}

void init_kaiming_normal(const Tensor& w, Rng& gen) {
  const auto [fan_in, fan_out] = fan_in_out(w.shape());
  gen.fill_normal(w, 0.0, std::sqrt(2.0) / std::sqrt(static_cast<double>(fan_in)));
}

void init_orthogonal(const Tensor& w, double gain, Rng& gen) {
  PIGMENT_CHECK(w.rank() >= 2, "init_orthogonal: needs at least 2 dimensions, got {}", w.shape().str());
  const std::int64_t rows = w.dim(0), cols = w.numel() / rows;
  // Work on the tall orientation m × n (m ≥ n): QR by Householder reflections, in double.
  const bool transposed = rows < cols;
  const std::int64_t m = transposed ? cols : rows, n = transposed ? rows : cols;
  std::vector<double> a = gen.normal_vector(rows * cols);  // row-major rows × cols
  auto at = [&](std::int64_t i, std::int64_t j) -> double& {  // element (i, j) of the tall matrix
    return transposed ? a[static_cast<std::size_t>(j * cols + i)] : a[static_cast<std::size_t>(i * cols + j)];
  };
  std::vector<std::vector<double>> reflectors;
  std::vector<double> r_diag(static_cast<std::size_t>(n));
  for (std::int64_t k = 0; k < n; ++k) {
    double norm = 0;
    for (std::int64_t i = k; i < m; ++i) norm += at(i, k) * at(i, k);
    norm = std::sqrt(norm);
    const double alpha = at(k, k) > 0 ? -norm : norm;  // R[k,k], sign chosen to avoid cancellation
    std::vector<double> v(static_cast<std::size_t>(m - k));
    for (std::int64_t i = k; i < m; ++i) v[static_cast<std::size_t>(i - k)] = at(i, k);
    v[0] -= alpha;
    double vnorm = 0;
    for (double x : v) vnorm += x * x;
    if (vnorm > 0)
      for (std::int64_t j = k; j < n; ++j) {
        double dot = 0;
        for (std::int64_t i = k; i < m; ++i) dot += v[static_cast<std::size_t>(i - k)] * at(i, j);
        const double f = 2 * dot / vnorm;
        for (std::int64_t i = k; i < m; ++i) at(i, j) -= f * v[static_cast<std::size_t>(i - k)];
      }
    r_diag[static_cast<std::size_t>(k)] = alpha;
    reflectors.push_back(std::move(v));
  }
  // Q (m × n) = H_0 ⋯ H_{n−1} applied to the first n columns of the identity.
  std::vector<double> q(static_cast<std::size_t>(m * n), 0.0);
  for (std::int64_t j = 0; j < n; ++j) q[static_cast<std::size_t>(j * n + j)] = 1.0;
  for (std::int64_t k = n - 1; k >= 0; --k) {
    const std::vector<double>& v = reflectors[static_cast<std::size_t>(k)];
    double vnorm = 0;
    for (double x : v) vnorm += x * x;
    if (vnorm == 0) continue;
    for (std::int64_t j = 0; j < n; ++j) {
      double dot = 0;
      for (std::int64_t i = k; i < m; ++i) dot += v[static_cast<std::size_t>(i - k)] * q[static_cast<std::size_t>(i * n + j)];
      const double f = 2 * dot / vnorm;
      for (std::int64_t i = k; i < m; ++i) q[static_cast<std::size_t>(i * n + j)] -= f * v[static_cast<std::size_t>(i - k)];
    }
  }
  // Make diag(R) positive (PyTorch multiplies Q by sign(diag R)), scale by gain, write back.
  std::vector<double> out(static_cast<std::size_t>(rows * cols));
  for (std::int64_t i = 0; i < m; ++i)
    for (std::int64_t j = 0; j < n; ++j) {
      const double value = gain * q[static_cast<std::size_t>(i * n + j)] * (r_diag[static_cast<std::size_t>(j)] < 0 ? -1.0 : 1.0);
      if (transposed)
        out[static_cast<std::size_t>(j * cols + i)] = value;
      else
        out[static_cast<std::size_t>(i * cols + j)] = value;
    }
  w.copy_from(Tensor::from_vector(w.shape(), out, Device::cpu(), w.dtype()));
}

void init_weight(const Tensor& w, InitType type, double gain, Rng& gen) {
  switch (type) {
    case InitType::normal: init_normal(w, 0.0, gain, gen); return;
    case InitType::xavier: init_xavier_normal(w, gain, gen); return;
    case InitType::kaiming: init_kaiming_normal(w, gen); return;
    case InitType::orthogonal: init_orthogonal(w, gain, gen); return;
  }
}

}  // namespace pigment
