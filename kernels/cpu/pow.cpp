#include <cmath>

#include "kernels/cpu/elementwise.h"
#include "kernels/raw/pointwise.h"

namespace pigment::cpu {

template <class T> void pow_forward(std::int64_t n, const T* x, T exponent, T* y) {
  if (exponent == T(0.5)) return map(n, x, y, [](T v) { return std::sqrt(v); });
  if (exponent == T(-0.5)) return map(n, x, y, [](T v) { return T(1) / std::sqrt(v); });
  map(n, x, y, [exponent](T v) { return std::pow(v, exponent); });
}

template void pow_forward<float>(std::int64_t, const float*, float, float*);
template void pow_forward<double>(std::int64_t, const double*, double, double*);

}  // namespace pigment::cpu
