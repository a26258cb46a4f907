// Reflection padding on CUDA, one thread per element (flat grid-stride loop over all planes).
// Forward: each output pixel reads its mirrored source (reflect_index, as the CPU reference).
// Backward as a gather, so it needs no atomics and is deterministic: each input pixel adds the
// output gradients of the ≤ 3 × 3 padded positions that read it (itself and its mirrors).
#include "kernels/cuda/common.cuh"
#include "kernels/raw/shape.h"

namespace pigment::cuda {

namespace {
struct PadForward {
  std::int64_t h, w, oh, ow;
  int pad;
  const float* x;
  float* y;
  __device__ void operator()(std::int64_t i) const {
    const std::int64_t ox = i % ow, rows = i / ow, oy = rows % oh, plane = rows / oh;
    y[i] = x[(plane * h + reflect_index(oy - pad, h)) * w + reflect_index(ox - pad, w)];
  }
};

// The padded coordinates i (−pad ≤ i < size + pad) with reflect_index(i, size) == r: r itself;
// −r, its mirror before the start, when 1 ≤ r ≤ pad; 2(size − 1) − r, its mirror past the end,
// when that lies in [size, size + pad). pad < size makes the three distinct.
__device__ int padded_readers(std::int64_t r, std::int64_t size, int pad, std::int64_t readers[3]) {
  int count = 0;
  readers[count++] = r;
  if (r >= 1 && r <= pad) readers[count++] = -r;
  const std::int64_t past_end = 2 * (size - 1) - r;
  if (past_end >= size && past_end < size + pad) readers[count++] = past_end;
  return count;
}

struct PadBackward {
  std::int64_t h, w, oh, ow;
  int pad;
  const float* dy;
  float* dx;
  __device__ void operator()(std::int64_t i) const {
    const std::int64_t c = i % w, rows = i / w, r = rows % h, plane = rows / h;
    std::int64_t row_readers[3], col_readers[3];
    const int n_rows = padded_readers(r, h, pad, row_readers);
    const int n_cols = padded_readers(c, w, pad, col_readers);
    const float* g = dy + plane * oh * ow;
    float total = 0.0f;
    for (int a = 0; a < n_rows; ++a)
      for (int b = 0; b < n_cols; ++b) total += g[(row_readers[a] + pad) * ow + col_readers[b] + pad];
    dx[i] = total;
  }
};
}  // namespace

void reflection_pad2d_forward(CudaContext& ctx, std::int64_t planes, std::int64_t h, std::int64_t w, int pad,
                              const float* x, float* y) {
  const std::int64_t oh = h + 2 * pad, ow = w + 2 * pad;
  for_each(ctx, "reflection_pad2d_forward", planes * oh * ow, PadForward{h, w, oh, ow, pad, x, y});
}

void reflection_pad2d_backward(CudaContext& ctx, std::int64_t planes, std::int64_t h, std::int64_t w, int pad,
                               const float* dy, float* dx) {
  const std::int64_t oh = h + 2 * pad, ow = w + 2 * pad;
  for_each(ctx, "reflection_pad2d_backward", planes * h * w, PadBackward{h, w, oh, ow, pad, dy, dx});
}

}  // namespace pigment::cuda
