#pragma once
// Procedural colour scenes: the built-in default data of gan-train. Each scene is a landscape —
// sky with a gradient, sun or moon, clouds, layered hills, water with reflections, trees, fields,
// rocks and the like — where every object class has its own colour distribution and texture, so
// that colour is predictable from shape, brightness and context (the signal a colorizer learns).
// Fully determined by (seed, index, size): the same call always returns the same picture.
#include <cstdint>
#include <filesystem>

#include "train/data/image.h"

namespace pigment::data {

//
// Palette families (palettes > 0): scene `index` belongs to family f = index mod palettes, which
// fixes what shows in gray — the time of day (f mod 3), water or none ((f div 3) mod 2), the
// horizon's height (f mod 4) — and turns every colour's hue by the family's angle in the ab plane
// (family f: 360°·((5f) mod palettes)/palettes), L unchanged. The family is then recognisable
// from the gray image and its colours are its own: what a colour memory can remember and retrieve
// and a colorizer must otherwise learn family by family.
Image synthetic_scene(std::uint64_t seed, std::int64_t index, int width, int height, int palettes = 0);

enum class SyntheticLayout { colorization, aligned };
// Writes <dir>/train/*.png and <dir>/test/*.png: colorization (plain RGB scenes) or aligned
// (gray|colour side by side, A|B, for pix2pix). Returns the number of files written.
std::int64_t write_synthetic_dataset(const std::filesystem::path& dir, SyntheticLayout layout, std::int64_t n_train,
                                     std::int64_t n_test, int size, std::uint64_t seed);

}  // namespace pigment::data
