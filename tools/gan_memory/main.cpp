// gan-memory: look at and edit a trained memory colorizer's colour memory, so that a user steers
// its colours without retraining (docs/memory-colorizer.md):
//   gan-memory --name X list              the occupied slots: age, the image the colours came from,
//                                         the colours (the three strongest as hex sRGB)
//   gan-memory --name X add PHOTO…        each photo's colours as a slot (its key: the photo's
//                                         query; an empty slot first, else the oldest)
//   gan-memory --name X remove SLOT…      empty those slots
// An edit rewrites the checkpoint as one generation (train/checkpoint.h): the memory's net file
// and the state, so that gan-test, gan-serve and --continue_train all see it.
#include <algorithm>
#include <cstdio>
#include <fstream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "engine/exit.h"
#include "engine/file_io.h"
#include "engine/safetensors.h"
#include "engine/views.h"
#include "nets/models/memory_colorization_model.h"
#include "tools/command_line.h"
#include "tools/inference.h"
#include "train/checkpoint.h"
#include "train/data/dataset.h"
#include "train/data/lab.h"
#include "train/options.h"

using namespace pigment;
namespace fs = std::filesystem;

namespace {

struct Options {
  std::string name, checkpoints_dir = "./checkpoints", epoch = "latest";
  std::vector<std::string> photos;
  std::vector<std::int64_t> slots;
};

// The experiment's model with its last checkpoint loaded (weights, memory, optimizer state: an
// edit is saved back as a whole generation).
struct Experiment {
  fs::path dir;
  train::TrainOptions trained;
  std::unique_ptr<nets::Model> model;
  std::unique_ptr<train::LrScheduler> scheduler;
  train::Progress progress;
  nets::MemoryColorizationModel& memory_model() { return dynamic_cast<nets::MemoryColorizationModel&>(*model); }
};

Experiment open(const Options& o) {
  Experiment e;
  e.dir = fs::path(o.checkpoints_dir) / o.name;
  const fs::path opt_file = e.dir / "train_opt.txt";
  PIGMENT_CHECK(fs::exists(opt_file), "no experiment '{}' ({} is missing): check --name and --checkpoints_dir",
                e.dir.string(), opt_file.string());
  e.trained = train::read_train_options(opt_file, {}, "gan-memory");
  PIGMENT_CHECK(e.trained.model.kind == nets::ModelKind::memory_colorization,
                "'{}' is a {} model: only a memory_colorization experiment has a colour memory", o.name,
                nets::kModelNames.name(e.trained.model.kind));
  nets::ModelOptions m = e.trained.model;
  m.memory.key_weights.clear();
  // The memory's size is the checkpoint's (0 in train_opt.txt means "as many as the data").
  const Tensor keys = load_safetensors(e.dir / (o.epoch + "_net_M.safetensors"), Device::cpu()).find("keys");
  PIGMENT_CHECK(keys.defined(), "{}: no colour memory in it", (e.dir / (o.epoch + "_net_M.safetensors")).string());
  m.memory.memory_size = keys.dim(0);
  e.model = nets::Model::create(m, Device::cpu());
  const train::TrainOptions& t = e.trained;
  e.scheduler = std::make_unique<train::LrScheduler>(t.lr_policy, t.model.adam.lr, t.epoch_count, t.n_epochs,
                                                     t.n_epochs_decay, t.lr_decay_iters);
  e.progress = train::load_checkpoint(e.dir, o.epoch, *e.model, *e.scheduler).progress;
  return e;
}

void save(Experiment& e, const Options& o) {
  const Metadata meta = read_safetensors_metadata(e.dir / (o.epoch + "_state.safetensors"));
  const auto options = meta.find("options");
  train::save_checkpoint(e.dir, o.epoch, *e.model, *e.scheduler, e.progress,
                         options == meta.end() ? std::string("{}") : options->second);
}

std::vector<std::string> training_images(const fs::path& dir) {
  std::vector<std::string> names;
  std::ifstream in(dir / "train_images.txt");
  for (std::string line; std::getline(in, line);) names.push_back(line);
  return names;
}

// The three strongest colours of a value as hex sRGB: a distribution's three heaviest bins (at
// L 60), or a palette's first three colours.
std::string colour_summary(const nets::ColourFeatures& f, const std::vector<double>& value) {
  auto hex = [](float L, float a, float b) {
    const auto rgb = data::lab_to_rgb(L, a, b);
    return fmt::format("#{:02x}{:02x}{:02x}", static_cast<int>(rgb[0] * 255 + 0.5f), static_cast<int>(rgb[1] * 255 + 0.5f),
                       static_cast<int>(rgb[2] * 255 + 0.5f));
  };
  std::string out;
  if (f.kind() == nets::ValueKind::distribution) {
    std::vector<std::size_t> order(value.size());
    std::iota(order.begin(), order.end(), 0);
    std::partial_sort(order.begin(), order.begin() + 3, order.end(), [&](auto a, auto b) { return value[a] > value[b]; });
    const auto bins = nets::ab_gamut_bins();
    for (int r = 0; r < 3; ++r)
      out += fmt::format("{}{} {:.0f}%", r ? ", " : "", hex(60, static_cast<float>(bins[order[static_cast<std::size_t>(r)]][0]),
                                                         static_cast<float>(bins[order[static_cast<std::size_t>(r)]][1])),
                         100 * value[order[static_cast<std::size_t>(r)]]);
  } else {
    for (int r = 0; r < 3; ++r)
      out += (r ? ", " : "") + hex(static_cast<float>((value[3 * r] + 1) * 50), static_cast<float>(value[3 * r + 1] * 110),
                                   static_cast<float>(value[3 * r + 2] * 110));
  }
  return out;
}

int list(const Options& o) {
  Experiment e = open(o);
  nets::ColourMemory& m = e.memory_model().memory();
  const std::vector<double> ages = m.state().ages.to_vector<double>(), sources = m.state().sources.to_vector<double>(),
                            values = m.state().values.to_vector<double>();
  const std::vector<std::string> names = training_images(e.dir);
  const auto V = static_cast<std::size_t>(m.value_dims());
  fmt::print("gan-memory: '{}' ({}): {} of {} slots hold colours ({} values)\n", o.name, o.epoch, m.occupied(), m.slots(),
             nets::kValueKindNames.name(e.memory_model().features().kind()));
  fmt::print("{:>6} {:>6}  {:<40} {}\n", "slot", "age", "colours from", "strongest colours");
  for (std::size_t j = 0; j < ages.size(); ++j) {
    if (ages[j] < 0) continue;
    const auto s = static_cast<std::int64_t>(sources[j]);
    const std::string from = s >= 0 && s < static_cast<std::int64_t>(names.size()) ? names[static_cast<std::size_t>(s)]
                                                                                  : std::string("(unknown)");
    const std::vector<double> v(values.begin() + static_cast<std::ptrdiff_t>(j * V),
                                values.begin() + static_cast<std::ptrdiff_t>((j + 1) * V));
    fmt::print("{:>6} {:>6.0f}  {:<40} {}\n", j, ages[j], from, colour_summary(e.memory_model().features(), v));
  }
  return 0;
}

int add(const Options& o) {
  Experiment e = open(o);
  nets::MemoryColorizationModel& model = e.memory_model();
  nets::ColourMemory& m = model.memory();
  std::vector<std::string> names = training_images(e.dir);
  const int size = e.trained.data.crop_size;
  for (const std::string& photo : o.photos) {
    std::string error;
    const std::optional<data::Image> image = data::load_image(photo, error, e.trained.data.limits);
    PIGMENT_CHECK(image.has_value(), "{}", error);
    const data::Image small = data::resize_bicubic(*image, size, size);
    auto [L, ab] = data::image_to_lab_tensors(small);
    L = reshape(L.to(model.device()), {1, 1, size, size});
    ab = reshape(ab.to(model.device()), {1, 2, size, size});
    Tensor query;
    {
      autograd::NoGradGuard no_grad;
      model.network("K")->set_training(false);
      query = model.network("K")->forward(L);
    }
    const Tensor value = model.colour_values(L, ab);
    // The slot: an empty one, else the oldest.
    const std::vector<double> ages = m.state().ages.to_vector<double>();
    std::size_t slot = 0;
    for (std::size_t j = 1; j < ages.size(); ++j) {
      const bool empty = ages[j] < 0, best_empty = ages[slot] < 0;
      if ((empty && !best_empty) || (empty == best_empty && ages[j] > ages[slot])) slot = j;
    }
    const bool replaced = ages[slot] >= 0;
    names.push_back("reference:" + fs::absolute(photo).string());
    auto set_row = [&](Tensor& t, const Tensor& row) {
      std::vector<double> all = t.to_vector<double>();
      const std::vector<double> r = row.to_vector<double>();
      std::copy(r.begin(), r.end(), all.begin() + static_cast<std::ptrdiff_t>(slot * r.size()));
      t.copy_from(Tensor::from_vector(t.shape(), all, t.device(), t.dtype()));
    };
    MemorySlots& s = m.state();
    set_row(s.keys, query);
    set_row(s.values, value);
    set_row(s.ages, Tensor::from_vector({1}, std::vector<double>{0.0}, Device::cpu(), DType::f32));
    set_row(s.sources, Tensor::from_vector({1}, std::vector<double>{static_cast<double>(names.size() - 1)}, Device::cpu(),
                                           DType::f32));
    fmt::print("gan-memory: {} → slot {}{}\n", photo, slot, replaced ? " (the oldest, replaced)" : "");
  }
  save(e, o);
  std::string text;
  for (const std::string& n : names) text += n + "\n";
  write_file_atomically(e.dir / "train_images.txt", std::as_bytes(std::span(text.data(), text.size())));
  return 0;
}

int remove_slots(const Options& o) {
  Experiment e = open(o);
  nets::ColourMemory& m = e.memory_model().memory();
  MemorySlots& s = m.state();
  std::vector<double> keys = s.keys.to_vector<double>(), values = s.values.to_vector<double>(),
                      ages = s.ages.to_vector<double>(), sources = s.sources.to_vector<double>();
  const auto D = static_cast<std::size_t>(m.key_dims()), V = static_cast<std::size_t>(m.value_dims());
  for (std::int64_t slot : o.slots) {
    PIGMENT_CHECK(slot >= 0 && slot < m.slots(), "slot {}: the memory has slots 0 to {}", slot, m.slots() - 1);
    const auto j = static_cast<std::size_t>(slot);
    PIGMENT_CHECK(ages[j] >= 0, "slot {} is empty already (gan-memory --name {} list shows the occupied ones)", slot,
                  o.name);
    std::fill_n(keys.begin() + static_cast<std::ptrdiff_t>(j * D), D, 0.0);
    std::fill_n(values.begin() + static_cast<std::ptrdiff_t>(j * V), V, 0.0);
    ages[j] = sources[j] = -1;
  }
  PIGMENT_CHECK(std::any_of(ages.begin(), ages.end(), [](double a) { return a >= 0; }),
                "removing every slot would leave the colorizer no colours: keep at least one");
  s.keys.copy_from(Tensor::from_vector(s.keys.shape(), keys, Device::cpu(), DType::f32));
  s.values.copy_from(Tensor::from_vector(s.values.shape(), values, Device::cpu(), DType::f32));
  s.ages.copy_from(Tensor::from_vector(s.ages.shape(), ages, Device::cpu(), DType::f32));
  s.sources.copy_from(Tensor::from_vector(s.sources.shape(), sources, Device::cpu(), DType::f32));
  save(e, o);
  fmt::print("gan-memory: emptied {} slot(s); {} of {} hold colours\n", o.slots.size(), m.occupied(), m.slots());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  CLI::App app{"gan-memory: list and edit a memory colorizer's colour memory (list, add PHOTO…, remove SLOT…); an "
               "edit is saved into the checkpoint",
               "gan-memory"};
  Options o;
  app.add_option("--name", o.name, "the memory_colorization experiment")->required();
  app.add_option("--checkpoints_dir", o.checkpoints_dir, "where its checkpoints are")->capture_default_str();
  app.add_option("--epoch", o.epoch, "which checkpoint: latest, an epoch number or iter_<N>")->capture_default_str();
  app.require_subcommand(1);
  CLI::App* list_cmd = app.add_subcommand("list", "the occupied slots, their ages and where their colours came from");
  CLI::App* add_cmd = app.add_subcommand("add", "add the colours of photos as slots (an empty slot, else the oldest)");
  add_cmd->add_option("photos", o.photos, "colour photos (PNG, JPEG or BMP)")->required();
  CLI::App* remove_cmd = app.add_subcommand("remove", "empty slots");
  remove_cmd->add_option("slots", o.slots, "slot numbers (as list shows them)")->required();
  if (auto code = parse_command_line(app, "gan-memory", argc, argv)) return *code;
  try {
    if (*list_cmd) return list(o);
    if (*add_cmd) return add(o);
    return remove_slots(o);
  } catch (const std::exception& e) {
    return report_failure("gan-memory", e);
  }
}
