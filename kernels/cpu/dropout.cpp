#include "engine/philox.h"
#include "kernels/cpu/parallel.h"
#include "kernels/raw/pointwise.h"

namespace pigment::cpu {

template <class T>
void dropout_forward(std::int64_t n, const T* x, float p, std::uint64_t seed, std::uint64_t offset, T* y) {
  const std::uint32_t threshold = philox::drop_threshold(p);
  const T keep_scale = p >= 1.0f ? T(0) : T(1) / (T(1) - static_cast<T>(p));
  // One Philox block gives the words of 4 consecutive elements (offsets are multiples of 4).
  const std::int64_t blocks = (n + 3) / 4;
  parallel_for(blocks, 64, [&](std::int64_t blk) {
    const philox::Block b = philox::block(seed, (offset >> 2) + static_cast<std::uint64_t>(blk));
    for (int lane = 0; lane < 4; ++lane) {
      const std::int64_t i = blk * 4 + lane;
      if (i >= n) break;
      y[i] = b.w[lane] >= threshold && p < 1.0f ? x[i] * keep_scale : T(0);
    }
  });
}

template void dropout_forward<float>(std::int64_t, const float*, float, std::uint64_t, std::uint64_t, float*);
template void dropout_forward<double>(std::int64_t, const double*, float, std::uint64_t, std::uint64_t, double*);

}  // namespace pigment::cpu
