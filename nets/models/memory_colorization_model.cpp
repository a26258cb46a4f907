#include "nets/models/memory_colorization_model.h"

#include <algorithm>

#include "engine/views.h"
#include "kernels/ops.h"

namespace pigment::nets {

namespace {
// The memory as a network: its slots are the module's buffers, it has no parameters and no forward.
std::unique_ptr<Network> make_memory_network(std::int64_t slots, std::int64_t key_dims, std::int64_t value_dims,
                                             const Device& device) {
  return std::make_unique<Network>(
      fmt::format("colour memory ({} slots)", slots), std::make_unique<ColourMemory>(slots, key_dims, value_dims, device),
      device, [](const Shape&) { PIGMENT_FAIL("colour memory: not a layer"); });
}
}  // namespace

MemoryColorizationModel::MemoryColorizationModel(const ModelOptions& o, const Device& device)
    : Model(o, device),
      features_(o.memory.value_kind, device),
      top_k_(o.memory.top_k ? o.memory.top_k : features_.default_top_k()),
      threshold_(o.memory.threshold > 0 ? o.memory.threshold : features_.default_threshold()) {
  const MemoryOptions& m = o.memory;
  PIGMENT_CHECK(o.generator.input_nc == 1 && o.generator.output_nc == 2,
                "memory_colorization maps L (1 channel) to ab (2 channels); got --input_nc {} --output_nc {}",
                o.generator.input_nc, o.generator.output_nc);
  PIGMENT_CHECK(m.memory_size >= 1, "memory_colorization: --memory_size must be set (gan-train sets 1.2 × the "
                                    "training images when it is 0)");
  PIGMENT_CHECK(top_k_ >= 1 && m.margin >= 0 && m.age_noise >= 0, "memory_colorization: --top_k ≥ 1, --alpha ≥ 0 "
                "and the age noise ≥ 0 (got {}, {}, {})", top_k_, m.margin, m.age_noise);
  G_ = &add_network("G", make_memory_generator(o.generator, features_.dims(), device, &rng_));
  generator_ = &dynamic_cast<MemoryGenerator&>(G_->root());
  KeyNetworkOptions k = m.key;
  k.bins = ColourFeatures::bins();
  K_ = &add_network("K", make_key_network(k, device));
  key_ = &dynamic_cast<KeyNetwork&>(K_->root());
  if (!m.key_weights.empty()) load_torchvision_weights(*K_, m.key_weights);
  M_ = &add_network("M", make_memory_network(m.memory_size, k.query_dims, features_.dims(), device));
  memory_ = &dynamic_cast<ColourMemory&>(M_->root());
  if (o.is_train) {
    DiscriminatorOptions d = o.discriminator;
    d.input_nc = 3;  // L and ab; the colour condition's channels are the discriminator's own
    D_ = &add_network("D", make_conditioned_discriminator(d, features_.dims(), device));
    discriminator_ = &dynamic_cast<ConditionedDiscriminator&>(D_->root());
    opt_G_ = &add_optimizer("G", {G_});
    opt_D_ = &add_optimizer("D", {D_});
    opt_K_ = &add_optimizer("K", {K_});
  }
}

void MemoryColorizationModel::set_input(const Tensor& a, const Tensor& b) {
  real_A_ = a.to(device_);
  real_B_ = b.defined() ? b.to(device_) : Tensor();
  sources_ = Tensor();
}

void MemoryColorizationModel::set_input_sources(std::span<const std::int64_t> indices) {
  std::vector<double> v(indices.begin(), indices.end());
  sources_ = Tensor::from_vector({static_cast<std::int64_t>(v.size())}, v, device_, DType::f32);
}

void MemoryColorizationModel::optimize_parameters() {
  PIGMENT_CHECK(real_B_.defined(), "memory_colorization: training needs the colour image's ab");
  const MemoryOptions& m = options_.memory;
  const std::int64_t n = real_A_.dim(0);
  if (!sources_.defined() || sources_.dim(0) != n)  // no dataset indices given: the slots record none
    sources_ = Tensor::full({n}, -1.0, DType::f32, device_);
  Tensor values, target;
  {
    autograd::NoGradGuard data;
    values = features_.values(real_A_, real_B_);
    target = features_.kind() == ValueKind::distribution ? values : features_.distribution(real_B_);
  }

  // 1. The query network. The features learn (resnet18) with batch norm on the batch's statistics;
  // the queries — stored as keys, compared at test time — are the features as inference computes
  // them, batch norm on its running statistics, so that a test image's query and a training
  // image's key come from the same function.
  opt_K_->zero_grad();
  Tensor loss_K_dist;
  if (key_->learns_features())
    loss_K_dist = kl_divergence_loss(key_->distribution_logits(key_->features(real_A_)), target);
  Tensor f;
  {
    autograd::NoGradGuard features;
    K_->set_training(false);
    f = key_->features(real_A_);
    K_->set_training(true);
  }
  const Tensor loss_K_triplet = memory_->triplet_loss(key_->query(f), values, features_,
                                                      static_cast<int>(std::min<std::int64_t>(top_k_, memory_->slots())),
                                                      threshold_, m.margin);
  (loss_K_dist.defined() ? add(loss_K_dist, loss_K_triplet) : loss_K_triplet).backward();
  opt_K_->step();

  // 2. The memory, with the stepped query layer.
  {
    autograd::NoGradGuard state;
    memory_->update(key_->query(f), values, sources_, features_, threshold_, static_cast<float>(m.age_noise), rng_);
  }

  // 3. D, then G with D frozen (pix2pix's order), both conditioned on the images' own values.
  // D trainable before its condition is projected: the projection is D's first layer (frozen since
  // the last G step, it would learn nothing — the resume test found it).
  D_->set_requires_grad(true);
  generator_->set_colour(values);
  discriminator_->set_condition(values);
  fake_B_ = G_->forward(real_A_);
  const DiscriminatorLosses d =
      conditional_discriminator_step(*D_, *opt_D_, options_.gan_mode, options_.lambda_gp, rng_, real_A_, real_B_, fake_B_);

  D_->set_requires_grad(false);
  opt_G_->zero_grad();
  // The condition projected again by the frozen D: the D step's backward has freed the first
  // projection's graph, and this one needs none (the colour value is data).
  discriminator_->set_condition(values);
  const Tensor loss_G_GAN = gan_loss(options_.gan_mode, D_->forward(concat({real_A_, fake_B_}, 1)), true);
  const Tensor loss_G_L1 = scale(smooth_l1_loss(fake_B_, real_B_), options_.lambda_L1);
  add(loss_G_GAN, loss_G_L1).backward();
  opt_G_->step();

  std::vector<std::pair<std::string, Tensor>> losses = {
      {"G_GAN", loss_G_GAN}, {"G_L1", loss_G_L1}, {"D_real", d.real}, {"D_fake", d.fake}, {"K_triplet", loss_K_triplet}};
  if (loss_K_dist.defined()) losses.emplace_back("K_dist", loss_K_dist);
  if (d.gp.defined()) losses.emplace_back("D_gp", d.gp);
  set_losses(std::move(losses));
}

Retrieval MemoryColorizationModel::retrieve(const Tensor& L, int k) {
  autograd::NoGradGuard no_grad;
  const Tensor l = L.to(device_);
  const std::int64_t n = l.dim(0);
  k = static_cast<int>(std::min<std::int64_t>(k, memory_->slots()));
  const TopK near = memory_->nearest(K_->forward(l), k);
  Retrieval r;
  const Tensor index = reshape(near.indices, {n * k});
  r.values = memory_->values_at(index);
  for (double i : index.to_vector<double>()) r.slots.push_back(static_cast<std::int64_t>(i));
  r.scores = reshape(near.scores, {n * k}).to_vector<double>();
  const std::vector<double> sources = memory_->state().sources.to_vector<double>();
  for (std::int64_t s : r.slots) r.sources.push_back(s >= 0 ? static_cast<std::int64_t>(sources[static_cast<std::size_t>(s)]) : -1);
  return r;
}

Tensor MemoryColorizationModel::colorize(const Tensor& L, const Tensor& values) {
  autograd::NoGradGuard no_grad;
  generator_->set_colour(values.to(device_));
  return G_->forward(L.to(device_));
}

Tensor MemoryColorizationModel::colour_values(const Tensor& L, const Tensor& ab) const {
  autograd::NoGradGuard no_grad;
  return features_.values(L.to(device_), ab.to(device_));
}

void MemoryColorizationModel::test() {
  const Retrieval r = retrieve(real_A_, 1);
  fake_B_ = colorize(real_A_, r.values);
}

std::vector<Visual> MemoryColorizationModel::current_visuals() const {
  return {{"real_A", real_A_, VisualKind::lab_L}, {"real_B_rgb", real_B_, VisualKind::lab_ab},
          {"fake_B_rgb", fake_B_, VisualKind::lab_ab}};
}

std::unique_ptr<Model> make_memory_colorization_model(const ModelOptions& options, const Device& device) {
  return std::make_unique<MemoryColorizationModel>(options, device);
}

}  // namespace pigment::nets
