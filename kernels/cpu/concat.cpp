#include <algorithm>

#include "kernels/raw/shape.h"

namespace pigment::cpu {

template <class T>
void concat_forward(std::int64_t outer, std::int64_t inner, const std::vector<std::int64_t>& sizes,
                    const std::vector<const T*>& parts, T* y) {
  for (std::int64_t o = 0; o < outer; ++o)
    for (std::size_t i = 0; i < parts.size(); ++i) {
      const std::int64_t run = sizes[i] * inner;
      y = std::copy_n(parts[i] + o * run, run, y);
    }
}

template <class T>
void split_forward(std::int64_t outer, std::int64_t inner, const std::vector<std::int64_t>& sizes, const T* x,
                   const std::vector<T*>& parts) {
  for (std::int64_t o = 0; o < outer; ++o)
    for (std::size_t i = 0; i < parts.size(); ++i) {
      const std::int64_t run = sizes[i] * inner;
      std::copy_n(x, run, parts[i] + o * run);
      x += run;
    }
}

template void concat_forward<float>(std::int64_t, std::int64_t, const std::vector<std::int64_t>&,
                                    const std::vector<const float*>&, float*);
template void concat_forward<double>(std::int64_t, std::int64_t, const std::vector<std::int64_t>&,
                                     const std::vector<const double*>&, double*);
template void split_forward<float>(std::int64_t, std::int64_t, const std::vector<std::int64_t>&, const float*,
                                   const std::vector<float*>&);
template void split_forward<double>(std::int64_t, std::int64_t, const std::vector<std::int64_t>&, const double*,
                                    const std::vector<double*>&);

}  // namespace pigment::cpu
