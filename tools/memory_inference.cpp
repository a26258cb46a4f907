#include "tools/memory_inference.h"

#include <fstream>

#include "engine/safetensors.h"
#include "engine/views.h"
#include "tools/inference.h"
#include "train/checkpoint.h"
#include "train/data/dataset.h"
#include "train/data/preprocess.h"

namespace pigment::inference {

std::int64_t checkpoint_memory_size(const std::filesystem::path& dir, const std::string& tag) {
  const std::filesystem::path file = dir / (tag + "_net_M.safetensors");
  PIGMENT_CHECK(std::filesystem::exists(file), "no memory '{}': is '{}' a memory_colorization experiment? (check "
                                               "--checkpoints_dir, --name and --epoch)", file.string(), dir.string());
  const Tensor keys = load_safetensors(file, Device::cpu()).find("keys");
  PIGMENT_CHECK(keys.defined() && keys.rank() == 2, "{}: no [slots, dims] 'keys' tensor: not a colour memory",
                file.string());
  return keys.dim(0);
}

MemoryColorizer::MemoryColorizer(const train::TrainOptions& trained, const std::filesystem::path& dir,
                                 const std::string& tag, const Device& device)
    : model_size_(trained.data.crop_size) {
  nets::ModelOptions o = trained.model;
  o.is_train = false;
  o.memory.memory_size = checkpoint_memory_size(dir, tag);
  o.memory.key_weights.clear();  // the checkpoint's key network, not the one it started from
  auto model = nets::Model::create(o, device);
  model_.reset(&dynamic_cast<nets::MemoryColorizationModel&>(*model.release()));
  for (const char* name : {"G", "K", "M"}) train::load_network(dir, tag, name, *model_->network(name));
  for (const auto& [name, net] : model_->networks()) net->set_training(false);
  std::ifstream names(dir / "train_images.txt");
  for (std::string line; std::getline(names, line);) training_images_.push_back(line);
}

std::string MemoryColorizer::source_name(std::int64_t index) const {
  if (index < 0 || index >= static_cast<std::int64_t>(training_images_.size())) return {};
  return training_images_[static_cast<std::size_t>(index)];
}

std::int64_t MemoryColorizer::memory_slots() { return model_->memory().slots(); }
std::int64_t MemoryColorizer::occupied_slots() { return model_->memory().occupied(); }

std::vector<Coloring> MemoryColorizer::colorize(const data::Image& rgb, int k) {
  PIGMENT_CHECK(k >= 1, "colorize: ask for at least one colorization, got {}", k);
  const nets::Retrieval r = model_->retrieve(model_input_L(rgb, model_size_), k);
  std::vector<Coloring> out;
  for (std::size_t j = 0; j < r.slots.size(); ++j) {
    if (r.slots[j] < 0) break;  // past the occupied slots
    const Tensor value = reshape(gather_rows(r.values, Tensor::from_vector({1}, std::vector<double>{static_cast<double>(j)},
                                                                          r.values.device(), DType::f32)),
                                 {1, r.values.dim(1)});
    Coloring c;
    c.image = inference::colorize([&](const Tensor& L) { return model_->colorize(L, value); }, rgb, model_size_);
    c.slot = r.slots[j];
    c.similarity = r.scores[j];
    c.source = source_name(r.sources[j]);
    out.push_back(std::move(c));
  }
  PIGMENT_CHECK(!out.empty(), "colorize: the memory holds no colours (an untrained model?)");
  return out;
}

Coloring MemoryColorizer::colorize_like(const data::Image& rgb, const data::Image& reference) {
  const data::Image small = data::resize_bicubic(reference, model_size_, model_size_);
  auto [L, ab] = data::image_to_lab_tensors(small);
  const Tensor value = model_->colour_values(reshape(L, {1, 1, model_size_, model_size_}),
                                             reshape(ab, {1, 2, model_size_, model_size_}));
  Coloring c;
  c.image = inference::colorize([&](const Tensor& l) { return model_->colorize(l, value); }, rgb, model_size_);
  return c;
}

Coloring MemoryColorizer::colorize_with_slot(const data::Image& rgb, std::int64_t slot) {
  PIGMENT_CHECK(slot >= 0 && slot < memory_slots(), "slot {} is outside the memory's {} slots", slot, memory_slots());
  const Tensor value = model_->memory().values_at(Tensor::from_vector({1}, std::vector<double>{static_cast<double>(slot)},
                                                                      model_->device(), DType::f32));
  Coloring c;
  c.image = inference::colorize([&](const Tensor& L) { return model_->colorize(L, value); }, rgb, model_size_);
  c.slot = slot;
  c.source = source_name(static_cast<std::int64_t>(model_->memory().state().sources.to_vector<double>()[static_cast<std::size_t>(slot)]));
  return c;
}

std::vector<double> MemoryColorizer::value_distances(const data::Image& truth, const std::vector<std::int64_t>& slots) {
  const data::Image small = data::resize_bicubic(truth, model_size_, model_size_);
  auto [L, ab] = data::image_to_lab_tensors(small);
  const Tensor own = model_->colour_values(reshape(L, {1, 1, model_size_, model_size_}),
                                           reshape(ab, {1, 2, model_size_, model_size_}));
  std::vector<double> index(slots.begin(), slots.end());
  const Tensor d = model_->features().distance(
      own, model_->memory().state().values,
      Tensor::from_vector({1, static_cast<std::int64_t>(index.size())}, index, model_->device(), DType::f32));
  return d.to_vector<double>();
}

std::int64_t MemoryColorizer::random_occupied_slot(Rng& rng) {
  std::vector<std::int64_t> occupied;
  const std::vector<double> ages = model_->memory().state().ages.to_vector<double>();
  for (std::size_t j = 0; j < ages.size(); ++j)
    if (ages[j] >= 0) occupied.push_back(static_cast<std::int64_t>(j));
  PIGMENT_CHECK(!occupied.empty(), "the memory holds no colours (an untrained model?)");
  return occupied[static_cast<std::size_t>(rng.uniform_int(static_cast<std::int64_t>(occupied.size())))];
}

}  // namespace pigment::inference
