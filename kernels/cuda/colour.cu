// The memory colorizer's colour features on CUDA (contracts and CPU reference in
// kernels/raw/colour.h), in float:
//   ab_histogram:       a block per image, each thread adding its pixels' lookup-table weights into
//                       a histogram row of its own (no atomics), then the rows summed in thread
//                       order per (image, bin) — deterministic;
//   kl_distance:        a warp (or block) per (query, neighbour) pair (launch_rows);
//   ciede2000_distance: a thread per pair, the colours' ΔE00 table in registers;
//   dominant_colors:    a block per image: the max–min start and every Lloyd step as block
//                       reductions in a fixed order, the CPU reference's decisions exactly.
#include "kernels/cuda/common.cuh"
#include "kernels/raw/colour.h"

namespace pigment::cuda {

namespace {
__device__ __forceinline__ std::int64_t ab_cell(float a, float b, AbGrid g) {
  auto index = [&](float v) {
    const float i = floorf((v - g.origin) / g.step);
    return static_cast<std::int64_t>(fminf(fmaxf(i, 0.0f), static_cast<float>(g.side - 1)));
  };
  return index(a) * g.side + index(b);
}

__global__ void ab_histogram_rows_kernel(std::int64_t pixels, std::int64_t bins, const float* ab, const float* lut,
                                         AbGrid grid, float* rows) {
  const std::int64_t img = blockIdx.x;
  float* row = rows + (img * blockDim.x + threadIdx.x) * bins;
  for (std::int64_t q = 0; q < bins; ++q) row[q] = 0.0f;
  const float *a = ab + img * 2 * pixels, *b = a + pixels;
  for (std::int64_t p = threadIdx.x; p < pixels; p += blockDim.x) {
    const float* entry = lut + ab_cell(a[p] * 110.0f, b[p] * 110.0f, grid) * grid.nearest * 2;
    for (int r = 0; r < grid.nearest; ++r) row[static_cast<std::int64_t>(entry[2 * r])] += entry[2 * r + 1];
  }
}

struct SumHistogramRows {
  std::int64_t bins, pixels;
  int threads;
  const float* rows;
  float* hist;
  __device__ void operator()(std::int64_t i) const {  // i = img·bins + q
    const std::int64_t img = i / bins, q = i - img * bins;
    float s = 0.0f;
    for (int t = 0; t < threads; ++t) s += rows[(img * threads + t) * bins + q];
    hist[i] = s / static_cast<float>(pixels);
  }
};

__global__ void kl_distance_kernel(std::int64_t pairs, std::int64_t V, std::int64_t k, const float* query,
                                   const float* memory, const float* index, float* d) {
  __shared__ float scratch[32];
  for (std::int64_t row = static_cast<std::int64_t>(blockIdx.x) * blockDim.y + threadIdx.y; row < pairs;
       row += static_cast<std::int64_t>(gridDim.x) * blockDim.y) {
    const auto j = static_cast<std::int64_t>(index[row]);
    float kl = 0.0f;
    if (j >= 0) {
      const float *q = memory + j * V, *p = query + (row / k) * V;
      for (std::int64_t v = threadIdx.x; v < V; v += blockDim.x)
        if (q[v] > 0.0f) kl += q[v] * log10f(q[v] / fmaxf(p[v], 1e-8f));
    }
    kl = j >= 0 ? row_sum(kl, scratch) : 0.0f;
    if (threadIdx.x == 0) d[row] = kl;
  }
}

// ΔE00 in float, the CPU reference's formula (kL = kC = kH = 1).
__device__ float ciede2000(float L1, float a1, float b1, float L2, float a2, float b2) {
  const float deg = 3.14159265358979f / 180.0f, p25 = 6103515625.0f;
  const float C1 = hypotf(a1, b1), C2 = hypotf(a2, b2), Cb7 = powf((C1 + C2) / 2, 7.0f);
  const float G = 0.5f * (1 - sqrtf(Cb7 / (Cb7 + p25)));
  const float a1p = (1 + G) * a1, a2p = (1 + G) * a2;
  const float C1p = hypotf(a1p, b1), C2p = hypotf(a2p, b2);
  auto hue = [&](float b, float a) {
    if (a == 0.0f && b == 0.0f) return 0.0f;
    const float h = atan2f(b, a) / deg;
    return h < 0.0f ? h + 360.0f : h;
  };
  const float h1 = hue(b1, a1p), h2 = hue(b2, a2p);
  const float dL = L2 - L1, dC = C2p - C1p;
  float dh = 0.0f, hb = h1 + h2;
  if (C1p * C2p != 0.0f) {
    const float d = h2 - h1;
    dh = fabsf(d) <= 180.0f ? d : d > 180.0f ? d - 360.0f : d + 360.0f;
    hb = fabsf(h1 - h2) <= 180.0f ? (h1 + h2) / 2 : h1 + h2 < 360.0f ? (h1 + h2 + 360.0f) / 2 : (h1 + h2 - 360.0f) / 2;
  }
  const float dH = 2 * sqrtf(C1p * C2p) * sinf(dh / 2 * deg);
  const float Lb = (L1 + L2) / 2, Cbp = (C1p + C2p) / 2, Cbp7 = powf(Cbp, 7.0f);
  const float T = 1 - 0.17f * cosf((hb - 30) * deg) + 0.24f * cosf(2 * hb * deg) + 0.32f * cosf((3 * hb + 6) * deg) -
                  0.20f * cosf((4 * hb - 63) * deg);
  const float dtheta = 30 * expf(-((hb - 275) / 25) * ((hb - 275) / 25));
  const float RC = 2 * sqrtf(Cbp7 / (Cbp7 + p25));
  const float SL = 1 + 0.015f * (Lb - 50) * (Lb - 50) / sqrtf(20 + (Lb - 50) * (Lb - 50));
  const float SC = 1 + 0.045f * Cbp, SH = 1 + 0.015f * Cbp * T;
  const float RT = -sinf(2 * dtheta * deg) * RC;
  const float l = dL / SL, c = dC / SC, h = dH / SH;
  return sqrtf(l * l + c * c + h * h + RT * c * h);
}

struct Ciede2000Distance {
  std::int64_t k;
  int colours;
  const float* query;
  const float* memory;
  const float* index;
  float* d;
  __device__ void operator()(std::int64_t r) const {
    const auto j = static_cast<std::int64_t>(index[r]);
    if (j < 0) {
      d[r] = 0.0f;
      return;
    }
    const float *p = query + (r / k) * colours * 3, *q = memory + j * colours * 3;
    float to_q_min[kMaxColours], to_p_min[kMaxColours];
    for (int w = 0; w < colours; ++w) to_p_min[w] = INFINITY;
    for (int u = 0; u < colours; ++u) {
      to_q_min[u] = INFINITY;
      for (int w = 0; w < colours; ++w) {
        const float e = ciede2000((p[3 * u] + 1.0f) * 50.0f, p[3 * u + 1] * 110.0f, p[3 * u + 2] * 110.0f,
                                  (q[3 * w] + 1.0f) * 50.0f, q[3 * w + 1] * 110.0f, q[3 * w + 2] * 110.0f);
        to_q_min[u] = fminf(to_q_min[u], e);
        to_p_min[w] = fminf(to_p_min[w], e);
      }
    }
    float to_q = 0.0f, to_p = 0.0f;
    for (int u = 0; u < colours; ++u) to_q += to_q_min[u];
    for (int w = 0; w < colours; ++w) to_p += to_p_min[w];
    d[r] = 0.5f * (to_q + to_p) / static_cast<float>(colours);
  }
};


__global__ void dominant_colors_kernel(std::int64_t pixels, PaletteSettings s, const float* L, const float* ab,
                                       float* out) {
  __shared__ float centre[kMaxColours * 3];
  __shared__ float count[kMaxColours];
  __shared__ float scratch[32];
  __shared__ int scratch_i[32];
  const std::int64_t img = blockIdx.x, m = (pixels + s.stride - 1) / s.stride;
  const int K = s.colours;
  const float *l = L + img * pixels, *a = ab + img * 2 * pixels, *b = a + pixels;
  auto sample = [&](std::int64_t i, float* v) {
    const std::int64_t p = i * s.stride;
    v[0] = (l[p] + 1.0f) * 50.0f;
    v[1] = a[p] * 110.0f;
    v[2] = b[p] * 110.0f;
  };
  auto dist2 = [](const float* v, const float* c) {
    return (v[0] - c[0]) * (v[0] - c[0]) + (v[1] - c[1]) * (v[1] - c[1]) + (v[2] - c[2]) * (v[2] - c[2]);
  };
  float mean[3];
  for (int c = 0; c < 3; ++c) {
    float t = 0.0f;
    for (std::int64_t i = threadIdx.x; i < m; i += blockDim.x) {
      float v[3];
      sample(i, v);
      t += v[c];
    }
    mean[c] = block_sum(t, scratch) / static_cast<float>(m);
  }
  // The start: the sample nearest the mean, then each next the farthest from those chosen.
  for (int t = 0; t < K; ++t) {
    float best = -INFINITY;
    int at = 0x7fffffff;
    for (std::int64_t i = threadIdx.x; i < m; i += blockDim.x) {
      float v[3];
      sample(i, v);
      float score;
      if (t == 0) {
        score = -dist2(v, mean);
      } else {
        score = INFINITY;
        for (int u = 0; u < t; ++u) score = fminf(score, dist2(v, &centre[3 * u]));
      }
      keep_better(best, at, score, static_cast<int>(i));
    }
    block_argmax(best, at, scratch, scratch_i);
    if (threadIdx.x == 0) sample(at, &centre[3 * t]);
    __syncthreads();
  }
  for (int it = 0; it <= s.iterations; ++it) {
    float sum[kMaxColours * 3], cnt[kMaxColours];
    for (int c = 0; c < K; ++c) {
      cnt[c] = 0.0f;
      sum[3 * c] = sum[3 * c + 1] = sum[3 * c + 2] = 0.0f;
    }
    for (std::int64_t i = threadIdx.x; i < m; i += blockDim.x) {
      float v[3];
      sample(i, v);
      int best = 0;
      float best_d = dist2(v, &centre[0]);
      for (int c = 1; c < K; ++c) {
        const float d = dist2(v, &centre[3 * c]);
        if (d < best_d) {
          best = c;
          best_d = d;
        }
      }
      cnt[best] += 1.0f;
      for (int c = 0; c < 3; ++c) sum[3 * best + c] += v[c];
    }
    for (int c = 0; c < K; ++c) {
      const float total = block_sum(cnt[c], scratch);
      float means[3];
      for (int v = 0; v < 3; ++v) means[v] = block_sum(sum[3 * c + v], scratch);
      if (threadIdx.x == 0) {
        count[c] = total;
        if (it < s.iterations && total > 0.0f)
          for (int v = 0; v < 3; ++v) centre[3 * c + v] = means[v] / total;
      }
    }
    __syncthreads();
  }
  if (threadIdx.x == 0) {
    int order[kMaxColours];
    for (int c = 0; c < K; ++c) order[c] = c;
    for (int c = 1; c < K; ++c)  // insertion sort: stable, by count descending
      for (int u = c; u > 0 && count[order[u]] > count[order[u - 1]]; --u) {
        const int w = order[u];
        order[u] = order[u - 1];
        order[u - 1] = w;
      }
    for (int r = 0; r < K; ++r) {
      const float* c = &centre[3 * order[r]];
      out[(img * K + r) * 3] = c[0] / 50.0f - 1.0f;
      out[(img * K + r) * 3 + 1] = c[1] / 110.0f;
      out[(img * K + r) * 3 + 2] = c[2] / 110.0f;
    }
  }
}
}  // namespace

void ab_histogram(CudaContext& ctx, std::int64_t n, std::int64_t pixels, std::int64_t bins, const float* ab,
                  const float* lut, AbGrid grid, float* hist) {
  if (n == 0 || bins == 0) return;
  DeviceBuffer rows(ctx, static_cast<std::size_t>(n * kThreads * bins));
  launch(ctx, "ab_histogram", static_cast<unsigned>(n), kThreads, 0, ab_histogram_rows_kernel, pixels, bins, ab, lut,
         grid, rows.get());
  for_each(ctx, "ab_histogram", n * bins, SumHistogramRows{bins, pixels, kThreads, rows.get(), hist});
}

void kl_distance(CudaContext& ctx, std::int64_t B, std::int64_t k, std::int64_t V, const float* query,
                 const float* memory, const float* index, float* d) {
  launch_rows(ctx, "kl_distance", B * k, V, kl_distance_kernel, k, query, memory, index, d);
}

void ciede2000_distance(CudaContext& ctx, std::int64_t B, std::int64_t k, int colours, const float* query,
                        const float* memory, const float* index, float* d) {
  for_each(ctx, "ciede2000_distance", B * k, Ciede2000Distance{k, colours, query, memory, index, d});
}

void dominant_colors(CudaContext& ctx, std::int64_t n, std::int64_t pixels, PaletteSettings s, const float* L,
                     const float* ab, float* out) {
  if (n == 0) return;
  launch(ctx, "dominant_colors", static_cast<unsigned>(n), kThreads, 0, dominant_colors_kernel, pixels, s, L, ab, out);
}

}  // namespace pigment::cuda
