#include "nets/models/model.h"

#include <nlohmann/json.hpp>

#include "kernels/raw/reduce.h"

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

void Model::mark_nonfinite_losses(std::int64_t step) {
  PIGMENT_CHECK(step >= 1 && step < (std::int64_t{1} << 18), "mark_nonfinite_losses: step {} outside [1, 2^18)", step);
  for (std::size_t i = 0; i < losses_.size(); ++i) {
    const Tensor& loss = losses_[i].second;
    if (!loss.defined()) continue;
    if (!nonfinite_flag_.defined()) nonfinite_flag_ = Tensor::zeros({1}, loss.dtype(), loss.device());
    // Exact in float32: below 2^24.
    const double mark = static_cast<double>(step * 64 + static_cast<std::int64_t>(i % 63) + 1);
    if (loss.is_cpu()) {
      visit_dtype(loss.dtype(), [&]<class T>() {
        cpu::mark_nonfinite<T>(loss.numel(), loss.data<T>(), nonfinite_flag_.data<T>(), static_cast<T>(mark));
      });
    } else if constexpr (kCudaBuilt) {
      cuda::mark_nonfinite(as_cuda(loss.context()), loss.numel(), loss.data<float>(), nonfinite_flag_.data<float>(),
                           static_cast<float>(mark));
    }
  }
}

std::optional<Model::NonFiniteLoss> Model::take_nonfinite_mark() {
  if (!nonfinite_flag_.defined()) return std::nullopt;
  const auto mark = static_cast<std::int64_t>(nonfinite_flag_.item());
  if (mark == 0) return std::nullopt;
  nonfinite_flag_.zero_();
  const std::size_t index = static_cast<std::size_t>(mark % 64) - 1;
  return NonFiniteLoss{mark / 64, index < losses_.size() ? losses_[index].first : std::string("?")};
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
  save_rank_state(tensors, metadata);
}

void Model::save_rank_state(TensorList&, Metadata& metadata) const {
  metadata["rng_seed"] = std::to_string(rng_.seed());
  metadata["rng_offset"] = std::to_string(rng_.offset());
}

void Model::load_rank_state(const TensorList&, const Metadata& metadata) {
  rng_.set_state(metadata_number<std::uint64_t>(metadata, "rng_seed", "training state"),
                 metadata_number<std::uint64_t>(metadata, "rng_offset", "training state"));
}

void Model::use_communicator(distributed::Communicator& comm) {
  if (comm.world_size() == 1) return;
  PIGMENT_CHECK(options_.kind != ModelKind::memory_colorization,
                "--model memory_colorization trains in one process: its colour memory is updated by every sample, "
                "and ranks would each grow a memory of their own. Train it without mpirun (or with -np 1)");
  for (const auto& [name, net] : networks_)
    for (const auto& [key, t] : net->state_dict()) comm.broadcast(t, 0, "the broadcast of " + name + "." + key);
  for (auto& [name, adam] : optimizers_) adam->average_gradients_over(comm);
  if (options_.sync_bn)
    for (const auto& [name, net] : networks_)
      net->root().visit([&](Module& m) {
        if (auto* bn = dynamic_cast<BatchNorm2d*>(&m)) bn->sync = &comm;
      });
  // Rank r's stream: Philox keyed by a seed of its own (a SplitMix64 step of seed and rank), so
  // no two ranks draw the same dropout masks; rank 0 keeps --seed's stream, as one process would.
  if (comm.rank() > 0) {
    std::uint64_t z = options_.seed + 0x9e3779b97f4a7c15ull * static_cast<std::uint64_t>(comm.rank());
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    rng_.set_state(z ^ (z >> 31), rng_.offset());
  }
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
  load_rank_state(tensors, metadata);
}

}  // namespace pigment::nets
