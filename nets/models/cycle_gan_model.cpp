// CycleGAN (Zhu et al. 2017). G_A: A → B, G_B: B → A; D_A judges B-domain images, D_B A-domain.
// Per iteration, in the reference's order:
//   fake_B = G_A(A), rec_A = G_B(fake_B), fake_A = G_B(B), rec_B = G_A(fake_A)
//   G step (both D frozen): GAN(D_A(fake_B), real) + GAN(D_B(fake_A), real)
//       + λ_A‖rec_A − A‖₁ + λ_B‖rec_B − B‖₁ + λ_idt(λ_B‖G_A(B) − B‖₁ + λ_A‖G_B(A) − A‖₁)
//   D step: for each D, ½·(GAN(D(real), real) + GAN(D(pool(fake)), fake)) [+ GP]
#include "kernels/ops.h"
#include "nets/models/model.h"

namespace pigment::nets {

namespace {
class CycleGanModel final : public Model {
 public:
  CycleGanModel(const ModelOptions& o, const Device& device)
      : Model(o, device), pool_A_(o.pool_size), pool_B_(o.pool_size) {
    GeneratorOptions ga = o.generator, gb = o.generator;
    std::swap(gb.input_nc, gb.output_nc);
    G_A_ = &add_network("G_A", make_generator(ga, device, &rng_));
    G_B_ = &add_network("G_B", make_generator(gb, device, &rng_));
    if (o.is_train) {
      PIGMENT_CHECK(o.lambda_identity == 0.0 || o.generator.input_nc == o.generator.output_nc,
                    "cycle_gan: the identity loss needs input_nc == output_nc (got {} and {}); pass "
                    "--lambda_identity 0",
                    o.generator.input_nc, o.generator.output_nc);
      DiscriminatorOptions da = o.discriminator, db = o.discriminator;
      da.input_nc = o.generator.output_nc;
      db.input_nc = o.generator.input_nc;
      D_A_ = &add_network("D_A", make_discriminator(da, device));
      D_B_ = &add_network("D_B", make_discriminator(db, device));
      opt_G_ = &add_optimizer("G", {G_A_, G_B_});
      opt_D_ = &add_optimizer("D", {D_A_, D_B_});
    }
  }

  void set_input(const Tensor& a, const Tensor& b) override {
    real_A_ = a.to(device_);
    real_B_ = b.defined() ? b.to(device_) : Tensor();
  }

  void optimize_parameters() override {
    PIGMENT_CHECK(real_B_.defined(), "cycle_gan: training needs images of both domains");
    const double lA = options_.lambda_A, lB = options_.lambda_B, lI = options_.lambda_identity;
    fake_B_ = G_A_->forward(real_A_);
    rec_A_ = G_B_->forward(fake_B_);
    fake_A_ = G_B_->forward(real_B_);
    rec_B_ = G_A_->forward(fake_A_);

    // Generators, with both discriminators frozen.
    D_A_->set_requires_grad(false);
    D_B_->set_requires_grad(false);
    opt_G_->zero_grad();
    Tensor loss_idt_A, loss_idt_B;
    if (lI > 0) {
      idt_A_ = G_A_->forward(real_B_);
      loss_idt_A = scale(l1_loss(idt_A_, real_B_), lB * lI);
      idt_B_ = G_B_->forward(real_A_);
      loss_idt_B = scale(l1_loss(idt_B_, real_A_), lA * lI);
    } else {
      loss_idt_A = Tensor::scalar(0.0, DType::f32, device_);
      loss_idt_B = Tensor::scalar(0.0, DType::f32, device_);
    }
    const Tensor loss_G_A = gan_loss(options_.gan_mode, D_A_->forward(fake_B_), true);
    const Tensor loss_G_B = gan_loss(options_.gan_mode, D_B_->forward(fake_A_), true);
    const Tensor loss_cycle_A = scale(l1_loss(rec_A_, real_A_), lA);
    const Tensor loss_cycle_B = scale(l1_loss(rec_B_, real_B_), lB);
    Tensor loss_G = add(add(loss_G_A, loss_G_B), add(loss_cycle_A, loss_cycle_B));
    if (lI > 0) loss_G = add(loss_G, add(loss_idt_A, loss_idt_B));
    loss_G.backward();
    opt_G_->step();

    // Discriminators, on images from the pools.
    D_A_->set_requires_grad(true);
    D_B_->set_requires_grad(true);
    opt_D_->zero_grad();
    const Tensor pooled_B = pool_B_.query(fake_B_, rng_);
    const Tensor pooled_A = pool_A_.query(fake_A_, rng_);
    const Tensor loss_D_A = backward_D_basic(*D_A_, real_B_, pooled_B);
    const Tensor loss_D_B = backward_D_basic(*D_B_, real_A_, pooled_A);
    opt_D_->step();

    set_losses({{"D_A", loss_D_A}, {"G_A", loss_G_A}, {"cycle_A", loss_cycle_A}, {"idt_A", loss_idt_A},
                {"D_B", loss_D_B}, {"G_B", loss_G_B}, {"cycle_B", loss_cycle_B}, {"idt_B", loss_idt_B}});
  }

  void test() override {
    autograd::NoGradGuard no_grad;
    fake_B_ = G_A_->forward(real_A_);
    rec_A_ = G_B_->forward(fake_B_);
    if (real_B_.defined()) {
      fake_A_ = G_B_->forward(real_B_);
      rec_B_ = G_A_->forward(fake_A_);
    }
  }

  std::vector<Visual> current_visuals() const override {
    std::vector<Visual> v = {{"real_A", real_A_, VisualKind::rgb}, {"fake_B", fake_B_, VisualKind::rgb},
                             {"rec_A", rec_A_, VisualKind::rgb}};
    if (idt_B_.defined()) v.push_back({"idt_B", idt_B_, VisualKind::rgb});
    if (real_B_.defined()) {
      v.push_back({"real_B", real_B_, VisualKind::rgb});
      if (fake_A_.defined()) v.push_back({"fake_A", fake_A_, VisualKind::rgb});
      if (rec_B_.defined()) v.push_back({"rec_B", rec_B_, VisualKind::rgb});
      if (idt_A_.defined()) v.push_back({"idt_A", idt_A_, VisualKind::rgb});
    }
    return v;
  }

  void save_rank_state(TensorList& tensors, Metadata& metadata) const override {
    Model::save_rank_state(tensors, metadata);
    pool_A_.save("pool_A", tensors);
    pool_B_.save("pool_B", tensors);
  }
  void load_rank_state(const TensorList& tensors, const Metadata& metadata) override {
    Model::load_rank_state(tensors, metadata);
    pool_A_.load("pool_A", tensors, device_);
    pool_B_.load("pool_B", tensors, device_);
  }

 private:
  // ½·(GAN(D(real), real) + GAN(D(fake.detach()), fake)) [+ GP], backpropagated; returns the loss.
  Tensor backward_D_basic(Network& D, const Tensor& real, const Tensor& fake) {
    const Tensor loss_real = gan_loss(options_.gan_mode, D.forward(real), true);
    const Tensor loss_fake = gan_loss(options_.gan_mode, D.forward(fake.detach()), false);
    Tensor loss = scale(add(loss_real, loss_fake), 0.5);
    if (options_.gan_mode == GanMode::wgangp)
      loss = add(loss, gradient_penalty(D, real, fake.detach(), options_.lambda_gp, rng_));
    loss.backward();
    return loss;
  }

  Network *G_A_ = nullptr, *G_B_ = nullptr, *D_A_ = nullptr, *D_B_ = nullptr;
  Adam *opt_G_ = nullptr, *opt_D_ = nullptr;
  ImagePool pool_A_, pool_B_;
  Tensor real_A_, real_B_, fake_A_, fake_B_, rec_A_, rec_B_, idt_A_, idt_B_;
};
}  // namespace

std::unique_ptr<Model> make_cycle_gan_model(const ModelOptions& options, const Device& device) {
  return std::make_unique<CycleGanModel>(options, device);
}

}  // namespace pigment::nets
