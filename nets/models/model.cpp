#include "nets/models/model.h"

#include <nlohmann/json.hpp>

namespace pigment::nets {

Model::Model(const ModelOptions& options, const Device& device)
    : options_(options), device_(device), rng_(options.seed, 0) {}

Network& Model::add_network(const std::string& name, std::unique_ptr<Network> net) {
  net->init_weights(options_.init_type, options_.init_gain, rng_);
  Network& ref = *net;
  networks_.emplace_back(name, &ref);
  owned_.push_back(std::move(net));
  return ref;
}

Adam& Model::add_optimizer(const std::string& name, std::vector<Network*> nets) {
  // One flat buffer (and one Adam launch) for every parameter of the group.
  auto params = std::make_unique<ParameterSet>();
  for (Network* net : nets) {
    const std::string prefix = [&] {
      for (const auto& [n, p] : networks_)
        if (p == net) return n + ".";
      return std::string();
    }();
    for (const auto& [key, t] : net->parameters().entries()) params->add(prefix + key, t);
  }
  auto adam = std::make_unique<Adam>(*params, options_.adam);
  optimizers_.emplace_back(name, adam.get());
  optimizer_params_.push_back(std::move(params));
  owned_optimizers_.push_back(std::move(adam));
  return *owned_optimizers_.back();
}

Network* Model::network(const std::string& name) const {
  for (const auto& [n, p] : networks_)
    if (n == name) return p;
  return nullptr;
}

std::vector<std::pair<std::string, double>> Model::current_losses() const {
  std::vector<std::pair<std::string, double>> out;
  for (const auto& [name, t] : losses_) out.emplace_back(name, t.defined() ? t.item() : 0.0);
  return out;
}

void Model::set_learning_rate(double lr) {
  for (auto& [name, adam] : optimizers_) adam->set_lr(lr);
}

double Model::learning_rate() const { return optimizers_.empty() ? 0.0 : optimizers_.front().second->lr(); }

void Model::save_training_state(TensorList& tensors, Metadata& metadata) const {
  nlohmann::json steps = nlohmann::json::object();
  for (const auto& [name, adam] : optimizers_) {
    tensors.emplace_back("optimizer_" + name + ".exp_avg", adam->exp_avg());
    tensors.emplace_back("optimizer_" + name + ".exp_avg_sq", adam->exp_avg_sq());
    steps[name] = adam->step_count();
  }
  metadata["optimizer_steps"] = steps.dump();
  metadata["rng_seed"] = std::to_string(rng_.seed());
  metadata["rng_offset"] = std::to_string(rng_.offset());
}

void Model::load_training_state(const TensorList& tensors, const Metadata& metadata) {
  auto find = [&](const std::string& key) {
    for (const auto& [n, t] : tensors)
      if (n == key) return t;
    PIGMENT_FAIL("training state: '{}' is missing (was the checkpoint written by another model or version?)", key);
  };
  auto meta = [&](const std::string& key) {
    auto it = metadata.find(key);
    PIGMENT_CHECK(it != metadata.end(), "training state: metadata '{}' is missing", key);
    return it->second;
  };
  const nlohmann::json steps = nlohmann::json::parse(meta("optimizer_steps"));
  for (const auto& [name, adam] : optimizers_) {
    PIGMENT_CHECK(steps.contains(name), "training state: no step count for optimizer '{}'", name);
    adam->load_state(steps[name].get<std::int64_t>(), find("optimizer_" + name + ".exp_avg"),
                     find("optimizer_" + name + ".exp_avg_sq"));
  }
  rng_.set_state(std::stoull(meta("rng_seed")), std::stoull(meta("rng_offset")));
}

}  // namespace pigment::nets
