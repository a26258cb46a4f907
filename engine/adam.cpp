#include "engine/adam.h"

#include <cmath>

#include "engine/distributed/gradient_reducer.h"
#include "kernels/raw/optimizer.h"

namespace pigment {

Adam::Adam(ParameterSet& params, AdamOptions options) : params_(&params), options_(options) {
  PIGMENT_CHECK(options.lr >= 0 && options.eps >= 0 && options.beta1 >= 0 && options.beta1 < 1 &&
                    options.beta2 >= 0 && options.beta2 < 1,
                "Adam: invalid options lr {} betas ({}, {}) eps {}: need lr ≥ 0, 0 ≤ β < 1, ε ≥ 0", options.lr,
                options.beta1, options.beta2, options.eps);
  params.flatten();
  exp_avg_ = Tensor::zeros_like(params.flat_params());
  exp_avg_sq_ = Tensor::zeros_like(params.flat_params());
}

Adam::~Adam() = default;

void Adam::average_gradients_over(distributed::Communicator& comm) {
  reducer_ = comm.world_size() > 1 ? std::make_unique<distributed::GradientReducer>(comm, *params_) : nullptr;
}

void Adam::zero_grad() {
  if (reducer_) reducer_->reset();
  params_->zero_grad();
}

void Adam::step() {
  ++step_;
  const Tensor& p = params_->flat_params();
  const Tensor& g = params_->flat_grads();
  if (reducer_) reducer_->finish();
  if (p.is_cpu()) {
    visit_dtype(p.dtype(), [&]<class T>() {
      cpu::adam_step<T>(p.numel(), p.data<T>(), g.data<T>(), exp_avg_.data<T>(), exp_avg_sq_.data<T>(), options_.lr,
                        options_.beta1, options_.beta2, options_.eps, step_);
    });
  } else if constexpr (kCudaBuilt) {
    check_float32_on_cuda("Adam", p);
    cuda::adam_step(as_cuda(p.context()), p.numel(), p.data<float>(), g.data<float>(), exp_avg_.data<float>(),
                    exp_avg_sq_.data<float>(), options_.lr, options_.beta1, options_.beta2, options_.eps, step_);
  } else {
    PIGMENT_FAIL("Adam: parameters are on {}, but this build has no CUDA backend", p.device().str());
  }
}

void Adam::load_state(std::int64_t step, const Tensor& exp_avg, const Tensor& exp_avg_sq) {
  PIGMENT_CHECK(step >= 0, "Adam::load_state: negative step {}", step);
  PIGMENT_CHECK(exp_avg.shape() == exp_avg_.shape() && exp_avg_sq.shape() == exp_avg_sq_.shape(),
                "Adam::load_state: moments {} and {} do not match the {} parameters of this model",
                exp_avg.shape().str(), exp_avg_sq.shape().str(), exp_avg_.numel());
  step_ = step;
  exp_avg_.copy_from(exp_avg.to(exp_avg_.dtype()));
  exp_avg_sq_.copy_from(exp_avg_sq.to(exp_avg_sq_.dtype()));
}

}  // namespace pigment
