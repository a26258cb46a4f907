#pragma once
// Datasets and the background loader of gan-train, with the reference implementation's modes and
// preprocessing. Everything random (order, crops, flips, the unaligned B partner) derives from
// Philox keyed by (seed, epoch, sample index), so a batch depends only on those numbers: resuming
// at (epoch, batch cursor) reproduces the uninterrupted run exactly, whatever the thread timing.
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/names.h"
#include "engine/tensor.h"
#include "train/data/image.h"

namespace pigment::data {

enum class DatasetMode { aligned, unaligned, single, colorization };
inline constexpr EnumNames<DatasetMode, 4> kDatasetModeNames{{{{"aligned", DatasetMode::aligned},
                                                               {"unaligned", DatasetMode::unaligned},
                                                               {"single", DatasetMode::single},
                                                               {"colorization", DatasetMode::colorization}}}};
enum class Preprocess { resize_and_crop, crop, scale_width, scale_width_and_crop, none };
inline constexpr EnumNames<Preprocess, 5> kPreprocessNames{{{{"resize_and_crop", Preprocess::resize_and_crop},
                                                             {"crop", Preprocess::crop},
                                                             {"scale_width", Preprocess::scale_width},
                                                             {"scale_width_and_crop", Preprocess::scale_width_and_crop},
                                                             {"none", Preprocess::none}}}};

// Defaults are the reference's command-line defaults, which gan-train's options store here directly.
struct DataOptions {
  std::filesystem::path dataroot;  // empty: the built-in synthetic scenes (see synthetic.h)
  std::string phase = "train";
  DatasetMode mode = DatasetMode::unaligned;
  bool a_to_b = true;  // --direction AtoB
  int input_nc = 3, output_nc = 3;
  Preprocess preprocess = Preprocess::resize_and_crop;
  int load_size = 286, crop_size = 256;
  bool no_flip = false;
  bool serial_batches = false;
  std::int64_t max_dataset_size = INT64_MAX;
  int batch_size = 1;
  std::uint64_t seed = 0;
  int num_threads = 4;              // background decoding/augmentation threads
  int shard_rank = 0, shard_count = 1;  // data parallelism: this rank's share of every epoch (loader.cpp)
  double max_bad_fraction = 0.05;   // more bad files than this (or an empty domain) stops training
  DecodeLimits limits;
  // Built-in synthetic data (when dataroot is empty): how many scenes, at what size.
  std::int64_t synthetic_train = 512, synthetic_test = 32;
  int synthetic_size = 0;           // 0: load_size
  int synthetic_palettes = 0;       // 0: natural colours; N: scenes in N palette families (synthetic.h)
};

// One training example, ready for the network: [C, H, W] float32 CPU tensors in the model's
// ranges ([−1, 1] for RGB/gray; L/50 − 1 and ab/110 for colorization).
struct Sample {
  Tensor A, B;  // B undefined in single mode
  std::string path_A, path_B;
  std::int64_t index_A = -1;  // A's index among the dataset's images (item_name)
};

// A batch: [N, C, H, W] float32 CPU tensors.
struct Batch {
  Tensor A, B;
  std::vector<std::string> paths_A, paths_B;
  std::vector<std::int64_t> indices_A;  // each sample's index_A
  std::int64_t epoch = 0, index = 0;  // which batch of which epoch
};

struct DataReport {  // what scanning and decoding found
  std::int64_t files_A = 0, files_B = 0;
  std::int64_t bad_files = 0;
  std::vector<std::string> warnings;  // one line per bad file, naming it and the reason
};

class Dataset {
 public:
  virtual ~Dataset() = default;
  virtual std::int64_t size() const = 0;  // samples per epoch
  // Sample `index` of the epoch's order, with its augmentation drawn from (seed, epoch, index).
  // Returns nothing (and records a warning) when the file cannot be decoded.
  virtual std::optional<Sample> get(std::int64_t epoch, std::int64_t index) = 0;
  virtual const DataReport& report() const = 0;
  // The number of images in domain A and the name of image `index` (a path under dataroot, or the
  // synthetic scene's name): what Sample::index_A refers to.
  virtual std::int64_t items_A() const = 0;
  virtual std::string item_name(std::int64_t index) const = 0;
  // get() without touching report(): on failure returns nothing and sets `error` to one line
  // naming the file and the reason. Safe to call from several threads at once (the DataLoader's
  // workers use it and keep their own report). The default calls get() and gives a generic reason,
  // so a Dataset that keeps the default must make get() thread-safe itself.
  virtual std::optional<Sample> try_get(std::int64_t epoch, std::int64_t index, std::string& error);
};

// Scans dataroot for the mode (recursively, sorted; extensions jpg jpeg png ppm bmp tif tiff, of
// which PNG, JPEG and BMP decode) or builds the synthetic set; throws pigment::Error with the fix
// when a directory is missing or a domain is empty.
std::unique_ptr<Dataset> make_dataset(const DataOptions& options);
// The image files under `dir` as make_dataset finds them (recursively, sorted, the first
// `max_count`); throws pigment::Error naming the folder when it cannot be listed.
std::vector<std::filesystem::path> find_images(const std::filesystem::path& dir, std::int64_t max_count = INT64_MAX);

// Produces batches on `options.num_threads` background threads, in order, a few batches ahead.
// A bad file is skipped (the next sample takes its place in the batch) and counted; when more
// than max_bad_fraction of the files seen are bad, next() throws pigment::Error naming the count
// and some of the files.
class DataLoader {
 public:
  DataLoader(std::shared_ptr<Dataset> dataset, const DataOptions& options);
  ~DataLoader();  // stops and joins the threads
  DataLoader(const DataLoader&) = delete;
  DataLoader& operator=(const DataLoader&) = delete;

  std::int64_t batches_per_epoch() const;
  // Begins epoch `epoch` at batch `first_batch` (a resumed run starts mid-epoch).
  void start_epoch(std::int64_t epoch, std::int64_t first_batch = 0);
  // The next batch of the epoch, or nothing at its end.
  std::optional<Batch> next();
  const DataReport& report() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Converts a batch-ready image to a [C, H, W] tensor in [−1, 1] and back ([−1, 1] → [0, 1]).
Tensor image_to_tensor(const Image& image);
Image tensor_to_image(const Tensor& chw);
// Colorization: an RGB image → (A = L/50 − 1 [1, H, W], B = ab/110 [2, H, W]), and back to RGB.
std::pair<Tensor, Tensor> image_to_lab_tensors(const Image& rgb);
Image lab_tensors_to_image(const Tensor& L_chw, const Tensor& ab_chw);

}  // namespace pigment::data
