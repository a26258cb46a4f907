// concat and split on CUDA. Seen as [outer, size_along_dim · inner], part i owns a run of
// sizes[i]·inner contiguous elements in each of the `outer` rows of the whole tensor; each part is
// one copy kernel between its packed runs and its place in the rows (float4 when the runs, the
// row pitch and both pointers allow it).
#include "kernels/raw/shape.h"
#include "kernels/cuda/common.cuh"

namespace pigment::cuda {

namespace {
// dst[o·dst_pitch + j] = src[o·src_pitch + j] for o < rows, j < run (all in units of V).
template <class V>
__global__ void copy_runs_kernel(std::int64_t rows, std::int64_t run, const V* src, std::int64_t src_pitch, V* dst,
                                 std::int64_t dst_pitch) {
  PIGMENT_GRID_STRIDE_LOOP(i, rows * run) {
    const std::int64_t o = i / run, j = i - o * run;
    dst[o * dst_pitch + j] = src[o * src_pitch + j];
  }
}

void copy_runs(CudaContext& ctx, const char* name, std::int64_t rows, std::int64_t run, const float* src,
               std::int64_t src_pitch, float* dst, std::int64_t dst_pitch) {
  if (rows == 0 || run == 0) return;
  if (run % 4 == 0 && src_pitch % 4 == 0 && dst_pitch % 4 == 0 && is_aligned16(src) && is_aligned16(dst)) {
    launch(ctx, name, grid_for(ctx, rows * run / 4), kThreads, 0, copy_runs_kernel<float4>, rows, run / 4,
           reinterpret_cast<const float4*>(src), src_pitch / 4, reinterpret_cast<float4*>(dst), dst_pitch / 4);
  } else {
    launch(ctx, name, grid_for(ctx, rows * run), kThreads, 0, copy_runs_kernel<float>, rows, run, src, src_pitch, dst,
           dst_pitch);
  }
}

std::int64_t total_of(const std::vector<std::int64_t>& sizes) {
  std::int64_t total = 0;
  for (std::int64_t s : sizes) total += s;
  return total;
}
}  // namespace

void concat_forward(CudaContext& ctx, std::int64_t outer, std::int64_t inner, const std::vector<std::int64_t>& sizes,
                    const std::vector<const float*>& parts, float* y) {
  const std::int64_t row = total_of(sizes) * inner;
  std::int64_t start = 0;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const std::int64_t run = sizes[i] * inner;
    copy_runs(ctx, "concat_forward", outer, run, parts[i], run, y + start, row);
    start += run;
  }
}

void split_forward(CudaContext& ctx, std::int64_t outer, std::int64_t inner, const std::vector<std::int64_t>& sizes,
                   const float* x, const std::vector<float*>& parts) {
  const std::int64_t row = total_of(sizes) * inner;
  std::int64_t start = 0;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const std::int64_t run = sizes[i] * inner;
    copy_runs(ctx, "split_forward", outer, run, x + start, row, parts[i], run);
    start += run;
  }
}

}  // namespace pigment::cuda
