// make_dataset and the four modes of the reference (aligned, unaligned, single, colorization),
// over files or synthetic scenes.
#include <algorithm>
#include <mutex>
#include <numeric>
#include <set>

#include <fmt/format.h>

#include "engine/error.h"
#include "train/data/dataset.h"
#include "train/data/image_source.h"
#include "train/data/preprocess.h"
#include "train/data/seeds.h"

namespace pigment::data {

namespace detail {
std::vector<std::int64_t> epoch_permutation(std::uint64_t seed, std::int64_t epoch, std::int64_t n) {
  std::vector<std::int64_t> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), std::int64_t{0});
  Rng gen(derive_seed(seed, Stream::order, static_cast<std::uint64_t>(epoch), 0));
  for (std::int64_t i = n - 1; i > 0; --i) std::swap(order[i], order[gen.uniform_int(i + 1)]);
  return order;
}
}  // namespace detail

std::optional<Sample> Dataset::try_get(std::int64_t epoch, std::int64_t index, std::string& error) {
  std::optional<Sample> sample = get(epoch, index);
  if (!sample) error = fmt::format("sample {} of epoch {} could not be loaded", index, epoch);
  return sample;
}

namespace {

using detail::ImageSource;
namespace fs = std::filesystem;

// Scenes of the built-in data come from this fixed seed, so every training seed sees the same
// scenes (options.seed drives only order and augmentation); make-synthetic-dataset's default
// --seed writes the same pictures to disk.
constexpr std::uint64_t kSyntheticSceneSeed = 0;
// Unaligned synthetic data: domain B's scenes are other scenes than domain A's.
constexpr std::int64_t kSyntheticDomainBOffset = std::int64_t{1} << 39;

class ModeDataset final : public Dataset {
 public:
  ModeDataset(const DataOptions& options, std::unique_ptr<ImageSource> a, std::unique_ptr<ImageSource> b)
      : options_(options), a_(std::move(a)), b_(std::move(b)) {
    report_.files_A = a_->size();
    report_.files_B = b_ ? b_->size() : 0;
    size_ = options_.mode == DatasetMode::unaligned ? std::max(a_->size(), b_->size()) : a_->size();
  }

  std::int64_t size() const override { return size_; }
  const DataReport& report() const override { return report_; }
  std::int64_t items_A() const override { return a_->size(); }
  std::string item_name(std::int64_t index) const override { return a_->name(index); }

  std::optional<Sample> get(std::int64_t epoch, std::int64_t index) override {
    std::string error;
    std::optional<Sample> sample = try_get(epoch, index, error);
    if (!sample) {
      std::lock_guard lock(report_mutex_);
      if (bad_names_.insert(error).second) {
        report_.bad_files++;
        report_.warnings.push_back(error);
      }
    }
    return sample;
  }

  std::optional<Sample> try_get(std::int64_t epoch, std::int64_t index, std::string& error) override {
    PIGMENT_CHECK(index >= 0 && index < size_, "Dataset::get: index {} is outside the epoch's {} samples", index,
                  size_);
    const std::int64_t item = item_at(epoch, index);
    const auto e = static_cast<std::uint64_t>(epoch), i = static_cast<std::uint64_t>(index);
    Rng gen_a(detail::derive_seed(options_.seed, detail::Stream::augment_A, e, i));
    switch (options_.mode) {
      case DatasetMode::aligned: return aligned(item, gen_a, error);
      case DatasetMode::unaligned: {
        Rng gen_b(detail::derive_seed(options_.seed, detail::Stream::augment_B, e, i));
        Rng partner(detail::derive_seed(options_.seed, detail::Stream::partner_B, e, i));
        return unaligned(item, gen_a, gen_b, partner, error);
      }
      case DatasetMode::single: return single(item, gen_a, error);
      case DatasetMode::colorization: return colorization(item, gen_a, error);
    }
    PIGMENT_FAIL("Dataset: unknown mode");
  }

 private:
  // Channels of the left/first domain (the file's A) and of the right/second (B): with BtoA the
  // network's input is B, so the reference gives A the output's channel count.
  int channels_of_A() const { return options_.a_to_b ? options_.input_nc : options_.output_nc; }
  int channels_of_B() const { return options_.a_to_b ? options_.output_nc : options_.input_nc; }

  std::int64_t item_at(std::int64_t epoch, std::int64_t index) {
    if (options_.serial_batches) return index;
    std::lock_guard lock(order_mutex_);
    if (!order_ || order_epoch_ != epoch) {
      order_ = std::make_shared<const std::vector<std::int64_t>>(detail::epoch_permutation(options_.seed, epoch, size_));
      order_epoch_ = epoch;
    }
    return (*order_)[static_cast<std::size_t>(index)];
  }

  // Sample.A is always the network's input: with BtoA the two sides swap.
  Sample oriented(Tensor a, Tensor b, std::string path_a, std::string path_b) const {
    if (!options_.a_to_b) {
      std::swap(a, b);
      std::swap(path_a, path_b);
    }
    return Sample{std::move(a), std::move(b), std::move(path_a), std::move(path_b)};
  }

  std::optional<Sample> aligned(std::int64_t item, Rng& gen, std::string& error) const {
    std::optional<Image> ab = a_->load(item, error);
    if (!ab) return std::nullopt;
    if (ab->width < 2) {
      error = fmt::format("{}: aligned image is {} pixel wide; it must hold A and B side by side",
                          a_->name(item), ab->width);
      return std::nullopt;
    }
    const int half = ab->width / 2;  // int(w / 2): an odd extra column goes to B
    const Image left = crop(*ab, 0, 0, half, ab->height);
    const Image right = crop(*ab, half, 0, ab->width - half, ab->height);
    // One draw for both halves: the same crop and flip keep A and B pixel-aligned.
    const detail::Augmentation aug = detail::draw_augmentation(options_, left.width, left.height, gen);
    const Image a = detail::transform_image(left, options_, aug, channels_of_A() == 1);
    const Image b = detail::transform_image(right, options_, aug, channels_of_B() == 1);
    const std::string name = a_->name(item);
    return oriented(image_to_tensor(a), image_to_tensor(b), name, name);
  }

  std::optional<Sample> unaligned(std::int64_t item, Rng& gen_a, Rng& gen_b, Rng& partner,
                                  std::string& error) const {
    const std::int64_t index_a = item % a_->size();
    // The reference draws B's partner at random unless serial_batches (then B follows the index).
    const std::int64_t index_b = options_.serial_batches ? item % b_->size() : partner.uniform_int(b_->size());
    std::optional<Image> a = a_->load(index_a, error);
    if (!a) return std::nullopt;
    std::optional<Image> b = b_->load(index_b, error);
    if (!b) return std::nullopt;
    const detail::Augmentation aug_a = detail::draw_augmentation(options_, a->width, a->height, gen_a);
    const detail::Augmentation aug_b = detail::draw_augmentation(options_, b->width, b->height, gen_b);
    return oriented(image_to_tensor(detail::transform_image(*a, options_, aug_a, channels_of_A() == 1)),
                    image_to_tensor(detail::transform_image(*b, options_, aug_b, channels_of_B() == 1)),
                    a_->name(index_a), b_->name(index_b));
  }

  std::optional<Sample> single(std::int64_t item, Rng& gen, std::string& error) const {
    std::optional<Image> a = a_->load(item, error);
    if (!a) return std::nullopt;
    const int channels = options_.a_to_b ? options_.input_nc : options_.output_nc;
    const detail::Augmentation aug = detail::draw_augmentation(options_, a->width, a->height, gen);
    Sample s;
    s.A = image_to_tensor(detail::transform_image(*a, options_, aug, channels == 1));
    s.path_A = a_->name(item);
    return s;
  }

  std::optional<Sample> colorization(std::int64_t item, Rng& gen, std::string& error) const {
    std::optional<Image> rgb = a_->load(item, error);
    if (!rgb) return std::nullopt;
    const detail::Augmentation aug = detail::draw_augmentation(options_, rgb->width, rgb->height, gen);
    auto [l, ab] = image_to_lab_tensors(detail::transform_image(*rgb, options_, aug, false));
    const std::string name = a_->name(item);
    return Sample{std::move(l), std::move(ab), name, name, item};
  }

  DataOptions options_;
  std::unique_ptr<ImageSource> a_, b_;
  std::int64_t size_ = 0;
  DataReport report_;
  std::set<std::string> bad_names_;
  std::mutex report_mutex_;
  std::mutex order_mutex_;
  std::shared_ptr<const std::vector<std::int64_t>> order_;
  std::int64_t order_epoch_ = -1;
};

void check_options(const DataOptions& o) {
  PIGMENT_CHECK(o.load_size > 0 && o.crop_size > 0, "data: --load_size {} and --crop_size {} must be positive",
                o.load_size, o.crop_size);
  PIGMENT_CHECK(o.preprocess != Preprocess::resize_and_crop || o.crop_size <= o.load_size,
                "data: --crop_size {} is larger than --load_size {}: resize_and_crop resizes to load_size and then "
                "crops, so crop_size must not exceed it",
                o.crop_size, o.load_size);
  PIGMENT_CHECK(o.batch_size > 0, "data: --batch_size {} must be positive", o.batch_size);
  PIGMENT_CHECK(o.num_threads >= 0, "data: --num_threads {} must not be negative", o.num_threads);
  PIGMENT_CHECK(o.max_bad_fraction >= 0.0 && o.max_bad_fraction <= 1.0,
                "data: --max_bad_fraction {} must lie in [0, 1]", o.max_bad_fraction);
  PIGMENT_CHECK(o.max_dataset_size > 0, "data: --max_dataset_size {} must be positive", o.max_dataset_size);
  if (o.mode == DatasetMode::colorization) {
    PIGMENT_CHECK(o.input_nc == 1 && o.output_nc == 2 && o.a_to_b,
                  "data: colorization mode maps L (1 channel) to ab (2 channels) in direction AtoB, but got input_nc "
                  "{}, output_nc {}, direction {}: use --input_nc 1 --output_nc 2 --direction AtoB",
                  o.input_nc, o.output_nc, o.a_to_b ? "AtoB" : "BtoA");
    return;
  }
  const bool input_ok = o.input_nc == 1 || o.input_nc == 3;
  const bool output_ok = o.mode == DatasetMode::single || o.output_nc == 1 || o.output_nc == 3;
  PIGMENT_CHECK(input_ok && output_ok,
                "data: {} mode reads RGB or gray images, so input_nc and output_nc must be 1 or 3, but got {} and {} "
                "(2 output channels are the colorization mode's ab): set --input_nc/--output_nc, or use "
                "--dataset_mode colorization",
                o.mode == DatasetMode::aligned ? "aligned" : o.mode == DatasetMode::unaligned ? "unaligned" : "single",
                o.input_nc, o.output_nc);
}

const char* mode_name(DatasetMode m) {
  switch (m) {
    case DatasetMode::aligned: return "aligned";
    case DatasetMode::unaligned: return "unaligned";
    case DatasetMode::single: return "single";
    case DatasetMode::colorization: return "colorization";
  }
  return "?";
}

// The folder's images, or an error that names the folder, what the mode expects there and the fix.
std::unique_ptr<ImageSource> folder_source(const fs::path& dir, const DataOptions& o, const std::string& layout,
                                           const std::string& fix) {
  std::error_code ec;
  PIGMENT_CHECK(fs::is_directory(dir, ec), "data: {} does not exist or is not a folder: {} mode reads {}; {}",
                dir.string(), mode_name(o.mode), layout, fix);
  std::vector<fs::path> paths = detail::scan_images(dir, o.max_dataset_size);
  PIGMENT_CHECK(!paths.empty(),
                "data: no images in {} (searched recursively for .jpg .jpeg .png .ppm .bmp .tif .tiff): {} mode reads "
                "{}; {}",
                dir.string(), mode_name(o.mode), layout, fix);
  return detail::make_file_source(std::move(paths), o.limits);
}

std::unique_ptr<Dataset> file_dataset(const DataOptions& o) {
  std::error_code ec;
  PIGMENT_CHECK(fs::is_directory(o.dataroot, ec),
                "data: --dataroot {} does not exist or is not a folder: give the dataset's folder, or leave --dataroot "
                "empty to train on the built-in synthetic scenes",
                o.dataroot.string());
  const std::string check = "check --dataroot and --phase";
  switch (o.mode) {
    case DatasetMode::colorization:
      return std::make_unique<ModeDataset>(
          o,
          folder_source(o.dataroot / o.phase, o, "colour photos from <dataroot>/<phase>",
                        check + ", or build one from a folder of photos with make-colorization-dataset --input PHOTOS "
                                "--output " + o.dataroot.string()),
          nullptr);
    case DatasetMode::aligned:
      return std::make_unique<ModeDataset>(
          o,
          folder_source(o.dataroot / o.phase, o, "A|B pairs side by side from <dataroot>/<phase>",
                        check + ", or pair two folders with combine-A-and-B --fold_A A --fold_B B --fold_AB " +
                            o.dataroot.string()),
          nullptr);
    case DatasetMode::unaligned: {
      const std::string layout = "domain A from <dataroot>/<phase>A and domain B from <dataroot>/<phase>B";
      auto a = folder_source(o.dataroot / (o.phase + "A"), o, layout, check + ", and put each domain's images there");
      auto b = folder_source(o.dataroot / (o.phase + "B"), o, layout, check + ", and put each domain's images there");
      return std::make_unique<ModeDataset>(o, std::move(a), std::move(b));
    }
    case DatasetMode::single:
      return std::make_unique<ModeDataset>(
          o, folder_source(o.dataroot, o, "the images directly under <dataroot>", "check --dataroot"), nullptr);
  }
  PIGMENT_FAIL("data: unknown dataset mode");
}

std::unique_ptr<Dataset> synthetic_dataset(const DataOptions& o) {
  PIGMENT_CHECK(o.phase == "train" || o.phase == "test",
                "data: the built-in synthetic scenes have phases train and test, not '{}': use --phase train or test, "
                "or give --dataroot",
                o.phase);
  const bool train = o.phase == "train";
  const std::int64_t count = std::min(train ? o.synthetic_train : o.synthetic_test, o.max_dataset_size);
  PIGMENT_CHECK(count > 0, "data: {} synthetic {} scenes requested: the count must be positive", count, o.phase);
  const std::int64_t first = train ? 0 : detail::kSyntheticTestOffset;
  const int size = o.synthetic_size > 0 ? o.synthetic_size : o.load_size;
  using detail::SceneKind;
  switch (o.mode) {
    case DatasetMode::colorization:
      return std::make_unique<ModeDataset>(
          o, detail::make_synthetic_source(kSyntheticSceneSeed, first, count, size, SceneKind::colour, o.synthetic_palettes),
          nullptr);
    case DatasetMode::aligned:
      return std::make_unique<ModeDataset>(
          o, detail::make_synthetic_source(kSyntheticSceneSeed, first, count, size, SceneKind::gray_colour_pair),
          nullptr);
    case DatasetMode::unaligned:
      return std::make_unique<ModeDataset>(
          o, detail::make_synthetic_source(kSyntheticSceneSeed, first, count, size, SceneKind::gray),
          detail::make_synthetic_source(kSyntheticSceneSeed, first + kSyntheticDomainBOffset, count, size,
                                        SceneKind::colour));
    case DatasetMode::single:
      return std::make_unique<ModeDataset>(
          o, detail::make_synthetic_source(kSyntheticSceneSeed, first, count, size, SceneKind::gray), nullptr);
  }
  PIGMENT_FAIL("data: unknown dataset mode");
}

}  // namespace

std::vector<std::filesystem::path> find_images(const std::filesystem::path& dir, std::int64_t max_count) {
  return detail::scan_images(dir, max_count);
}

std::unique_ptr<Dataset> make_dataset(const DataOptions& options) {
  check_options(options);
  return options.dataroot.empty() ? synthetic_dataset(options) : file_dataset(options);
}

}  // namespace pigment::data
