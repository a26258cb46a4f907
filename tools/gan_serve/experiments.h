#pragma once
// What gan-serve serves: the trained experiments of a checkpoints folder, each loaded once (and
// again when its checkpoint changes), and one colorization or translation of an uploaded image.
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/tensor.h"
#include "train/data/image.h"

namespace pigment::serve {

// An experiment a user can pick: a folder of the checkpoints folder with a train_opt.txt and a
// latest checkpoint.
struct ExperimentInfo {
  std::string name;
  std::string model;     // colorization, memory_colorization, pix2pix, cycle_gan
  std::string kind;      // "colorizer", "memory colorizer" or "translation"
  std::string netG;
  std::int64_t step = -1;  // images trained, from the checkpoint's state
};

// The experiments under `checkpoints_dir`, sorted by name. Never throws on a damaged folder: it is
// left out.
std::vector<ExperimentInfo> list_experiments(const std::filesystem::path& checkpoints_dir);

// Whether `name` can name an experiment folder: letters, digits, '_', '-', '.', not starting with
// '.', at most 128 characters — so it cannot leave the checkpoints folder.
bool valid_experiment_name(const std::string& name);

struct Request {
  data::Image image;                     // as uploaded (gray or colour)
  int alternatives = 1;                  // memory colorizers: the colorizations of the k nearest slots
  std::optional<data::Image> reference;  // memory colorizers: colour with this photo's colours
};

struct Output {
  std::string label;  // "colorized", "alternative 2", "translated"
  data::Image image;
  std::string note;   // where a memory colorizer's colours came from
};

struct Result {
  data::Image input;                     // what the model was given (a colour upload made gray, for colorizers)
  std::optional<data::Image> original;   // the colour upload, when a colorizer was given one
  std::vector<Output> outputs;
  nlohmann::json metrics;                // per output and the gray baseline (with an original)
};

// One experiment's networks at its latest checkpoint, ready to run (not thread-safe: the server
// runs one request at a time).
class LoadedExperiment {
 public:
  explicit LoadedExperiment(ExperimentInfo info) : info_(std::move(info)) {}
  virtual ~LoadedExperiment() = default;
  virtual Result run(const Request& request) = 0;
  const ExperimentInfo& info() const { return info_; }

 protected:
  ExperimentInfo info_;
};

// Loaded experiments by name, each loaded once and reloaded when its latest checkpoint's state file
// changes (a training still running saves new generations).
class ExperimentCache {
 public:
  ExperimentCache(std::filesystem::path checkpoints_dir, Device device)
      : dir_(std::move(checkpoints_dir)), device_(std::move(device)) {}
  // Throws pigment::Error naming the problem for an unknown or unloadable experiment.
  std::shared_ptr<LoadedExperiment> get(const std::string& name);
  int loads() const { return loads_; }

 private:
  struct Entry {
    std::shared_ptr<LoadedExperiment> experiment;
    std::filesystem::file_time_type stamp;
  };
  std::filesystem::path dir_;
  Device device_;
  std::mutex mutex_;
  std::map<std::string, Entry> entries_;
  int loads_ = 0;
};

}  // namespace pigment::serve
