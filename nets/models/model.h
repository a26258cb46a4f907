#pragma once
// The GAN models: their networks, losses and update order, exactly as the reference
// (../shared/guide/reference-models.md). A model owns its networks, its optimizers and its random
// generator (dropout masks, image pools, gradient-penalty mixing), all of which are training state.
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "engine/adam.h"
#include "engine/distributed/communicator.h"
#include "engine/names.h"
#include "engine/rng.h"
#include "engine/safetensors.h"
#include "nets/discriminators.h"
#include "nets/generators.h"
#include "nets/memory/colour_features.h"
#include "nets/memory/key_network.h"
#include "nets/models/gan_loss.h"
#include "nets/models/image_pool.h"

namespace pigment::nets {

enum class ModelKind { pix2pix, cycle_gan, colorization, memory_colorization, test };
inline constexpr EnumNames<ModelKind, 5> kModelNames{{{{"pix2pix", ModelKind::pix2pix},
                                                      {"cycle_gan", ModelKind::cycle_gan},
                                                      {"colorization", ModelKind::colorization},
                                                      {"memory_colorization", ModelKind::memory_colorization},
                                                      {"test", ModelKind::test}}}};
// The models gan-train trains (test is gan-test's: one generator, no training).
inline constexpr EnumNames<ModelKind, 4> kTrainableModelNames{
    {{{"cycle_gan", ModelKind::cycle_gan},
      {"pix2pix", ModelKind::pix2pix},
      {"colorization", ModelKind::colorization},
      {"memory_colorization", ModelKind::memory_colorization}}}};
// Lab colorization (L in, ab out): the plain colorizer and the memory colorizer.
constexpr bool is_colorization(ModelKind k) { return k == ModelKind::colorization || k == ModelKind::memory_colorization; }

// The memory colorizer's own options (nets/models/memory_colorization_model.h). A 0 asks for
// MemoPainter's default for the value kind, or for the memory, 1.2 × the training images.
struct MemoryOptions {
  ValueKind value_kind = ValueKind::distribution;
  std::int64_t memory_size = 0;
  int top_k = 0;             // the neighbours the triplet loss looks among (256 / 32)
  double threshold = 0;      // δ: KL (log10) or ΔE2000 below which colours are the same (0.5 / 8)
  double margin = 0.1;       // α of the triplet loss
  double age_noise = 4.0;    // the update's oldest-slot choice: age + U(−4, 4)
  KeyNetworkOptions key;     // the query network
  std::string key_weights;   // a torchvision ResNet-18 (safetensors) to start the key network from
};

// Defaults are the reference's command-line defaults (base_options.py, train_options.py), which
// gan-train's options store here directly; each model's own defaults (pix2pix: batch norm, unet_256,
// vanilla, no pool) are applied by gan-train to what the user did not give.
struct ModelOptions {
  ModelKind kind = ModelKind::cycle_gan;
  GeneratorOptions generator;
  DiscriminatorOptions discriminator;
  GanMode gan_mode = GanMode::lsgan;
  double lambda_L1 = 100.0;                  // pix2pix, colorization
  double lambda_A = 10.0, lambda_B = 10.0;   // cycle_gan cycle losses
  double lambda_identity = 0.5;              // cycle_gan identity (× λ_A or λ_B)
  double lambda_gp = 10.0;                   // wgangp
  MemoryOptions memory;                      // memory_colorization
  int pool_size = 50;                        // image pool of D's fake inputs (0: none)
  bool sync_bn = false;                      // data parallelism: batch norm over every rank's batch
  AdamOptions adam{2e-4, 0.5, 0.999, 1e-8};
  InitType init_type = InitType::normal;
  double init_gain = 0.02;
  bool is_train = true;
  std::uint64_t seed = 0;
};

// What a visual tensor holds, so a writer can turn it into an image.
enum class VisualKind { rgb, lab_L, lab_ab };  // [−1,1] image; L/50−1; ab/110 (shown with the matching L)

struct Visual {
  std::string name;
  Tensor tensor;  // [N, C, H, W] on the model's device
  VisualKind kind;
};

class Model {
 public:
  virtual ~Model() = default;
  static std::unique_ptr<Model> create(const ModelOptions& options, const Device& device);

  // The inputs of the next step (B undefined for the test model); moved to the model's device.
  virtual void set_input(const Tensor& a, const Tensor& b) = 0;
  // One training iteration: forward, both updates in the reference's order.
  virtual void optimize_parameters() = 0;
  // Inference only (gan-test): the generator's output from the current input.
  virtual void test() = 0;
  // The dataset indices of the current input's images (the memory colorizer records which training
  // image a memory slot's colours came from); the others ignore them.
  virtual void set_input_sources(std::span<const std::int64_t> indices) { (void)indices; }

  // The losses of the last iteration, in the reference's print order (each already × its λ).
  // Reading them waits for the device: call at print time only.
  std::vector<std::pair<std::string, double>> current_losses() const;
  virtual std::vector<Visual> current_visuals() const = 0;

  // The watch of non-finite losses, every step and without waiting for the device: after step
  // `step` (1, 2, … within the current watch, below 2^18) mark_nonfinite_losses records, in a
  // one-element flag on the device, step · 64 + (index of the loss + 1) for the first loss of
  // the first step that is ±inf or NaN. take_nonfinite_mark() reads the flag (waiting for the
  // device: at print and save time on a GPU) and clears it; nothing when every step was finite.
  struct NonFiniteLoss {
    std::int64_t step;  // as passed to mark_nonfinite_losses
    std::string loss;
  };
  void mark_nonfinite_losses(std::int64_t step);
  std::optional<NonFiniteLoss> take_nonfinite_mark();

  // Checkpointed networks by their file name ("G", "D", "G_A", …) and the optimizers.
  const std::vector<std::pair<std::string, Network*>>& networks() const { return networks_; }
  Network* network(const std::string& name) const;
  const std::vector<std::pair<std::string, Adam*>>& optimizers() const { return optimizers_; }
  void set_learning_rate(double lr);
  double learning_rate() const;

  // Everything beyond the networks' weights that an exact resume needs: optimizer moments and
  // steps, and this rank's state (below).
  void save_training_state(TensorList& tensors, Metadata& metadata) const;
  void load_training_state(const TensorList& tensors, const Metadata& metadata);
  // What differs between the ranks of a data-parallel run: the random stream's position (dropout
  // masks, pool draws) and the image pools; the weights and optimizer state are the same on every
  // rank. A checkpoint holds rank 0's under the plain names and rank r's under "rank<r>.".
  virtual void save_rank_state(TensorList& tensors, Metadata& metadata) const;
  virtual void load_rank_state(const TensorList& tensors, const Metadata& metadata);

  // Data parallelism: every network's weights and buffers become rank 0's, each optimizer averages
  // the gradients over the ranks before its step, and ranks other than 0 draw from random streams
  // of their own (seeded from --seed and the rank); with options().sync_bn every batch norm takes
  // its training statistics over every rank's batch. Call once, after create(), before training.
  void use_communicator(distributed::Communicator& comm);

  const ModelOptions& options() const { return options_; }
  const Device& device() const { return device_; }
  Rng& rng() { return rng_; }

 protected:
  Model(const ModelOptions& options, const Device& device);
  Network& add_network(const std::string& name, std::unique_ptr<Network> net);
  Adam& add_optimizer(const std::string& name, std::vector<Network*> nets);
  void set_losses(std::vector<std::pair<std::string, Tensor>> losses) { losses_ = std::move(losses); }

  ModelOptions options_;
  Device device_;
  Rng rng_;

 private:
  std::vector<std::unique_ptr<Network>> owned_;
  std::vector<std::pair<std::string, Network*>> networks_;
  std::vector<std::unique_ptr<ParameterSet>> optimizer_params_;
  std::vector<std::unique_ptr<Adam>> owned_optimizers_;
  std::vector<std::pair<std::string, Adam*>> optimizers_;
  std::vector<std::pair<std::string, Tensor>> losses_;
  Tensor nonfinite_flag_;  // [1] on the device, 0 while every watched loss was finite
};

}  // namespace pigment::nets
