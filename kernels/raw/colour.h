#pragma once
// The memory colorizer's colour features and their distances (nets/memory/), on the model's Lab
// scaling: L/50 − 1 and ab/110, as the colorization data gives them.
//   ab_histogram       an image's ab distribution over Q gamut bins: each pixel soft-encoded onto
//                      its nearest bins (Zhang et al. 2016) through a lookup table over a
//                      quantised ab grid, averaged over the image
//   kl_distance        KL(q ‖ p) in log10 units between distributions, empty bins guarded
//   ciede2000_distance between palettes of colours: the symmetric mean of each colour's ΔE2000
//                      (Sharma, Wu & Dalal 2005) to the nearest colour of the other palette
//   dominant_colors    an image's palette: k-means in Lab from a deterministic max–min start
// The ops are kernels/ops/colour.h; the CPU reference is defined at the end of this file.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <vector>

#include "engine/context.h"
#include "kernels/cpu/parallel.h"

namespace pigment {

// The quantised ab grid of the soft encoder's lookup table: cell (i, j) covers
// a ∈ [origin + i·step, origin + (i+1)·step), b likewise (a value outside clamps to the edge cell);
// lut[(i·side + j)·nearest + r] = (bin, weight) of the cell centre's r-th nearest bin, the weights
// of a cell summing to 1.
struct AbGrid {
  float origin = -128.0f, step = 2.0f;
  int side = 128, nearest = 10;
};

// The palette kernel's settings: `colours` clusters (at most kMaxColours), `iterations` Lloyd
// steps on every `stride`-th pixel.
inline constexpr int kMaxColours = 16;
struct PaletteSettings {
  int colours = 10, iterations = 8;
  std::int64_t stride = 1;
};

namespace cpu {
// hist[n, bin] = mean over the image's pixels of the lookup table's weights (ab [n][2][pixels]).
template <class T>
void ab_histogram(std::int64_t n, std::int64_t pixels, std::int64_t bins, const T* ab, const T* lut, AbGrid grid,
                  T* hist);
// d[b, j] = Σ_v q_v·log10(q_v / max(p_v, 1e-8)) with q = memory[index[b, j]] and p = query[b], terms
// with q_v = 0 adding 0 (0 for index −1). V values per distribution.
template <class T>
void kl_distance(std::int64_t B, std::int64_t k, std::int64_t V, const T* query, const T* memory, const T* index,
                 T* d);
// d[b, j] = ½·(mean_i min_m ΔE00(p_i, q_m) + mean_m min_i ΔE00(q_m, p_i)), p = query[b]'s colours,
// q = memory[index[b, j]]'s, `colours` colours of (L, a, b) each (0 for index −1).
template <class T>
void ciede2000_distance(std::int64_t B, std::int64_t k, int colours, const T* query, const T* memory, const T* index,
                        T* d);
// out[n] = the image's `colours` dominant colours (L, a, b each), the most frequent first.
// Samples: every stride-th pixel. Start: the sample nearest the mean colour, then each next the
// sample farthest from those chosen (ties: the lower sample). Lloyd steps: each sample to its
// nearest centre (ties: the lower centre), each centre to its samples' mean (an empty one stays).
// Distances are Euclidean in Lab.
template <class T>
void dominant_colors(std::int64_t n, std::int64_t pixels, PaletteSettings s, const T* L, const T* ab, T* out);
}  // namespace cpu

namespace cuda {
// The contracts of the CPU kernels, on float32 device buffers.
void ab_histogram(CudaContext& ctx, std::int64_t n, std::int64_t pixels, std::int64_t bins, const float* ab,
                  const float* lut, AbGrid grid, float* hist);
void kl_distance(CudaContext& ctx, std::int64_t B, std::int64_t k, std::int64_t V, const float* query,
                 const float* memory, const float* index, float* d);
void ciede2000_distance(CudaContext& ctx, std::int64_t B, std::int64_t k, int colours, const float* query,
                        const float* memory, const float* index, float* d);
void dominant_colors(CudaContext& ctx, std::int64_t n, std::int64_t pixels, PaletteSettings s, const float* L,
                     const float* ab, float* out);
}  // namespace cuda

// ---- The CPU reference: the contract's executable statement, in float and double --------------
namespace cpu {

namespace detail {
inline constexpr double kPi = 3.14159265358979323846;

// The cell of an ab value (real units) on the grid, clamped.
inline std::int64_t ab_cell(double a, double b, AbGrid g) {
  auto index = [&](double v) {
    const double i = std::floor((v - g.origin) / g.step);
    return static_cast<std::int64_t>(std::clamp(i, 0.0, static_cast<double>(g.side - 1)));
  };
  return index(a) * g.side + index(b);
}

// ΔE00 of two Lab colours (kL = kC = kH = 1).
inline double ciede2000(double L1, double a1, double b1, double L2, double a2, double b2) {
  const double deg = kPi / 180.0, p25 = 6103515625.0;  // 25^7
  const double C1 = std::hypot(a1, b1), C2 = std::hypot(a2, b2), Cb7 = std::pow((C1 + C2) / 2, 7.0);
  const double G = 0.5 * (1 - std::sqrt(Cb7 / (Cb7 + p25)));
  const double a1p = (1 + G) * a1, a2p = (1 + G) * a2;
  const double C1p = std::hypot(a1p, b1), C2p = std::hypot(a2p, b2);
  auto hue = [&](double b, double a) {
    if (a == 0 && b == 0) return 0.0;
    const double h = std::atan2(b, a) / deg;
    return h < 0 ? h + 360 : h;
  };
  const double h1 = hue(b1, a1p), h2 = hue(b2, a2p);
  const double dL = L2 - L1, dC = C2p - C1p;
  double dh = 0, hb = h1 + h2;
  if (C1p * C2p != 0) {
    const double d = h2 - h1;
    dh = std::fabs(d) <= 180 ? d : d > 180 ? d - 360 : d + 360;
    hb = std::fabs(h1 - h2) <= 180 ? (h1 + h2) / 2 : h1 + h2 < 360 ? (h1 + h2 + 360) / 2 : (h1 + h2 - 360) / 2;
  }
  const double dH = 2 * std::sqrt(C1p * C2p) * std::sin(dh / 2 * deg);
  const double Lb = (L1 + L2) / 2, Cbp = (C1p + C2p) / 2, Cbp7 = std::pow(Cbp, 7.0);
  const double T = 1 - 0.17 * std::cos((hb - 30) * deg) + 0.24 * std::cos(2 * hb * deg) +
                   0.32 * std::cos((3 * hb + 6) * deg) - 0.20 * std::cos((4 * hb - 63) * deg);
  const double dtheta = 30 * std::exp(-((hb - 275) / 25) * ((hb - 275) / 25));
  const double RC = 2 * std::sqrt(Cbp7 / (Cbp7 + p25));
  const double SL = 1 + 0.015 * (Lb - 50) * (Lb - 50) / std::sqrt(20 + (Lb - 50) * (Lb - 50));
  const double SC = 1 + 0.045 * Cbp, SH = 1 + 0.015 * Cbp * T;
  const double RT = -std::sin(2 * dtheta * deg) * RC;
  const double l = dL / SL, c = dC / SC, h = dH / SH;
  return std::sqrt(l * l + c * c + h * h + RT * c * h);
}

// Model scaling → Lab.
inline double lab_L(double v) { return (v + 1.0) * 50.0; }
inline double lab_ab(double v) { return v * 110.0; }
}  // namespace detail

template <class T>
void ab_histogram(std::int64_t n, std::int64_t pixels, std::int64_t bins, const T* ab, const T* lut, AbGrid grid,
                  T* hist) {
  parallel_for(n, pixels * grid.nearest, [&](std::int64_t img) {
    std::vector<double> h(static_cast<std::size_t>(bins), 0.0);
    const T *a = ab + img * 2 * pixels, *b = a + pixels;
    for (std::int64_t p = 0; p < pixels; ++p) {
      const T* entry = lut + detail::ab_cell(detail::lab_ab(a[p]), detail::lab_ab(b[p]), grid) * grid.nearest * 2;
      for (int r = 0; r < grid.nearest; ++r)
        h[static_cast<std::size_t>(entry[2 * r])] += static_cast<double>(entry[2 * r + 1]);
    }
    for (std::int64_t q = 0; q < bins; ++q)
      hist[img * bins + q] = static_cast<T>(h[static_cast<std::size_t>(q)] / static_cast<double>(pixels));
  });
}

template <class T>
void kl_distance(std::int64_t B, std::int64_t k, std::int64_t V, const T* query, const T* memory, const T* index,
                 T* d) {
  parallel_for(B * k, V, [&](std::int64_t r) {
    const auto j = static_cast<std::int64_t>(index[r]);
    double kl = 0;
    if (j >= 0) {
      const T *q = memory + j * V, *p = query + (r / k) * V;
      for (std::int64_t v = 0; v < V; ++v) {
        const double qv = static_cast<double>(q[v]);
        if (qv > 0) kl += qv * std::log10(qv / std::max(static_cast<double>(p[v]), 1e-8));
      }
    }
    d[r] = static_cast<T>(kl);
  });
}

template <class T>
void ciede2000_distance(std::int64_t B, std::int64_t k, int colours, const T* query, const T* memory, const T* index,
                        T* d) {
  parallel_for(B * k, colours * colours * 64, [&](std::int64_t r) {
    const auto j = static_cast<std::int64_t>(index[r]);
    if (j < 0) {
      d[r] = T(0);
      return;
    }
    const T *p = query + (r / k) * colours * 3, *q = memory + j * colours * 3;
    std::vector<double> e(static_cast<std::size_t>(colours * colours));
    for (int u = 0; u < colours; ++u)
      for (int w = 0; w < colours; ++w)
        e[static_cast<std::size_t>(u * colours + w)] =
            detail::ciede2000(detail::lab_L(p[3 * u]), detail::lab_ab(p[3 * u + 1]), detail::lab_ab(p[3 * u + 2]),
                              detail::lab_L(q[3 * w]), detail::lab_ab(q[3 * w + 1]), detail::lab_ab(q[3 * w + 2]));
    double to_q = 0, to_p = 0;
    for (int u = 0; u < colours; ++u) {
      double m = INFINITY;
      for (int w = 0; w < colours; ++w) m = std::min(m, e[static_cast<std::size_t>(u * colours + w)]);
      to_q += m;
    }
    for (int w = 0; w < colours; ++w) {
      double m = INFINITY;
      for (int u = 0; u < colours; ++u) m = std::min(m, e[static_cast<std::size_t>(u * colours + w)]);
      to_p += m;
    }
    d[r] = static_cast<T>(0.5 * (to_q + to_p) / colours);
  });
}

template <class T>
void dominant_colors(std::int64_t n, std::int64_t pixels, PaletteSettings s, const T* L, const T* ab, T* out) {
  const int K = s.colours;
  parallel_for(n, pixels * K * s.iterations / s.stride, [&](std::int64_t img) {
    std::vector<double> x;  // the samples' (L, a, b)
    const T *l = L + img * pixels, *a = ab + img * 2 * pixels, *b = a + pixels;
    for (std::int64_t p = 0; p < pixels; p += s.stride)
      x.insert(x.end(), {detail::lab_L(l[p]), detail::lab_ab(a[p]), detail::lab_ab(b[p])});
    const std::int64_t m = static_cast<std::int64_t>(x.size()) / 3;
    auto dist2 = [&](std::int64_t i, const double* c) {
      const double* v = &x[static_cast<std::size_t>(3 * i)];
      return (v[0] - c[0]) * (v[0] - c[0]) + (v[1] - c[1]) * (v[1] - c[1]) + (v[2] - c[2]) * (v[2] - c[2]);
    };
    double mean[3] = {0, 0, 0};
    for (std::int64_t i = 0; i < m; ++i)
      for (int c = 0; c < 3; ++c) mean[c] += x[static_cast<std::size_t>(3 * i + c)];
    for (double& c : mean) c /= static_cast<double>(m);
    std::vector<double> centre(static_cast<std::size_t>(3 * K));
    auto choose = [&](int slot, std::int64_t i) {
      for (int c = 0; c < 3; ++c) centre[static_cast<std::size_t>(3 * slot + c)] = x[static_cast<std::size_t>(3 * i + c)];
    };
    std::int64_t first = 0;
    for (std::int64_t i = 1; i < m; ++i)
      if (dist2(i, mean) < dist2(first, mean)) first = i;
    choose(0, first);
    std::vector<double> nearest(static_cast<std::size_t>(m), INFINITY);
    for (int t = 1; t < K; ++t) {
      std::int64_t far = 0;
      for (std::int64_t i = 0; i < m; ++i) {
        double& d = nearest[static_cast<std::size_t>(i)];
        d = std::min(d, dist2(i, &centre[static_cast<std::size_t>(3 * (t - 1))]));
        if (d > nearest[static_cast<std::size_t>(far)]) far = i;
      }
      choose(t, far);
    }
    std::vector<double> count(static_cast<std::size_t>(K));
    for (int it = 0; it <= s.iterations; ++it) {
      std::vector<double> sum(static_cast<std::size_t>(3 * K), 0.0);
      std::fill(count.begin(), count.end(), 0.0);
      for (std::int64_t i = 0; i < m; ++i) {
        int best = 0;
        for (int c = 1; c < K; ++c)
          if (dist2(i, &centre[static_cast<std::size_t>(3 * c)]) < dist2(i, &centre[static_cast<std::size_t>(3 * best)])) best = c;
        count[static_cast<std::size_t>(best)] += 1;
        for (int c = 0; c < 3; ++c) sum[static_cast<std::size_t>(3 * best + c)] += x[static_cast<std::size_t>(3 * i + c)];
      }
      if (it == s.iterations) break;  // the last pass only counts, for the order
      for (int c = 0; c < K; ++c)
        if (count[static_cast<std::size_t>(c)] > 0)
          for (int v = 0; v < 3; ++v)
            centre[static_cast<std::size_t>(3 * c + v)] = sum[static_cast<std::size_t>(3 * c + v)] / count[static_cast<std::size_t>(c)];
    }
    std::vector<int> order(static_cast<std::size_t>(K));
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](int u, int w) { return count[static_cast<std::size_t>(u)] > count[static_cast<std::size_t>(w)]; });
    for (int r = 0; r < K; ++r) {
      const double* c = &centre[static_cast<std::size_t>(3 * order[static_cast<std::size_t>(r)])];
      out[img * K * 3 + 3 * r] = static_cast<T>(c[0] / 50.0 - 1.0);
      out[img * K * 3 + 3 * r + 1] = static_cast<T>(c[1] / 110.0);
      out[img * K * 3 + 3 * r + 2] = static_cast<T>(c[2] / 110.0);
    }
  });
}

}  // namespace cpu

}  // namespace pigment
