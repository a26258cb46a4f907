// gan-test: colorizes (or translates) images with a trained generator, at each image's own size,
// and writes results/<name>/<phase>_<epoch>/index.html with input, output and ground truth, plus
// PSNR, SSIM and colorfulness per image and on average. The architecture options default to the
// experiment's train_opt.txt, so `gan-test --name X` is enough for a run trained with gan-train.
#include <cmath>
#include <cstdio>
#include <fstream>
#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "tools/command_line.h"
#include "engine/exit.h"
#include "engine/file_io.h"
#include "kernels/ops.h"
#include "nets/generators.h"
#include "tools/inference.h"
#include "tools/memory_inference.h"
#include "tools/metrics.h"
#include "train/checkpoint.h"
#include "train/device_choice.h"
#include "train/data/dataset.h"
#include "train/data/lab.h"
#include "train/data/preprocess.h"
#include "train/data/synthetic.h"
#include "train/html.h"
#include "train/memory_report.h"
#include "train/options.h"
#include "train/visuals.h"

using namespace pigment;
namespace fs = std::filesystem;

namespace {

struct TestOptions {
  std::string dataroot, name = "synthetic_colorizer", suffix, checkpoints_dir = "./checkpoints", results_dir = "./results";
  std::string epoch = "latest", phase = "test", device = "auto", gpu_ids, model_suffix;
  int num_test = 50, load_iter = 0;
  int tile = 0;           // translation tile side; 0: automatic (tiles only when the image would not fit)
  int tile_overlap = 64;  // pixels neighbouring tiles share
  bool no_tile = false;   // never tile
  std::string tile_statistics = "preview";  // instance norm in tiles: preview, exact or tile
  double aspect_ratio = 1.0;
  bool dropout_at_test = false;
  int num_colorings = 1;      // memory_colorization: the colorizations of the k nearest memory slots
  std::string reference;      // memory_colorization: colour with this photo's colours instead
  std::string colour_source = "memory";  // memory_colorization: memory, truth or random (the benchmark's bounds)
  bool preprocess_given = false;  // --preprocess given: images are resized and cropped as the reference's test.py
  bool mode_given = false;        // --dataset_mode given: trusted (no A|B pair detection)
  std::int64_t synthetic_test = 32;
  std::uint64_t seed = 0;
  // What the model was trained with: its train_opt.txt (or gan-train's defaults when there is
  // none), with the options given here on top.
  train::TrainOptions trained;
};

struct Item {
  std::string name;        // file stem
  data::Image input;       // what the generator sees (full size)
  data::Image truth;       // ground truth, empty if none
};

bool is_gray(const data::Image& im) {
  if (im.channels == 1) return true;
  for (int y = 0; y < im.height; ++y)
    for (int x = 0; x < im.width; ++x)
      if (std::fabs(im.at(y, x, 0) - im.at(y, x, 1)) > 1e-3f || std::fabs(im.at(y, x, 1) - im.at(y, x, 2)) > 1e-3f)
        return false;
  return true;
}

// Whether an image of an aligned dataset is an A|B pair side by side: its width is even and the
// two halves meet at an edge — the mean jump between the columns either side of the middle is
// several times the typical jump between neighbouring columns (a photo continues across its
// middle; two different images do not).
bool looks_like_pair(const data::Image& im) {
  if (im.width % 2 != 0 || im.width < 4) return false;
  auto column_jump = [&im](int x) {  // mean |I(y, x) − I(y, x + 1)| over rows and channels
    double sum = 0;
    for (int y = 0; y < im.height; ++y)
      for (int c = 0; c < im.channels; ++c) sum += std::fabs(im.at(y, x, c) - im.at(y, x + 1, c));
    return sum / (static_cast<double>(im.height) * im.channels);
  };
  const int seam = im.width / 2 - 1;
  std::vector<double> jumps;
  for (int x = 0; x + 1 < im.width; ++x)
    if (x != seam) jumps.push_back(column_jump(x));
  std::nth_element(jumps.begin(), jumps.begin() + jumps.size() / 2, jumps.end());
  const double typical = jumps[jumps.size() / 2];
  return column_jump(seam) > 3 * typical + 0.01;
}

std::vector<Item> gather(const TestOptions& o, data::DatasetMode mode) {
  std::vector<Item> items;
  if (o.dataroot.empty()) {  // held-out synthetic scenes (indices disjoint from training)
    for (std::int64_t i = 0; i < std::min<std::int64_t>(o.synthetic_test, o.num_test); ++i) {
      const int side = 2 * o.trained.data.crop_size;
      data::Image scene =
          data::synthetic_scene(0, (std::int64_t{1} << 40) + i, side, side, o.trained.data.synthetic_palettes);
      items.push_back({fmt::format("scene_{:03d}", i), scene, scene});
    }
    return items;
  }
  std::vector<fs::path> files;
  const fs::path root(o.dataroot);
  PIGMENT_CHECK(fs::exists(root), "--dataroot '{}' does not exist: give an image or a folder of images", o.dataroot);
  if (fs::is_regular_file(root)) {
    files.push_back(root);
  } else {
    // <phase>/ (aligned, single, colorization) or, for a CycleGAN's data, <phase>A/ or <phase>B/:
    // the input domain of the direction, as the reference's unaligned dataset reads it.
    fs::path dir = fs::is_directory(root / o.phase) ? root / o.phase : root;
    const fs::path domain = root / (o.phase + (o.trained.data.a_to_b ? "A" : "B"));
    if (o.trained.data.mode == data::DatasetMode::unaligned && fs::is_directory(domain)) dir = domain;
    for (const auto& e : fs::recursive_directory_iterator(dir)) {
      std::string ext = e.path().extension().string();
      for (char& ch : ext) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      if (e.is_regular_file() && (ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".bmp")) files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
  }
  PIGMENT_CHECK(!files.empty(), "no PNG, JPEG or BMP images under '{}': check --dataroot (and --phase)", o.dataroot);
  int skipped = 0, not_pairs = 0;
  for (const fs::path& f : files) {
    if (static_cast<int>(items.size()) >= o.num_test) break;
    std::string error;
    auto image = data::load_image(f, error);
    if (!image) {
      fmt::print(stderr, "gan-test: skipping {}\n", error);
      ++skipped;
      continue;
    }
    Item it{f.stem().string(), *image, {}};
    // An aligned model given an ordinary photo translates it whole (and has no ground truth),
    // unless --dataset_mode aligned says every image is a pair.
    const bool pair = mode == data::DatasetMode::aligned && (o.mode_given || looks_like_pair(*image));
    if (mode == data::DatasetMode::aligned && !pair) {
      fmt::print("gan-test: {} ({}×{}) is not an A|B pair side by side: translated whole, without ground truth\n",
                 f.filename().string(), image->width, image->height);
      ++not_pairs;
    }
    if (pair) {  // A|B side by side
      const int half = image->width / 2;
      data::Image A = data::crop(*image, 0, 0, half, image->height), B = data::crop(*image, half, 0, half, image->height);
      if (!o.trained.data.a_to_b) std::swap(A, B);
      it.input = A;
      it.truth = B;
    } else if (mode == data::DatasetMode::colorization) {
      it.input = data::to_rgb(*image);
      if (!is_gray(*image)) it.truth = it.input;  // a colour photo is its own ground truth
    }
    items.push_back(std::move(it));
  }
  if (skipped) fmt::print(stderr, "gan-test: {} unreadable file(s) skipped\n", skipped);
  if (not_pairs)
    fmt::print("gan-test: {} of {} image(s) were not A|B pairs; for a folder of single images pass --dataset_mode "
               "single, to split every image as a pair --dataset_mode aligned\n",
               not_pairs, items.size());
  PIGMENT_CHECK(!items.empty(), "none of the images under '{}' could be read (each is named above)", o.dataroot);
  if (o.preprocess_given) {  // as the reference's test.py: resized and cropped, never flipped
    data::DataOptions d = o.trained.data;
    d.no_flip = true;
    Rng crops(o.seed);
    for (Item& it : items) {
      const auto aug = data::detail::draw_augmentation(d, it.input.width, it.input.height, crops);
      it.input = data::detail::transform_image(it.input, d, aug, false);
      if (!it.truth.empty()) it.truth = data::detail::transform_image(it.truth, d, aug, false);
    }
  }
  return items;
}

// The reference's save_images: the width (ratio > 1) or the height (ratio < 1) scaled by the ratio.
data::Image scaled_for_aspect_ratio(const data::Image& im, double ratio) {
  if (ratio > 1.0) return data::resize_bicubic(im, static_cast<int>(im.width * ratio), im.height);
  if (ratio < 1.0) return data::resize_bicubic(im, im.width, static_cast<int>(im.height / ratio));
  return im;
}

int run(const TestOptions& o) {
  const nets::ModelKind model = o.trained.model.kind;
  const bool colorization = nets::is_colorization(model);
  const bool with_memory = model == nets::ModelKind::memory_colorization;
  PIGMENT_CHECK(with_memory || (o.num_colorings == 1 && o.reference.empty()),
                "--num_colorings and --reference choose a memory colorizer's colours; '{}' is a {} model", o.name,
                nets::kModelNames.name(model));
  // Unaligned data is read one domain at a time here.
  const data::DatasetMode mode =
      o.trained.data.mode == data::DatasetMode::unaligned ? data::DatasetMode::single : o.trained.data.mode;
  const Device device = train::select_device(o.device);
  Rng rng(o.seed);
  nets::GeneratorOptions g = o.trained.model.generator;
  const bool a_to_b = o.trained.data.a_to_b;
  if (model == nets::ModelKind::cycle_gan && !a_to_b) std::swap(g.input_nc, g.output_nc);
  const std::string net_name = model == nets::ModelKind::cycle_gan ? (a_to_b ? "G_A" : "G_B")
                               : model == nets::ModelKind::test     ? "G" + o.model_suffix
                                                                    : "G";
  const fs::path ckpt = fs::path(o.checkpoints_dir) / o.name;
  std::unique_ptr<nets::Network> G;
  std::unique_ptr<inference::MemoryColorizer> memory;
  train::LoadedNetwork loaded;
  std::optional<data::Image> reference;
  if (with_memory) {
    memory = std::make_unique<inference::MemoryColorizer>(o.trained, ckpt, o.epoch, device);
    loaded.file = ckpt / (o.epoch + "_net_G.safetensors");
    if (!o.reference.empty()) {
      std::string error;
      reference = data::load_image(o.reference, error, o.trained.data.limits);
      PIGMENT_CHECK(reference.has_value(), "--reference: {}", error);
    }
  } else {
    G = nets::make_generator(g, device, &rng);
    loaded = train::load_network(ckpt, o.epoch, net_name, *G);
    // Evaluation mode by default (dropout off, batch norm on running statistics); the reference
    // keeps dropout on at test time, which --dropout_at_test restores.
    G->set_training(o.dropout_at_test);
  }
  const int multiple = g.arch.input_multiple();
  const int crop_size = o.trained.data.crop_size;

  const std::vector<Item> items = gather(o, mode);
  const fs::path out_dir = fs::path(o.results_dir) / o.name / fmt::format("{}_{}", o.phase, o.epoch);
  fs::create_directories(out_dir / "images");
  std::set<fs::path> written;  // result images of this run; any other in images/ is an earlier run's
  std::vector<train::HtmlSection> sections;
  double sum_psnr = 0, sum_ssim = 0, sum_color = 0, sum_color_truth = 0, sum_gray_psnr = 0;
  // The memory colorizer's retrieval on images with ground truth: the nearest slot's value against a
  // random slot's, by their distance to the image's own value.
  struct RetrievalTally {
    int images = 0, hits = 0, random_hits = 0;
    double distance = 0, random_distance = 0;
    void add(double d, double random, double threshold) {
      ++images;
      hits += d < threshold;
      random_hits += random < threshold;
      distance += d;
      random_distance += random;
    }
  } retrieval;
  int with_truth = 0;
  nlohmann::json report = nlohmann::json::array();
  if (memory)
    fmt::print("gan-test: {} images with the memory colorizer of {} (memory: {} of {} slots hold colours) on {}\n",
               items.size(), ckpt.string(), memory->occupied_slots(), memory->memory_slots(), device.str());
  else
    fmt::print("gan-test: {} images with {} from {}{} on {}\n", items.size(), net_name, loaded.file.string(),
               loaded.step >= 0 ? fmt::format(" (step {})", loaded.step) : "", device.str());
  PIGMENT_CHECK(!(o.tile && o.no_tile), "--tile {} and --no_tile contradict each other: give one", o.tile);
  if (o.tile) {
    PIGMENT_CHECK(!colorization, "--tile: the colorizer predicts at its crop size ({}²) whatever the image's size, so "
                                 "it needs no tiles; --tile is for translation models", crop_size);
    PIGMENT_CHECK(o.tile % multiple == 0 && o.tile > o.tile_overlap,
                  "--tile {}: {} takes sides that are multiples of {}, and a tile must be larger than --tile_overlap "
                  "{}; try --tile {}", o.tile, g.arch.name(), multiple, o.tile_overlap,
                  std::max((o.tile + multiple - 1) / multiple, (o.tile_overlap / multiple) + 2) * multiple);
  }
  // Translation of a large image in tiles: the size given, or chosen when the whole image would
  // not fit in 60% of the memory free now (from one probe forward's bytes per pixel, measured once).
  const double budget = 0.6 * train::memory_available_bytes(device);
  std::optional<double> probe_bytes_per_pixel;
  const inference::TileStatistics tile_statistics = o.tile_statistics == "exact" ? inference::TileStatistics::exact
                                                    : o.tile_statistics == "tile" ? inference::TileStatistics::per_tile
                                                                                  : inference::TileStatistics::preview;
  auto translate = [&](const data::Image& input) {
    int tile = o.tile;
    if (tile == 0 && !o.no_tile && budget > 0) {
      // Before the first image, so the peak the probe resets held only the weights' loading.
      if (!probe_bytes_per_pixel) probe_bytes_per_pixel = inference::probe_bytes_per_pixel(*G, g.input_nc, multiple);
      const double per_pixel = *probe_bytes_per_pixel;
      tile = inference::tile_for_budget(input.width, input.height, multiple, o.tile_overlap, per_pixel, budget);
      if (tile)
        fmt::print("gan-test: a {}×{} image needs ~{:.1f} GB at once, {:.1f} GB is free: translating it in tiles of "
                   "{}² (overlap {}; --tile N chooses, --no_tile refuses)\n",
                   input.width, input.height, per_pixel * input.width * input.height / 1e9, budget / 0.6 / 1e9, tile,
                   o.tile_overlap);
    }
    if (tile == 0) return inference::translate(*G, input, multiple);
    return inference::translate_tiled(*G, input, multiple, {tile, o.tile_overlap, tile_statistics});
  };
  for (const Item& it : items) {
    // A memory colorizer's colours: the nearest slot's (and the next ones' as alternatives), or a
    // reference photo's; where they came from goes on the page.
    std::vector<inference::Coloring> alternatives;
    std::string colours_from;
    if (memory) {
      if (reference) {
        alternatives = {memory->colorize_like(it.input, *reference)};
        colours_from = fmt::format("colours of {}", o.reference);
      } else if (o.colour_source == "truth") {
        PIGMENT_CHECK(!it.truth.empty(), "--colour_source truth: {} has no colour ground truth", it.name);
        alternatives = {memory->colorize_like(it.input, it.truth)};
        colours_from = "its own colours (the ground truth's)";
      } else if (o.colour_source == "random") {
        alternatives = {memory->colorize_with_slot(it.input, memory->random_occupied_slot(rng))};
        colours_from = fmt::format("colours of the random memory slot {}", alternatives.front().slot);
      } else {
        alternatives = memory->colorize(it.input, o.num_colorings);
        const inference::Coloring& c = alternatives.front();
        colours_from = fmt::format("colours of memory slot {} (similarity {:.3f}){}", c.slot, c.similarity,
                                   c.source.empty() ? "" : ", from " + c.source);
      }
    }
    data::Image output = memory         ? alternatives.front().image
                         : colorization ? inference::colorize(*G, it.input, crop_size)
                                        : translate(it.input);
    data::Image shown_input = colorization ? data::to_rgb(data::to_gray(it.input)) : it.input;
    train::HtmlSection s{it.name, {}, ""};
    auto save = [&](const std::string& label, const data::Image& im) {
      const std::string file = fmt::format("images/{}_{}.png", it.name, label);
      data::save_png(out_dir / file, scaled_for_aspect_ratio(im, o.aspect_ratio));
      written.insert(out_dir / file);
      s.images.push_back({label, file});
    };
    save(colorization ? "input_gray" : "real_A", shown_input);
    save(colorization ? "colorized" : "fake_B", output);
    for (std::size_t j = 1; j < alternatives.size(); ++j) save(fmt::format("colorized_{}", j + 1), alternatives[j].image);

    nlohmann::json entry = {{"image", it.name}, {"colorfulness", metrics::colorfulness(output)}};
    if (memory && !it.truth.empty() && o.colour_source == "memory" && !reference) {
      // Retrieval: is the nearest slot's value the image's own colours (within the threshold),
      // and how is a random slot's?
      const std::vector<double> d = memory->value_distances(it.truth, {alternatives.front().slot,
                                                                       memory->random_occupied_slot(rng)});
      retrieval.add(d[0], d[1], memory->threshold());
      entry["value_distance"] = d[0];
      entry["random_slot_value_distance"] = d[1];
    }
    if (memory) {
      entry["colours"] = colours_from;
      nlohmann::json slots = nlohmann::json::array();
      for (const inference::Coloring& c : alternatives)
        slots.push_back({{"slot", c.slot}, {"similarity", c.similarity}, {"source", c.source}});
      entry["memory_slots"] = slots;
    }
    sum_color += metrics::colorfulness(output);
    if (!it.truth.empty() && it.truth.width == output.width && it.truth.height == output.height &&
        it.truth.channels == output.channels) {
      save(colorization ? "ground_truth" : "real_B", it.truth);
      const double p = metrics::psnr(output, it.truth), q = metrics::ssim(output, it.truth);
      const double ct = metrics::colorfulness(it.truth);
      if (colorization) {  // the gray (a = b = 0) baseline a colorizer must beat
        const double gray = metrics::psnr(inference::gray_baseline(it.truth), it.truth);
        sum_gray_psnr += gray;
        entry["psnr_gray_baseline"] = gray;
      }
      sum_psnr += p;
      sum_ssim += q;
      sum_color_truth += ct;
      ++with_truth;
      entry["psnr"] = p;
      entry["ssim"] = q;
      entry["colorfulness_truth"] = ct;
      s.note = fmt::format("PSNR {:.2f} dB · SSIM {:.4f} · colorfulness {:.1f} (ground truth {:.1f})", p, q,
                           metrics::colorfulness(output), ct);
    } else {
      s.note = fmt::format("colorfulness {:.1f}", metrics::colorfulness(output));
    }
    if (!colours_from.empty()) s.note += " · " + colours_from;
    fmt::print("  {:<24} {}\n", it.name, s.note);
    report.push_back(entry);
    sections.push_back(std::move(s));
  }
  const double n = static_cast<double>(items.size());
  std::string summary = fmt::format("{} images; mean colorfulness {:.1f}", items.size(), sum_color / n);
  if (with_truth) {
    summary = fmt::format("{} images; mean PSNR {:.2f} dB, SSIM {:.4f}, colorfulness {:.1f} (ground truth {:.1f})",
                          items.size(), sum_psnr / with_truth, sum_ssim / with_truth, sum_color / n,
                          sum_color_truth / with_truth);
    if (colorization)
      summary += fmt::format("; the gray (ab = 0) baseline scores {:.2f} dB", sum_gray_psnr / with_truth);
  }
  nlohmann::json retrieval_json;
  if (retrieval.images) {
    const double n_r = retrieval.images;
    summary += fmt::format("; retrieval: the nearest slot holds the image's colours (distance < {:g}) for {} of {} "
                           "({:.0f}%; a random slot: {:.0f}%), mean distance {:.3f} (a random slot: {:.3f})",
                           memory->threshold(), retrieval.hits, retrieval.images, 100 * retrieval.hits / n_r,
                           100 * retrieval.random_hits / n_r, retrieval.distance / n_r, retrieval.random_distance / n_r);
    retrieval_json = {{"images", retrieval.images},       {"hit_rate", retrieval.hits / n_r},
                      {"random_hit_rate", retrieval.random_hits / n_r}, {"mean_distance", retrieval.distance / n_r},
                      {"random_mean_distance", retrieval.random_distance / n_r}, {"threshold", memory->threshold()}};
  }
  fmt::print("gan-test: {}\n", summary);
  train::write_html_page(out_dir / "index.html", fmt::format("Experiment = {}, Phase = {}, Epoch = {}", o.name, o.phase, o.epoch),
                         "<p>" + train::html_escape(summary) + "</p>", sections, 256);
  nlohmann::json metrics_json = {{"summary", summary}, {"images", report}};
  if (with_truth) {
    metrics_json["mean"] = {{"psnr", sum_psnr / with_truth}, {"ssim", sum_ssim / with_truth},
                            {"colorfulness", sum_color / n}, {"colorfulness_truth", sum_color_truth / with_truth}};
    if (colorization) metrics_json["mean"]["psnr_gray_baseline"] = sum_gray_psnr / with_truth;
  }
  if (!retrieval_json.is_null()) metrics_json["retrieval"] = retrieval_json;
  const std::string json = metrics_json.dump(1);
  write_file_atomically(out_dir / "metrics.json", std::as_bytes(std::span(json.data(), json.size())));
  int stale = 0;
  for (const auto& e : fs::directory_iterator(out_dir / "images"))
    if (e.path().extension() == ".png" && !written.count(e.path())) stale += fs::remove(e.path()) ? 1 : 0;
  if (stale)
    fmt::print("gan-test: removed {} result image(s) of an earlier run from {}\n", stale, (out_dir / "images").string());
  fmt::print("gan-test: {}\n", train::format_memory_report(train::memory_report(device), device));
  fmt::print("gan-test: results in {}\n", (out_dir / "index.html").string());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Line-buffered even into a file or a pipe (> log, nohup, | tee): progress shows as it happens,
  // whole lines, and nothing printed is lost when the process is killed.
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  CLI::App app{"gan-test: colorize or translate images with a trained generator; writes an HTML page with metrics. "
               "Every option of gan-train is accepted too (--netG, --ngf, --norm, --direction, --dataset_mode, "
               "--crop_size, …): it overrides what the experiment's train_opt.txt says.",
               "gan-test"};
  // As argparse: an option given twice takes its last value (scripts append overrides).
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  // Options not defined here are the training's: passed on, in order, to gan-train's parser
  // on top of train_opt.txt, where they are typed and checked (and misspellings named).
  app.allow_extras();
  TestOptions o;
  std::string model;
  bool eval = false;
  app.add_option("--dataroot", o.dataroot, "an image or a folder (its <phase>/ subfolder if present); empty: "
                                           "held-out built-in synthetic scenes");
  app.add_option("--name", o.name, "experiment name")->capture_default_str();
  app.add_option("--suffix", o.suffix, "appended to --name as _<suffix>, each {option} replaced by its value");
  app.add_option("--checkpoints_dir", o.checkpoints_dir, "where the experiment's checkpoints are")->capture_default_str();
  app.add_option("--results_dir", o.results_dir, "where results go")->capture_default_str();
  app.add_option("--epoch", o.epoch, "which checkpoint: latest, an epoch number or iter_<N>")->capture_default_str();
  add_number(app, "--load_iter", o.load_iter, "> 0: the checkpoint iter_<load_iter> (in place of --epoch)", {0});
  app.add_option("--phase", o.phase, "phase name used in the results folder")->capture_default_str();
  add_number(app, "--num_test", o.num_test, "at most this many images", {1});
  add_number(app, "--tile", o.tile,
             "translation models: run the generator on tiles of N² pixels, blended where they overlap, so that "
             "any image size fits in memory; 0: automatic (tiles only when the image would not fit)", {0, 65536});
  add_number(app, "--tile_overlap", o.tile_overlap, "pixels neighbouring tiles share (blended)", {0, 65536});
  app.add_flag("--no_tile", o.no_tile, "never tile: the whole image at once, whatever its size");
  app.add_option("--tile_statistics", o.tile_statistics,
                 "instance norm in tiles: preview (the whole image's statistics from a first pass at one tile's area), "
                 "exact (measured at full resolution, one norm at a time: ~10× slower) or tile (each tile's own)")
      ->check(CLI::IsMember({"preview", "exact", "tile"}))
      ->capture_default_str();
  app.add_option("--model", model, "colorization, pix2pix, cycle_gan or test (one generator, G<model_suffix>); "
                                   "default: from train_opt.txt");
  app.add_option("--model_suffix", o.model_suffix,
                 "--model test: load G<suffix>, e.g. _A for a CycleGAN's G_A (the reference's latest_net_G_A)");
  add_number(app, "--aspect_ratio", o.aspect_ratio,
             "save images with width/height scaled by this ratio, as the reference (the metrics are computed before)",
             {0.01, 100.0});
  add_number(app, "--num_colorings", o.num_colorings,
             "memory_colorization: also write the colorizations with the colours of the 2nd … Nth nearest memory "
             "slots (colorized_2 …)", {1, 256});
  app.add_option("--reference", o.reference,
                 "memory_colorization: colour every image with the colours of this photo instead of the memory's");
  app.add_option("--colour_source", o.colour_source,
                 "memory_colorization: where the colours come from: memory (the nearest slot's), truth (the test image's "
                 "own: the upper bound) or random (a random occupied slot's: the lower bound)")
      ->check(CLI::IsMember({"memory", "truth", "random"}))
      ->capture_default_str();
  app.add_flag("--eval", eval, "evaluation mode: dropout off, batch norm on running statistics (Pigment's default)");
  app.add_flag("--dropout_at_test", o.dropout_at_test, "keep dropout and batch statistics on, as the reference does "
                                                       "without --eval");
  app.add_option("--device", o.device, "cpu, cuda, cuda:N, simt (the CUDA kernels on the CPU: SIMT builds) or auto")
      ->capture_default_str();
  app.add_option("--gpu_ids", o.gpu_ids, "the reference's GPU choice: -1 for the CPU, N for cuda:N (as --device)");
  app.add_option("--seed", o.seed, "seed of the synthetic test scenes and of the --preprocess crops")
      ->capture_default_str();
  app.add_option("--synthetic_test", o.synthetic_test, "synthetic test scenes when no --dataroot")->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    app.exit(e);
    fmt::print("\nThe training's options (given here, they override train_opt.txt):\n");
    const std::vector<std::string> help = {"--help"};
    train::parse_train_options(help);
    return 0;
  } catch (const CLI::ParseError& e) {
    return report_usage_error("gan-test", fmt::format("{} (run gan-test --help for every option)", e.what()));
  }
  try {
    PIGMENT_CHECK(!(eval && o.dropout_at_test), "--eval turns dropout off and --dropout_at_test keeps it on: give one");
    o.device = train::resolve_device(o.gpu_ids, o.device, app.count("--device") > 0);
    if (o.load_iter > 0) o.epoch = fmt::format("iter_{}", o.load_iter);
    const std::vector<std::string> overrides = app.remaining();
    o.preprocess_given = train::gives_option(overrides, "preprocess");
    o.mode_given = train::gives_option(overrides, "dataset_mode");
    const std::optional<nets::ModelKind> kind =
        model.empty() ? std::nullopt : std::optional(nets::kModelNames.parse(model, "model"));
    if (!o.suffix.empty())  // {option} takes the value the training's defaults and the overrides give
      o.name += "_" + train::expand_name_suffix(o.suffix, train::default_train_options(kind, overrides, "gan-test"));
    const fs::path opt_file = fs::path(o.checkpoints_dir) / o.name / "train_opt.txt";
    o.trained = fs::exists(opt_file) ? train::read_train_options(opt_file, overrides, "gan-test")
                                     : train::default_train_options(kind, overrides, "gan-test");
    if (kind) o.trained.model.kind = *kind;
    if (const std::string note = train::ignored_options_note(o.trained, "gan-test"); !note.empty())
      fmt::print("{}\n", note);
    return run(o);
  } catch (const std::exception& e) {
    return report_failure("gan-test", e);
  }
}
