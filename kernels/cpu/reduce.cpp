#include "kernels/raw/reduce.h"

#include <array>
#include <cmath>
#include <vector>

namespace pigment::cpu {

namespace {
// Both shapes padded in front to rank 4, with the strides of `reduced` (0 where it has size 1).
struct Padded {
  std::array<std::int64_t, 4> full{1, 1, 1, 1};
  std::array<std::int64_t, 4> stride{0, 0, 0, 0};
};

Padded pad(const Shape& full, const Shape& reduced) {
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
}  // namespace

template <class T> void reduce_sum(const Shape& full, const Shape& reduced, const T* x, T* y, double scale) {
  const Padded p = pad(full, reduced);
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
  const Padded p = pad(full, reduced);
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

template void mark_nonfinite<float>(std::int64_t, const float*, float*, float);
template void mark_nonfinite<double>(std::int64_t, const double*, double*, double);
template void reduce_sum<float>(const Shape&, const Shape&, const float*, float*, double);
template void reduce_sum<double>(const Shape&, const Shape&, const double*, double*, double);
template void broadcast<float>(const Shape&, const Shape&, const float*, float*);
template void broadcast<double>(const Shape&, const Shape&, const double*, double*);

}  // namespace pigment::cpu
