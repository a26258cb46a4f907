#pragma once
// The memory colorizer's colour features and distances (nets/memory/), on images in the model's
// Lab scaling (L/50 − 1 and ab/110, as the colorization data gives them). None is differentiable:
// they describe the training images' colours, the values the memory stores and compares. The
// kernels' contracts are kernels/raw/colour.h.
#include "kernels/ops/runner.h"
#include "kernels/raw/colour.h"

// This family's ops, on the registry (kernels/ops/registry.h).
#define PIGMENT_COLOUR_OPS(X) X(ab_histogram) X(kl_distance) X(ciede2000_distance) X(dominant_colors)

namespace pigment {

// ---- ab_histogram ------------------------------------------------------------------------------
// An image's ab distribution over `bins` gamut bins (Zhang et al. 2016's soft encoding): each pixel
// spreads a weight of 1 over the bins nearest its ab, as the lookup table lut [cells, nearest, 2]
// of (bin, weight) for each cell of `grid` says; the mean over the pixels. ab [N, 2, H, W] → [N, bins].
Tensor ab_histogram(const Tensor& ab, const Tensor& lut, std::int64_t bins, AbGrid grid);

// ---- kl_distance -------------------------------------------------------------------------------
// The colour distance of distributions (MemoPainter's, in log10 units): for query b and neighbour
// j, KL(q ‖ p) = Σ_v q_v·log10(q_v / max(p_v, 1e-8)) with q = memory[index[b, j]], p = query[b],
// an empty bin of q adding 0 — where the unguarded q·log(q/p) is NaN for every real histogram.
// query [B, V], memory [M, V], index [B, k] (−1: distance 0) → [B, k].
Tensor kl_distance(const Tensor& query, const Tensor& memory, const Tensor& index);

// ---- ciede2000_distance ------------------------------------------------------------------------
// The colour distance of palettes (C colours of L, a, b each, in the model's scaling): the
// symmetric mean of each colour's CIEDE2000 ΔE to the nearest colour of the other palette — so the
// order of the colours does not matter. query [B, 3C], memory [M, 3C], index [B, k] → [B, k].
Tensor ciede2000_distance(const Tensor& query, const Tensor& memory, const Tensor& index);

// ---- dominant_colors ---------------------------------------------------------------------------
// An image's `colours` dominant colours by k-means in Lab (kernels/raw/colour.h: a max–min start,
// `iterations` Lloyd steps on at most max_samples evenly strided pixels), the most frequent first,
// in the model's scaling. L [N, 1, H, W], ab [N, 2, H, W] → [N, 3·colours].
Tensor dominant_colors(const Tensor& L, const Tensor& ab, int colours, int iterations = 8,
                       std::int64_t max_samples = 4096);

}  // namespace pigment
