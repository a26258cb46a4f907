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

Image synthetic_scene(std::uint64_t seed, std::int64_t index, int width, int height);

enum class SyntheticLayout { colorization, aligned };
// Writes <dir>/train/*.png and <dir>/test/*.png: colorization (plain RGB scenes) or aligned
// (gray|colour side by side, A|B, for pix2pix). Returns the number of files written.
std::int64_t write_synthetic_dataset(const std::filesystem::path& dir, SyntheticLayout layout, std::int64_t n_train,
                                     std::int64_t n_test, int size, std::uint64_t seed);

}  // namespace pigment::data
