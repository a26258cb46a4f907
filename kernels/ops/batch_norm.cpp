#include "kernels/ops/norm.h"

#include <cmath>

#include "kernels/ops/spec.h"

namespace pigment {

Tensor batch_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, const Tensor& running_mean,
                  const Tensor& running_var, BatchNormParams p) {
  // running_mean and running_var are read or updated in place, never differentiated: they are checked
  // below, but are not inputs of the recorded node.
  OpRun run{OpId::batch_norm,
            {{x, "input"}, {gamma, "weight (γ)", OpRun::optional}, {beta, "bias (β)", OpRun::optional}}};
  const char* op = run.name();
  check_rank(op, x, 4, "input");
  check_per_channel(op, x, gamma, "weight (γ)");
  check_per_channel(op, x, beta, "bias (β)");
  check_per_channel(op, x, running_mean, "running_mean");
  check_per_channel(op, x, running_var, "running_var");
  PIGMENT_CHECK(running_mean.defined() == running_var.defined(),
                "{}: give both running_mean and running_var, or neither", op);
  PIGMENT_CHECK(p.training || running_mean.defined(),
                "{}: evaluation mode needs running statistics (running_mean, running_var)", op);
  const std::int64_t n = x.dim(0), c = x.dim(1), plane = x.dim(2) * x.dim(3);
  PIGMENT_CHECK(!p.training || n * plane > 1,
                "{}: input {} has one value per channel; batch statistics need at least 2 in training (use a "
                "batch larger than 1, or instance norm)",
                op, x.shape().str());
  Tensor mean = Tensor::empty({c}, x.dtype(), x.device());
  Tensor rstd = Tensor::empty({c}, x.dtype(), x.device());
  Tensor y = run.output(x.shape());
  run.kernels(
      [&]<class T>() {
        if (p.training) {
          std::vector<T> var(static_cast<std::size_t>(c));
          cpu::batch_norm_statistics<T>(n, c, plane, x.data<T>(), static_cast<T>(p.eps), mean.data<T>(),
                                        rstd.data<T>(), var.data());
          if (running_mean.defined()) {
            T* rm = running_mean.data<T>();
            T* rv = running_var.data<T>();
            const double unbias = static_cast<double>(n * plane) / static_cast<double>(n * plane - 1);
            for (std::int64_t ch = 0; ch < c; ++ch) {
              rm[ch] = static_cast<T>((1 - p.momentum) * rm[ch] + p.momentum * mean.data<T>()[ch]);
              rv[ch] = static_cast<T>((1 - p.momentum) * rv[ch] + p.momentum * var[static_cast<std::size_t>(ch)] * unbias);
            }
          }
        } else {
          const T* rm = running_mean.data<T>();
          const T* rv = running_var.data<T>();
          for (std::int64_t ch = 0; ch < c; ++ch) {
            mean.data<T>()[ch] = rm[ch];
            rstd.data<T>()[ch] = static_cast<T>(1.0 / std::sqrt(static_cast<double>(rv[ch]) + p.eps));
          }
        }
        cpu::batch_norm_apply<T>(n, c, plane, x.data<T>(), mean.data<T>(), rstd.data<T>(),
                                 data_or_null<T>(gamma), data_or_null<T>(beta),
                                 y.data<T>());
      },
      [&](auto& ctx) {
        if (p.training)
          cuda::batch_norm_statistics(ctx, n, c, plane, x.data<float>(), static_cast<float>(p.eps), p.momentum,
                                      mean.data<float>(), rstd.data<float>(), data_or_null<float>(running_mean),
                                      data_or_null<float>(running_var));
        else
          cuda::batch_norm_eval_statistics(ctx, c, running_mean.data<float>(), running_var.data<float>(), p.eps,
                                           mean.data<float>(), rstd.data<float>());
        cuda::batch_norm_apply(ctx, n, c, plane, x.data<float>(), mean.data<float>(), rstd.data<float>(),
                               data_or_null<float>(gamma), data_or_null<float>(beta), y.data<float>());
      });
  run.record({x, gamma, mean, rstd}, [n, c, plane, training = p.training](const autograd::BackwardContext& ctx) {
    const Tensor& dy = ctx.grad();
    const Tensor &xs = ctx.saved(0), &g = ctx.saved(1), &mu = ctx.saved(2), &r = ctx.saved(3);
    Tensor dx = ctx.needs(0) ? Tensor::empty_like(dy) : Tensor();
    Tensor dgamma = ctx.needs(1) ? Tensor::empty({c}, dy.dtype(), dy.device()) : Tensor();
    Tensor dbeta = ctx.needs(2) ? Tensor::empty({c}, dy.dtype(), dy.device()) : Tensor();
    run_kernels(
        OpId::batch_norm, dy,
        [&]<class T>() {
          cpu::batch_norm_backward<T>(n, c, plane, training, dy.data<T>(), xs.data<T>(), mu.data<T>(), r.data<T>(),
                                      data_or_null<T>(g), data_or_null<T>(dx), data_or_null<T>(dgamma),
                                      data_or_null<T>(dbeta));
        },
        [&](auto& cuda_ctx) {
          cuda::batch_norm_backward(cuda_ctx, n, c, plane, training, dy.data<float>(), xs.data<float>(),
                                    mu.data<float>(), r.data<float>(), data_or_null<float>(g), data_or_null<float>(dx),
                                    data_or_null<float>(dgamma), data_or_null<float>(dbeta));
        });
    return std::vector<Tensor>{dx, dgamma, dbeta};
  });
  return y;
}

OpSpec make_spec_batch_norm() {
  OpSpec spec{OpId::batch_norm};
  spec.cuda_tolerance = kFp32Sums;
  struct Case {
    Shape x;
    bool training;
  };
  const Case cases[] = {{{3, 5, 7, 7}, true}, {{1, 3, 1, 2}, true}, {{3, 5, 1, 1}, true}, {{2, 6, 4, 5}, false},
                        {{1, 1, 1, 1}, false}};
  for (const Case& c : cases) {
    spec.cases.push_back(OpCase{
        fmt::format("x{} {}", c.x.str(), c.training ? "train" : "eval"),
        [c](Rng& g, DType t, const Device& d) {
          return std::vector<Tensor>{random_tensor(c.x, g, t, d), random_tensor({c.x[1]}, g, t, d),
                                     random_tensor({c.x[1]}, g, t, d),
                                     random_tensor({c.x[1]}, g, t, d, Values::normal, false),
                                     random_tensor({c.x[1]}, g, t, d, Values::positive, false)};
        },
        [c](const std::vector<Tensor>& in) {
          return std::vector<Tensor>{batch_norm(in[0], in[1], in[2], in[3], in[4], {c.training, 0.1, 1e-5})};
        },
        8.0 * static_cast<double>(c.x.numel()), 8.0 * static_cast<double>(c.x.numel())});
    if (c.training && c.x[0] * c.x[2] * c.x[3] == 2) {
      spec.cases.back().cuda_tolerance = kTwoValueNorm.value;
      spec.cases.back().cuda_tolerance_reason = kTwoValueNorm.reason;
    }
  }
  return spec;
}

}  // namespace pigment
