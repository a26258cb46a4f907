#pragma once
// Running a trained generator on whole images of any size (gan-test and the learning tests).
#include <functional>
#include <vector>

#include "nets/network.h"
#include "train/data/image.h"

namespace pigment::inference {

// Edge-replicates `image` to the next multiples of `multiple` (at least `multiple` on each side).
data::Image pad_to_multiple(const data::Image& image, int multiple);

// Image-to-image translation at the input's own size: pad to what the net accepts, run, crop back.
data::Image translate(nets::Network& G, const data::Image& input, int multiple);

// Translation of an image too large for memory, tile by tile (issue 12). The image is padded to
// the net's multiple as `translate` does; square tiles of `tile` pixels (a multiple of it) start
// on multiples of it, so every strided layer sees the same grid as the whole image; neighbours
// share at least `overlap` pixels. In a shared band each tile's weight is 0 for the `overlap / 4`
// pixels next to its own edge (where its receptive field was cut by the tile border) and then
// ramps linearly to 1; the output is the weighted mean, so no seam is cut.
// Exactness: for a network whose layers are per-pixel apart from convolutions (batch norm in eval
// mode, no norm), the result equals the untiled one wherever the receptive-field radius is at
// most overlap / 4 (tests/test_inference.cpp measures both that and the seams at smaller
// overlaps).
// Instance norm: a tile's own statistics are not the image's (on a random-init resnet_9blocks
// they gave 17 dB against the untiled output). So by default (`preview`) a first pass runs the
// whole image scaled down to one tile's area and records every instance norm's per-channel mean
// and variance (nets::InstanceNormStatistics), and the tiles are normalised by those: the image's
// statistics at a lower resolution. `exact` then measures them at full resolution, one norm at a
// time in the order they run: a pass over all tiles up to norm i, the norms before it normalised
// by their already measured pairs, sums norm i's input over the cell each tile owns (the cells
// partition the image). Norm i's input then is the whole image's (away from the cut edges), so
// its pair is too; the cost is a partial forward per norm, ~10× a tiled forward for
// resnet_9blocks. docs/benchmarks.md measures all three.
enum class TileStatistics { per_tile, preview, exact };
struct Tiling {
  int tile = 0;     // side in pixels (0: the whole image at once)
  int overlap = 64;
  TileStatistics statistics = TileStatistics::preview;
};
data::Image translate_tiled(nets::Network& G, const data::Image& input, int multiple, Tiling tiling);

// The start of each tile along one axis of `length` pixels (a multiple of `multiple`, as is `tile`):
// evenly spread, on multiples of `multiple`, the first at 0 and the last ending at `length`.
std::vector<int> tile_starts(int length, int tile, int overlap, int multiple);

// The tensor memory one forward of G takes per pixel, measured on a small probe image (activations
// grow with the pixels; the weights are already in use and not counted). Resets the device's peak.
double probe_bytes_per_pixel(nets::Network& G, int channels, int multiple);
// The tile side for translating width × height within `budget_bytes` at `bytes_per_pixel`: 0 when
// the whole (padded) image fits; else the largest multiple of `multiple` that fits, at least
// 2 · overlap + 2 · multiple so that tiles are not all border.
int tile_for_budget(int width, int height, int multiple, int overlap, double bytes_per_pixel, double budget_bytes);

// Colorization at the image's own size: ab is predicted at the model's resolution from the resized
// L channel, upsampled (bicubic), and combined with the full-resolution L of the input.
data::Image colorize(nets::Network& G, const data::Image& rgb, int model_size);
// The same with any predictor of ab [1, 2, s, s] from L [1, 1, s, s] (CPU tensors in the model's
// scaling; the predictor moves them to its device): the memory colorizer's.
using AbPredictor = std::function<Tensor(const Tensor& L)>;
data::Image colorize(const AbPredictor& predict_ab, const data::Image& rgb, int model_size);
// The L channel the colorizers see: the image resized to model_size², [1, 1, s, s] on the CPU.
Tensor model_input_L(const data::Image& rgb, int model_size);

// The gray baseline of colorization: the input's Lab L with a = b = 0.
data::Image gray_baseline(const data::Image& rgb);

}  // namespace pigment::inference
