#include "tools/gan_serve/experiments.h"

#include <algorithm>

#include "engine/safetensors.h"
#include "nets/generators.h"
#include "tools/inference.h"
#include "tools/memory_inference.h"
#include "tools/metrics.h"
#include "train/checkpoint.h"
#include "train/device_choice.h"
#include "train/options.h"

namespace pigment::serve {

namespace fs = std::filesystem;

namespace {
constexpr const char* kTag = "latest";

fs::path state_path(const fs::path& dir) { return dir / (std::string(kTag) + "_state.safetensors"); }

std::string kind_of(nets::ModelKind k) {
  if (k == nets::ModelKind::memory_colorization) return "memory colorizer";
  if (k == nets::ModelKind::colorization) return "colorizer";
  return "translation";
}

bool is_gray(const data::Image& im) {
  if (im.channels == 1) return true;
  for (std::size_t i = 0; i + 2 < im.pixels.size(); i += 3)
    if (std::fabs(im.pixels[i] - im.pixels[i + 1]) > 1e-6f || std::fabs(im.pixels[i] - im.pixels[i + 2]) > 1e-6f)
      return false;
  return true;
}

// Fills the colorizers' metrics: each output against the original, and the gray baseline.
void colorization_metrics(Result& r) {
  nlohmann::json per_output = nlohmann::json::array();
  for (const Output& o : r.outputs) {
    nlohmann::json m = {{"label", o.label}, {"colorfulness", metrics::colorfulness(o.image)}};
    if (r.original) {
      m["psnr"] = metrics::psnr(o.image, *r.original);
      m["ssim"] = metrics::ssim(o.image, *r.original);
    }
    per_output.push_back(m);
  }
  r.metrics["outputs"] = per_output;
  if (r.original) {
    const data::Image gray = inference::gray_baseline(*r.original);
    r.metrics["gray_baseline"] = {{"psnr", metrics::psnr(gray, *r.original)},
                                  {"ssim", metrics::ssim(gray, *r.original)},
                                  {"colorfulness", metrics::colorfulness(gray)}};
    r.metrics["original"] = {{"colorfulness", metrics::colorfulness(*r.original)}};
  }
}

// The colorizer's input: a colour upload made gray (the colours are what it must find), kept as
// the original for the metrics; a gray upload as it is.
void take_input(const data::Image& upload, Result& r) {
  const data::Image rgb = data::to_rgb(upload);
  if (is_gray(rgb)) {
    r.input = rgb;
  } else {
    r.original = rgb;
    r.input = data::to_rgb(data::to_gray(rgb));
  }
}

class Colorizer final : public LoadedExperiment {
 public:
  Colorizer(ExperimentInfo info, const train::TrainOptions& o, const fs::path& dir, const Device& device)
      : LoadedExperiment(std::move(info)), crop_(o.data.crop_size) {
    Rng rng(0);
    G_ = nets::make_generator(o.model.generator, device, &rng);
    train::load_network(dir, kTag, "G", *G_);
    G_->set_training(false);
  }
  Result run(const Request& q) override {
    PIGMENT_CHECK(q.alternatives == 1 && !q.reference, "alternatives and a reference photo need a memory colorizer; "
                                                       "'{}' is a plain colorizer", info_.name);
    Result r;
    take_input(q.image, r);
    r.outputs.push_back({"colorized", inference::colorize(*G_, r.input, crop_), ""});
    colorization_metrics(r);
    return r;
  }

 private:
  std::unique_ptr<nets::Network> G_;
  int crop_;
};

class MemoryColorizer final : public LoadedExperiment {
 public:
  MemoryColorizer(ExperimentInfo info, const train::TrainOptions& o, const fs::path& dir, const Device& device)
      : LoadedExperiment(std::move(info)), colorizer_(o, dir, kTag, device) {}
  Result run(const Request& q) override {
    Result r;
    take_input(q.image, r);
    if (q.reference) {
      const inference::Coloring c = colorizer_.colorize_like(r.input, *q.reference);
      r.outputs.push_back({"colorized", c.image, "the reference photo's colours"});
    } else {
      const std::vector<inference::Coloring> cs = colorizer_.colorize(r.input, q.alternatives);
      for (std::size_t j = 0; j < cs.size(); ++j)
        r.outputs.push_back(
            {j == 0 ? "colorized" : fmt::format("alternative {}", j + 1), cs[j].image,
             fmt::format("memory slot {} (similarity {:.3f}){}", cs[j].slot, cs[j].similarity,
                         cs[j].source.empty() ? "" : ", colours of " + cs[j].source)});
    }
    colorization_metrics(r);
    r.metrics["memory"] = {{"slots", colorizer_.memory_slots()}, {"occupied", colorizer_.occupied_slots()}};
    return r;
  }

 private:
  inference::MemoryColorizer colorizer_;
};

class Translator final : public LoadedExperiment {
 public:
  Translator(ExperimentInfo info, const train::TrainOptions& o, const fs::path& dir, const Device& device)
      : LoadedExperiment(std::move(info)) {
    nets::GeneratorOptions g = o.model.generator;
    const bool cycle = o.model.kind == nets::ModelKind::cycle_gan;
    if (cycle && !o.data.a_to_b) std::swap(g.input_nc, g.output_nc);
    Rng rng(0);
    G_ = nets::make_generator(g, device, &rng);
    train::load_network(dir, kTag, cycle ? (o.data.a_to_b ? "G_A" : "G_B") : "G", *G_);
    G_->set_training(false);
    multiple_ = g.arch.input_multiple();
    gray_input_ = g.input_nc == 1;
  }
  Result run(const Request& q) override {
    PIGMENT_CHECK(q.alternatives == 1 && !q.reference, "alternatives and a reference photo need a memory colorizer; "
                                                       "'{}' is a translation model", info_.name);
    Result r;
    r.input = gray_input_ ? data::to_gray(q.image) : data::to_rgb(q.image);
    r.outputs.push_back({"translated", inference::translate(*G_, r.input, multiple_), ""});
    r.metrics["outputs"] = nlohmann::json::array({{{"label", "translated"},
                                                   {"colorfulness", metrics::colorfulness(r.outputs[0].image)}}});
    return r;
  }

 private:
  std::unique_ptr<nets::Network> G_;
  int multiple_ = 1;
  bool gray_input_ = false;
};

std::optional<ExperimentInfo> describe(const fs::path& dir) {
  const fs::path opt = dir / "train_opt.txt";
  std::error_code ec;
  if (!fs::is_regular_file(opt, ec) || !fs::is_regular_file(state_path(dir), ec)) return std::nullopt;
  try {
    const train::TrainOptions o = train::read_train_options(opt, {}, "gan-serve");
    ExperimentInfo info;
    info.name = dir.filename().string();
    info.model = std::string(nets::kModelNames.name(o.model.kind));
    info.kind = kind_of(o.model.kind);
    info.netG = o.model.generator.arch.name();
    const Metadata m = read_safetensors_metadata(state_path(dir));
    if (auto it = m.find("total_iters"); it != m.end()) info.step = std::stoll(it->second);
    return info;
  } catch (const std::exception&) {
    return std::nullopt;  // not an experiment this build can read
  }
}
}  // namespace

bool valid_experiment_name(const std::string& name) {
  if (name.empty() || name.size() > 128 || name[0] == '.') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
  });
}

std::vector<ExperimentInfo> list_experiments(const fs::path& checkpoints_dir) {
  std::vector<ExperimentInfo> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(checkpoints_dir, ec)) {
    if (!entry.is_directory(ec) || !valid_experiment_name(entry.path().filename().string())) continue;
    if (auto info = describe(entry.path())) out.push_back(*info);
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return out;
}

std::shared_ptr<LoadedExperiment> ExperimentCache::get(const std::string& name) {
  PIGMENT_CHECK(valid_experiment_name(name),
                "'{}' is not an experiment name (letters, digits, '_', '-' and '.', not starting with '.')", name);
  const fs::path dir = dir_ / name;
  std::error_code ec;
  const auto stamp = fs::last_write_time(state_path(dir), ec);
  PIGMENT_CHECK(!ec, "no trained experiment '{}' in {} (train one with gan-train --name {})", name, dir_.string(), name);
  std::lock_guard lock(mutex_);
  auto it = entries_.find(name);
  if (it != entries_.end() && it->second.stamp == stamp) return it->second.experiment;
  const std::optional<ExperimentInfo> info = describe(dir);
  PIGMENT_CHECK(info.has_value(), "'{}' is not an experiment gan-serve can read (its train_opt.txt or state)", name);
  const train::TrainOptions o = train::read_train_options(dir / "train_opt.txt", {}, "gan-serve");
  std::shared_ptr<LoadedExperiment> loaded;
  switch (o.model.kind) {
    case nets::ModelKind::colorization: loaded = std::make_shared<Colorizer>(*info, o, dir, device_); break;
    case nets::ModelKind::memory_colorization:
      loaded = std::make_shared<MemoryColorizer>(*info, o, dir, device_);
      break;
    default: loaded = std::make_shared<Translator>(*info, o, dir, device_); break;
  }
  entries_[name] = {loaded, stamp};
  ++loads_;
  return loaded;
}

}  // namespace pigment::serve
