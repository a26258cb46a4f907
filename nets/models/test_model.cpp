// The test model: one generator G, inference only (the reference's TestModel, used by gan-test
// for a generator trained by any model, e.g. G_A of a CycleGAN saved as G).
#include "nets/models/model.h"

namespace pigment::nets {

namespace {
class TestModel final : public Model {
 public:
  TestModel(const ModelOptions& o, const Device& device) : Model(o, device) {
    G_ = &add_network("G", make_generator(o.generator, device, &rng_));
    G_->set_training(false);
  }
  void set_input(const Tensor& a, const Tensor&) override { real_A_ = a.to(device_); }
  void optimize_parameters() override { PIGMENT_FAIL("the test model does not train; use --model pix2pix, colorization or cycle_gan"); }
  void test() override {
    autograd::NoGradGuard no_grad;
    fake_ = G_->forward(real_A_);
  }
  std::vector<Visual> current_visuals() const override {
    return {{"real", real_A_, VisualKind::rgb}, {"fake", fake_, VisualKind::rgb}};
  }

 private:
  Network* G_ = nullptr;
  Tensor real_A_, fake_;
};
}  // namespace

std::unique_ptr<Model> make_test_model(const ModelOptions& options, const Device& device) {
  return std::make_unique<TestModel>(options, device);
}

std::unique_ptr<Model> make_pix2pix_model(const ModelOptions& options, const Device& device);
std::unique_ptr<Model> make_cycle_gan_model(const ModelOptions& options, const Device& device);
std::unique_ptr<Model> make_memory_colorization_model(const ModelOptions& options, const Device& device);

std::unique_ptr<Model> Model::create(const ModelOptions& options, const Device& device) {
  switch (options.kind) {
    case ModelKind::pix2pix:
    case ModelKind::colorization: return make_pix2pix_model(options, device);
    case ModelKind::cycle_gan: return make_cycle_gan_model(options, device);
    case ModelKind::memory_colorization: return make_memory_colorization_model(options, device);
    case ModelKind::test: return make_test_model(options, device);
  }
  return nullptr;
}

}  // namespace pigment::nets
