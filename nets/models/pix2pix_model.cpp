// pix2pix (Isola et al. 2017) and the colorization model, which is pix2pix on Lab images
// (A = L/50 − 1, B = ab/110; D judges cat(L, ab)). Per iteration, in the reference's order:
//   fake_B = G(real_A)
//   D step:  loss_D = ½·(GAN(D(cat(A, fake_B.detach())), fake) + GAN(D(cat(A, B)), real)) [+ GP]
//   G step (D frozen): loss_G = GAN(D(cat(A, fake_B)), real) + λ_L1·‖fake_B − B‖₁
#include "kernels/ops.h"
#include "nets/models/model.h"

namespace pigment::nets {

namespace {
class Pix2PixModel final : public Model {
 public:
  Pix2PixModel(const ModelOptions& o, const Device& device) : Model(o, device) {
    G_ = &add_network("G", make_generator(o.generator, device, &rng_));
    if (o.is_train) {
      DiscriminatorOptions d = o.discriminator;
      d.input_nc = o.generator.input_nc + o.generator.output_nc;
      D_ = &add_network("D", make_discriminator(d, device));
      opt_G_ = &add_optimizer("G", {G_});
      opt_D_ = &add_optimizer("D", {D_});
    }
  }

  void set_input(const Tensor& a, const Tensor& b) override {
    real_A_ = a.to(device_);
    real_B_ = b.defined() ? b.to(device_) : Tensor();
  }

  void optimize_parameters() override {
    PIGMENT_CHECK(real_B_.defined(), "{}: training needs the target image B", kModelNames.name(options_.kind));
    fake_B_ = G_->forward(real_A_);

    // D step first, on the detached fake.
    D_->set_requires_grad(true);
    const DiscriminatorLosses d =
        conditional_discriminator_step(*D_, *opt_D_, options_.gan_mode, options_.lambda_gp, rng_, real_A_, real_B_, fake_B_);

    // G step with D frozen: D passes input gradients and computes none for its weights.
    D_->set_requires_grad(false);
    opt_G_->zero_grad();
    const Tensor loss_G_GAN = gan_loss(options_.gan_mode, D_->forward(concat({real_A_, fake_B_}, 1)), true);
    const Tensor loss_G_L1 = scale(l1_loss(fake_B_, real_B_), options_.lambda_L1);
    add(loss_G_GAN, loss_G_L1).backward();
    opt_G_->step();

    std::vector<std::pair<std::string, Tensor>> losses = {
        {"G_GAN", loss_G_GAN}, {"G_L1", loss_G_L1}, {"D_real", d.real}, {"D_fake", d.fake}};
    if (d.gp.defined()) losses.emplace_back("D_gp", d.gp);
    set_losses(std::move(losses));
  }

  void test() override {
    autograd::NoGradGuard no_grad;
    fake_B_ = G_->forward(real_A_);
  }

  std::vector<Visual> current_visuals() const override {
    if (options_.kind == ModelKind::colorization)
      return {{"real_A", real_A_, VisualKind::lab_L}, {"real_B_rgb", real_B_, VisualKind::lab_ab},
              {"fake_B_rgb", fake_B_, VisualKind::lab_ab}};
    return {{"real_A", real_A_, VisualKind::rgb}, {"fake_B", fake_B_, VisualKind::rgb},
            {"real_B", real_B_, VisualKind::rgb}};
  }

 private:
  Network *G_ = nullptr, *D_ = nullptr;
  Adam *opt_G_ = nullptr, *opt_D_ = nullptr;
  Tensor real_A_, real_B_, fake_B_;
};
}  // namespace

std::unique_ptr<Model> make_pix2pix_model(const ModelOptions& options, const Device& device) {
  return std::make_unique<Pix2PixModel>(options, device);
}

}  // namespace pigment::nets
