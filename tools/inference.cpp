#include "tools/inference.h"

#include <algorithm>
#include <cmath>

#include "engine/views.h"
#include "nets/generators.h"
#include "nets/layers.h"
#include "train/data/dataset.h"
#include "train/data/lab.h"
#include "train/visuals.h"

namespace pigment::inference {

data::Image pad_to_multiple(const data::Image& image, int multiple) {
  const int w = std::max(multiple, (image.width + multiple - 1) / multiple * multiple);
  const int h = std::max(multiple, (image.height + multiple - 1) / multiple * multiple);
  if (w == image.width && h == image.height) return image;
  data::Image out(w, h, image.channels);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < image.channels; ++c)
        out.at(y, x, c) = image.at(std::min(y, image.height - 1), std::min(x, image.width - 1), c);
  return out;
}

data::Image translate(nets::Network& G, const data::Image& input, int multiple) {
  const Tensor x = data::image_to_tensor(pad_to_multiple(input, multiple));
  Tensor y;
  {
    autograd::NoGradGuard no_grad;
    y = G.forward(reshape(x, {1, x.dim(0), x.dim(1), x.dim(2)}).to(G.device()));
  }
  return data::crop(data::tensor_to_image(train::batch_item(y, 0)), 0, 0, input.width, input.height);
}

std::vector<int> tile_starts(int length, int tile, int overlap, int multiple) {
  if (length <= tile) return {0};
  const int step = tile - overlap;  // > 0: checked by the caller
  const int n = 1 + (length - tile + step - 1) / step;
  std::vector<int> starts;
  for (int i = 0; i < n; ++i) {
    const std::int64_t even = static_cast<std::int64_t>(i) * (length - tile) / (n - 1);
    starts.push_back(static_cast<int>(even / multiple * multiple));
  }
  starts.back() = length - tile;
  return starts;
}

namespace {
// Weight of position x (0 ≤ x < tile) of a tile along one axis, given how many pixels it shares
// with the tile before and after it (0: an image edge, where the tile's output is as good as the
// whole image's): 0 for the first shared/4 pixels from a shared edge, then a linear ramp across the
// middle of the shared band, 1 elsewhere.
float edge_weight(int x, int tile, int shared_before, int shared_after) {
  auto ramp = [](int d, int shared) {  // d: distance from the tile's edge, in pixels
    if (shared <= 0) return 1.0f;
    const int margin = shared / 4, width = std::max(1, shared - 2 * margin);
    return std::clamp((static_cast<float>(d - margin) + 0.5f) / static_cast<float>(width), 0.0f, 1.0f);
  };
  return std::min(ramp(x, shared_before), ramp(tile - 1 - x, shared_after));
}
}  // namespace

namespace {
// The cells tiles own along one axis: boundaries 0 = b_0 < b_1 < … < b_n = length, b_i in the middle
// of the band tiles i − 1 and i share, on the multiple; tile i owns [b_i, b_{i+1}).
std::vector<int> owned_cells(const std::vector<int>& starts, int tile, int length, int multiple) {
  std::vector<int> bounds{0};
  for (std::size_t i = 1; i < starts.size(); ++i) bounds.push_back((starts[i] + starts[i - 1] + tile) / 2 / multiple * multiple);
  bounds.push_back(length);
  return bounds;
}

// Gives every InstanceNorm2d of G the statistics object while it lives (none when G has none).
class StatisticsInUse {
 public:
  StatisticsInUse(nets::Network& G, nets::InstanceNormStatistics* statistics) : G_(G) {
    G_.root().visit([&](nets::Module& m) {
      if (auto* norm = dynamic_cast<nets::InstanceNorm2d*>(&m)) {
        norm->use_statistics(statistics);
        found_ = true;
      }
    });
  }
  ~StatisticsInUse() {
    G_.root().visit([](nets::Module& m) {
      if (auto* norm = dynamic_cast<nets::InstanceNorm2d*>(&m)) norm->use_statistics(nullptr);
    });
  }
  StatisticsInUse(const StatisticsInUse&) = delete;
  StatisticsInUse& operator=(const StatisticsInUse&) = delete;
  bool found() const { return found_; }

 private:
  nets::Network& G_;
  bool found_ = false;
};
}  // namespace

data::Image translate_tiled(nets::Network& G, const data::Image& input, int multiple, Tiling tiling) {
  const data::Image padded = pad_to_multiple(input, multiple);
  nets::InstanceNormStatistics statistics;
  StatisticsInUse in_use(G, tiling.statistics != TileStatistics::per_tile ? &statistics : nullptr);
  const int tile_w = std::min(tiling.tile, padded.width), tile_h = std::min(tiling.tile, padded.height);
  const std::vector<int> xs = tile_starts(padded.width, tile_w, tiling.overlap, multiple);
  const std::vector<int> ys = tile_starts(padded.height, tile_h, tiling.overlap, multiple);
  if (in_use.found() && (xs.size() > 1 || ys.size() > 1)) {
    // Pass 1: the whole image at one tile's area (its aspect kept, sides on the multiple).
    const double scale = std::min(1.0, std::sqrt(static_cast<double>(tiling.tile) * tiling.tile /
                                                 (static_cast<double>(input.width) * input.height)));
    auto side = [&](int length) { return std::max(multiple, static_cast<int>(length * scale) / multiple * multiple); };
    statistics.mode = nets::InstanceNormStatistics::Mode::record;
    (void)translate(G, data::resize_bicubic(input, side(input.width), side(input.height)), multiple);
    if (tiling.statistics == TileStatistics::exact) {
      // Norm by norm: the pass for norm i runs every tile up to it (the norms before it on their
      // measured pairs) and sums its input over the tile's owned cell.
      const std::vector<int> cells_x = owned_cells(xs, tile_w, padded.width, multiple);
      const std::vector<int> cells_y = owned_cells(ys, tile_h, padded.height, multiple);
      statistics.mode = nets::InstanceNormStatistics::Mode::refine;
      statistics.tile_width = tile_w;
      statistics.tile_height = tile_h;
      for (std::size_t layer = 0; layer < statistics.means.size(); ++layer) {
        statistics.refine_layer = layer;
        for (std::size_t j = 0; j < ys.size(); ++j)
          for (std::size_t i = 0; i < xs.size(); ++i) {
            statistics.x0 = cells_x[i] - xs[i];
            statistics.x1 = cells_x[i + 1] - xs[i];
            statistics.y0 = cells_y[j] - ys[j];
            statistics.y1 = cells_y[j + 1] - ys[j];
            statistics.next = 0;
            try {
              (void)translate(G, data::crop(padded, xs[i], ys[j], tile_w, tile_h), multiple);
            } catch (const nets::StopAfterRefinedLayer&) {
            }
          }
        statistics.finish_refinement();
      }
    }
    statistics.mode = nets::InstanceNormStatistics::Mode::apply;
  }
  data::Image sum;  // Σ weight · output, then divided by Σ weight
  std::vector<float> weight_sum(static_cast<std::size_t>(padded.width) * padded.height, 0.0f);
  for (std::size_t j = 0; j < ys.size(); ++j)
    for (std::size_t i = 0; i < xs.size(); ++i) {
      const int x0 = xs[i], y0 = ys[j];
      statistics.next = 0;
      const data::Image out = translate(G, data::crop(padded, x0, y0, tile_w, tile_h), multiple);
      if (sum.empty()) sum = data::Image(padded.width, padded.height, out.channels);
      const int before_x = i > 0 ? xs[i - 1] + tile_w - x0 : 0, after_x = i + 1 < xs.size() ? x0 + tile_w - xs[i + 1] : 0;
      const int before_y = j > 0 ? ys[j - 1] + tile_h - y0 : 0, after_y = j + 1 < ys.size() ? y0 + tile_h - ys[j + 1] : 0;
      for (int y = 0; y < tile_h; ++y) {
        const float wy = edge_weight(y, tile_h, before_y, after_y);
        for (int x = 0; x < tile_w; ++x) {
          const float w = wy * edge_weight(x, tile_w, before_x, after_x);
          if (w == 0.0f) continue;
          weight_sum[static_cast<std::size_t>(y0 + y) * padded.width + x0 + x] += w;
          for (int c = 0; c < out.channels; ++c) sum.at(y0 + y, x0 + x, c) += w * out.at(y, x, c);
        }
      }
    }
  data::Image result(input.width, input.height, sum.channels);
  for (int y = 0; y < input.height; ++y)
    for (int x = 0; x < input.width; ++x) {
      const float w = weight_sum[static_cast<std::size_t>(y) * padded.width + x];  // > 0: every pixel is some tile's interior
      for (int c = 0; c < sum.channels; ++c) result.at(y, x, c) = sum.at(y, x, c) / w;
    }
  return result;
}

double probe_bytes_per_pixel(nets::Network& G, int channels, int multiple) {
  Context& ctx = G.device().context();
  const int probe = std::max(multiple, (128 + multiple - 1) / multiple * multiple);
  const std::int64_t in_use = ctx.allocator_stats().bytes_in_use;
  ctx.reset_peak_bytes();
  (void)translate(G, data::Image(probe, probe, channels), multiple);
  return static_cast<double>(ctx.allocator_stats().peak_bytes_in_use - in_use) / (static_cast<double>(probe) * probe);
}

int tile_for_budget(int width, int height, int multiple, int overlap, double bytes_per_pixel, double budget_bytes) {
  const double padded_w = std::ceil(static_cast<double>(width) / multiple) * multiple;
  const double padded_h = std::ceil(static_cast<double>(height) / multiple) * multiple;
  if (bytes_per_pixel * padded_w * padded_h <= budget_bytes) return 0;
  const int side = static_cast<int>(std::sqrt(budget_bytes / std::max(bytes_per_pixel, 1.0))) / multiple * multiple;
  return std::max(side, (2 * overlap + multiple - 1) / multiple * multiple + 2 * multiple);
}

Tensor model_input_L(const data::Image& rgb, int model_size) {
  const data::Image small = data::resize_bicubic(rgb, model_size, model_size);
  return reshape(data::image_to_lab_tensors(small).first, {1, 1, model_size, model_size});
}

data::Image colorize(nets::Network& G, const data::Image& rgb, int model_size) {
  return colorize(
      [&G](const Tensor& L) {
        autograd::NoGradGuard no_grad;
        return G.forward(L.to(G.device()));
      },
      rgb, model_size);
}

data::Image colorize(const AbPredictor& predict_ab, const data::Image& rgb, int model_size) {
  const Tensor ab = predict_ab(model_input_L(rgb, model_size));
  const std::vector<float> ab_small = train::batch_item(ab, 0).to_vector<float>();
  data::Image a(model_size, model_size, 1), b(model_size, model_size, 1);
  const std::size_t plane = static_cast<std::size_t>(model_size) * model_size;
  std::copy_n(ab_small.begin(), plane, a.pixels.begin());
  std::copy_n(ab_small.begin() + static_cast<std::ptrdiff_t>(plane), plane, b.pixels.begin());
  const data::Image a_full = data::resize_bicubic(a, rgb.width, rgb.height);
  const data::Image b_full = data::resize_bicubic(b, rgb.width, rgb.height);
  data::Image out(rgb.width, rgb.height, 3);
  for (int y = 0; y < rgb.height; ++y)
    for (int x = 0; x < rgb.width; ++x) {
      const auto lab = data::rgb_to_lab(rgb.at(y, x, 0), rgb.at(y, x, 1), rgb.at(y, x, 2));
      const auto c = data::lab_to_rgb(lab[0], a_full.at(y, x, 0) * data::kAbScale, b_full.at(y, x, 0) * data::kAbScale);
      for (int k = 0; k < 3; ++k) out.at(y, x, k) = c[static_cast<std::size_t>(k)];
    }
  return out;
}

data::Image gray_baseline(const data::Image& rgb) {
  data::Image out(rgb.width, rgb.height, 3);
  for (int y = 0; y < rgb.height; ++y)
    for (int x = 0; x < rgb.width; ++x) {
      const auto lab = data::rgb_to_lab(rgb.at(y, x, 0), rgb.at(y, x, 1), rgb.at(y, x, 2));
      const auto c = data::lab_to_rgb(lab[0], 0.0f, 0.0f);
      for (int k = 0; k < 3; ++k) out.at(y, x, k) = c[static_cast<std::size_t>(k)];
    }
  return out;
}

}  // namespace pigment::inference
