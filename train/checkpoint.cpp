#include "train/checkpoint.h"

#include "engine/file_io.h"

namespace pigment::train {

namespace {
std::filesystem::path net_file(const std::filesystem::path& dir, const std::string& tag, const std::string& name) {
  return dir / (tag + "_net_" + name + ".safetensors");
}
std::filesystem::path state_file(const std::filesystem::path& dir, const std::string& tag) {
  return dir / (tag + "_state.safetensors");
}
std::string get(const Metadata& m, const std::string& key, const std::filesystem::path& file) {
  auto it = m.find(key);
  PIGMENT_CHECK(it != m.end(), "{}: metadata '{}' is missing: not a Pigment training state file", file.string(), key);
  return it->second;
}
}  // namespace

void save_checkpoint(const std::filesystem::path& dir, const std::string& tag, const nets::Model& model,
                     const LrScheduler& scheduler, const Progress& progress, const std::string& options_json) {
  std::filesystem::create_directories(dir);
  TensorList state;
  Metadata meta;
  for (const auto& [name, net] : model.networks()) {
    const TensorList sd = net->state_dict();
    save_safetensors(net_file(dir, tag, name), sd,
                     {{"format", "pigment"}, {"arch", net->arch()}, {"network", name},
                      {"total_iters", std::to_string(progress.total_iters)}});
    for (const auto& [key, t] : sd) state.emplace_back("net_" + name + "." + key, t);
  }
  model.save_training_state(state, meta);
  scheduler.save(meta);
  meta["format"] = "pigment-training-state";
  meta["model"] = std::string(nets::kModelNames.name(model.options().kind));
  meta["epoch"] = std::to_string(progress.epoch);
  meta["next_batch"] = std::to_string(progress.next_batch);
  meta["epoch_iter"] = std::to_string(progress.epoch_iter);
  meta["total_iters"] = std::to_string(progress.total_iters);
  meta["epoch_loss_sum"] = fmt::format("{:.17g}", progress.epoch_loss_sum);
  meta["epoch_loss_count"] = std::to_string(progress.epoch_loss_count);
  meta["options"] = options_json;
  save_safetensors(state_file(dir, tag), state, meta);  // last: the resume point is complete
}

Progress load_checkpoint(const std::filesystem::path& dir, const std::string& tag, nets::Model& model,
                         LrScheduler& scheduler) {
  const std::filesystem::path file = state_file(dir, tag);
  PIGMENT_CHECK(std::filesystem::exists(file),
                "--continue_train: no training state '{}' (checkpoints of --epoch {} are not there; run without "
                "--continue_train to start afresh, or pass the --epoch of an existing checkpoint)",
                file.string(), tag);
  const SafetensorsContents c = load_safetensors(file, model.device());
  PIGMENT_CHECK(get(c.metadata, "format", file) == "pigment-training-state", "{}: not a Pigment training state file",
                file.string());
  const std::string saved_model = get(c.metadata, "model", file);
  PIGMENT_CHECK(saved_model == std::string(nets::kModelNames.name(model.options().kind)),
                "{}: this checkpoint trains model '{}', not '{}' (pass --model {})", file.string(), saved_model,
                std::string(nets::kModelNames.name(model.options().kind)), saved_model);
  for (const auto& [name, net] : model.networks()) {
    TensorList sd;
    const std::string prefix = "net_" + name + ".";
    for (const auto& [key, t] : c.tensors)
      if (key.starts_with(prefix)) sd.emplace_back(key.substr(prefix.size()), t);
    net->load_state_dict(sd, file.string() + " (network " + name + ")");
  }
  model.load_training_state(c.tensors, c.metadata);
  scheduler.load(c.metadata);
  Progress p;
  p.epoch = std::stoll(get(c.metadata, "epoch", file));
  p.next_batch = std::stoll(get(c.metadata, "next_batch", file));
  p.epoch_iter = std::stoll(get(c.metadata, "epoch_iter", file));
  p.total_iters = std::stoll(get(c.metadata, "total_iters", file));
  p.epoch_loss_sum = std::stod(get(c.metadata, "epoch_loss_sum", file));
  p.epoch_loss_count = std::stoll(get(c.metadata, "epoch_loss_count", file));
  return p;
}

void load_network(const std::filesystem::path& dir, const std::string& tag, const std::string& name,
                  nets::Network& net) {
  const std::filesystem::path file = net_file(dir, tag, name);
  PIGMENT_CHECK(std::filesystem::exists(file), "no checkpoint '{}' (check --checkpoints_dir, --name and --epoch)",
                file.string());
  const SafetensorsContents c = load_safetensors(file, net.device());
  net.load_state_dict(c.tensors, file.string());
}

}  // namespace pigment::train
