// Inverted dropout on CUDA. Each thread-iteration owns one Philox block, the words of 4
// consecutive elements, exactly as the CPU reference (kernels/raw/pointwise.h) assigns them:
// element i is kept when word offset + i ≥ p·2³², so the masks agree bit for bit, and a kept
// element is x·(1/(1 − p)) with the same float scale, so the outputs do too.
#include "engine/philox.h"
#include "kernels/cuda/common.cuh"
#include "kernels/raw/pointwise.h"

namespace pigment::cuda {

namespace {
__global__ void dropout_kernel(std::int64_t n, const float* x, std::uint64_t seed, std::uint64_t first_counter,
                               std::uint32_t threshold, bool drop_all, float keep_scale, bool vector, float* y) {
  const std::int64_t blocks = (n + 3) / 4;
  PIGMENT_GRID_STRIDE_LOOP(blk, blocks) {
    const philox::Block b = philox::block(seed, first_counter + static_cast<std::uint64_t>(blk));
    float out[4];
    const std::int64_t first = 4 * blk;
    if (vector && first + 4 <= n) {
      const float4 v = reinterpret_cast<const float4*>(x)[blk];
      const float in[4] = {v.x, v.y, v.z, v.w};
#pragma unroll
      for (int lane = 0; lane < 4; ++lane)
        out[lane] = b.w[lane] >= threshold && !drop_all ? in[lane] * keep_scale : 0.0f;
      reinterpret_cast<float4*>(y)[blk] = make_float4(out[0], out[1], out[2], out[3]);
    } else {
      for (int lane = 0; lane < 4 && first + lane < n; ++lane)
        y[first + lane] = b.w[lane] >= threshold && !drop_all ? x[first + lane] * keep_scale : 0.0f;
    }
  }
}
}  // namespace

void dropout_forward(CudaContext& ctx, std::int64_t n, const float* x, float p, std::uint64_t seed,
                     std::uint64_t offset, float* y) {
  // The scalars exactly as the CPU reference computes them for T = float.
  const std::uint32_t threshold = philox::drop_threshold(p);
  const float keep_scale = p >= 1.0f ? 0.0f : 1.0f / (1.0f - p);
  if (n <= 0) return;
  launch(ctx, "dropout_forward", grid_for(ctx, (n + 3) / 4), kThreads, 0, dropout_kernel, n, x, seed, offset >> 2,
         threshold, p >= 1.0f, keep_scale, is_aligned16(x) && is_aligned16(y), y);
}

}  // namespace pigment::cuda
