#pragma once
// The colour memory's ops (the memory colorizer, nets/memory/): retrieval by cosine similarity,
// the threshold triplet's pairs, row gathers and the memory update. None is differentiable — the
// memory is state, not a parameter; the triplet loss that trains the query is built from
// differentiable ops on the keys these gather. A slot whose age is negative is empty; slot indices
// travel as float32 (exact below 2^24). The kernels' contracts are kernels/raw/memory.h.
#include "kernels/ops/runner.h"
#include "kernels/raw/memory.h"

// This family's ops, on the registry (kernels/ops/registry.h).
#define PIGMENT_MEMORY_OPS(X) X(cosine_topk) X(triplet_pairs) X(gather_rows) X(memory_update)

namespace pigment {

// ---- cosine_topk -------------------------------------------------------------------------------
// For queries [B, D] against keys [M, D] (ages [M]: the empty slots, age < 0, are skipped): the k
// most similar occupied slots of each query by cosine similarity, best first (ties: the lower
// index), as scores [B, k] and indices [B, k]; −∞ and −1 past the occupied slots.
struct TopK {
  Tensor scores, indices;
};
TopK cosine_topk(const Tensor& queries, const Tensor& keys, const Tensor& ages, int k);

// ---- triplet_pairs -----------------------------------------------------------------------------
// The threshold triplet loss's pair of each query among its neighbours (indices [B, k] as
// cosine_topk orders them, distance [B, k] of each neighbour's colour value to the query's own):
// pos, the most similar neighbour with distance < threshold; neg, the most similar at or beyond
// it; valid = 1 when both exist ([B] each; −1 for a missing one).
struct TripletPair {
  Tensor pos, neg, valid;
};
TripletPair triplet_pairs(const Tensor& indices, const Tensor& distance, double threshold);

// ---- gather_rows -------------------------------------------------------------------------------
// Rows of src [M, C] at index [R] (float indices; −1 gives a row of zeros): [R, C]. Not recorded:
// the memory's rows are constants to the losses that read them.
Tensor gather_rows(const Tensor& src, const Tensor& index);

// ---- memory_update -----------------------------------------------------------------------------
// The memory after a training step (kernels/raw/memory.h: sample by sample in batch order, so no
// two samples race on a slot): keys [M, D], values [M, V], ages [M], sources [M] are updated in
// place from the batch's queries [B, D], values [B, V], sources [B] and merge [B] (the nearest slot
// where its value was within the threshold of the sample's, else −1: triplet_pairs' pos over the
// nearest slot), ageing with `noise`.
struct MemorySlots {
  Tensor keys, values, ages, sources;
};
void memory_update(MemorySlots& slots, const Tensor& queries, const Tensor& values, const Tensor& sources,
                   const Tensor& merge, AgeNoise noise);

}  // namespace pigment
