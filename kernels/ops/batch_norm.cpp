#include "kernels/ops/norm.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/ops/spec.h"
#include "kernels/raw/pointwise.h"
#include "kernels/raw/reduce.h"

namespace pigment {

namespace {

// Synchronised training statistics (kernels/ops/norm.h): fills mean, rstd and the biased variance
// from every rank's batch; returns the count of values over the ranks.
template <class T>
double synchronised_statistics(distributed::Communicator& comm, std::int64_t n, std::int64_t c, std::int64_t plane,
                               const T* x, double eps, T* mean, T* rstd, std::vector<T>& var) {
  std::vector<double> sums(static_cast<std::size_t>(c) + 1);
  cpu::batch_norm_channel_sums<T>(n, c, plane, x, nullptr, sums.data());
  sums.back() = static_cast<double>(n * plane);
  sums = distributed::sum_over_ranks(comm, sums, "synchronised batch norm's sums");
  const double count = sums.back();
  for (std::int64_t ch = 0; ch < c; ++ch) mean[ch] = static_cast<T>(sums[static_cast<std::size_t>(ch)] / count);
  std::vector<double> squares(static_cast<std::size_t>(c));
  cpu::batch_norm_channel_sums<T>(n, c, plane, x, mean, squares.data());
  squares = distributed::sum_over_ranks(comm, squares, "synchronised batch norm's squares");
  for (std::int64_t ch = 0; ch < c; ++ch) {
    const double v = squares[static_cast<std::size_t>(ch)] / count;
    var[static_cast<std::size_t>(ch)] = static_cast<T>(v);
    rstd[ch] = static_cast<T>(1.0 / std::sqrt(v + eps));
  }
  return count;
}

// The synchronised backward: this rank's Σdy and Σdy·x̂ (its dβ and dγ), added over the ranks, give dx.
template <class T>
void synchronised_backward(distributed::Communicator& comm, double count, std::int64_t n, std::int64_t c,
                           std::int64_t plane, const T* dy, const T* x, const T* mean, const T* rstd, const T* gamma,
                           T* dx, T* dgamma, T* dbeta) {
  std::vector<T> local_dgamma(static_cast<std::size_t>(c)), local_dbeta(static_cast<std::size_t>(c));
  cpu::batch_norm_backward<T>(n, c, plane, true, dy, x, mean, rstd, gamma, nullptr, local_dgamma.data(),
                              local_dbeta.data());
  if (dgamma) std::copy(local_dgamma.begin(), local_dgamma.end(), dgamma);
  if (dbeta) std::copy(local_dbeta.begin(), local_dbeta.end(), dbeta);
  if (!dx) return;
  std::vector<double> sums(2 * static_cast<std::size_t>(c));
  for (std::size_t ch = 0; ch < static_cast<std::size_t>(c); ++ch) {
    sums[ch] = static_cast<double>(local_dbeta[ch]);
    sums[static_cast<std::size_t>(c) + ch] = static_cast<double>(local_dgamma[ch]);
  }
  sums = distributed::sum_over_ranks(comm, sums, "synchronised batch norm's gradient sums");
  cpu::batch_norm_input_gradient<T>(n, c, plane, dy, x, mean, rstd, gamma, sums.data(), sums.data() + c, count, dx);
}

// The same two rules on the CUDA backend, composed of its raw kernels (channel sums by reduce_sum,
// centring and per-channel affine maps by batch_norm_apply), the per-channel numbers on the host
// between the all-reduces. `like` gives the context for the copies and the device for scratch.
std::vector<float> to_host(const Tensor& like, const float* device, std::int64_t n) {
  std::vector<float> host(static_cast<std::size_t>(n));
  like.context().copy_to_host(host.data(), device, host.size() * sizeof(float));
  return host;
}
void to_device(const Tensor& like, float* device, const std::vector<float>& host) {
  like.context().copy_from_host(device, host.data(), host.size() * sizeof(float));
}

double synchronised_statistics_cuda(distributed::Communicator& comm, CudaContext& ctx, const Tensor& x, double eps,
                                    double momentum, float* mean, float* rstd, float* running_mean,
                                    float* running_var) {
  const std::int64_t n = x.dim(0), c = x.dim(1), plane = x.dim(2) * x.dim(3);
  const std::size_t channels = static_cast<std::size_t>(c);
  const Shape full{n, c, plane}, reduced{1, c, 1};
  Tensor sums = Tensor::empty({c}, DType::f32, x.device());
  cuda::reduce_sum(ctx, full, reduced, x.data<float>(), sums.data<float>(), 1.0);
  std::vector<double> totals(channels + 1);
  const std::vector<float> local = to_host(x, sums.data<float>(), c);
  std::copy(local.begin(), local.end(), totals.begin());
  totals.back() = static_cast<double>(n * plane);
  totals = distributed::sum_over_ranks(comm, totals, "synchronised batch norm's sums");
  const double count = totals.back();
  std::vector<float> mean_h(channels), ones(channels, 1.0f);
  for (std::size_t ch = 0; ch < channels; ++ch) mean_h[ch] = static_cast<float>(totals[ch] / count);
  to_device(x, mean, mean_h);
  // Σ(x − μ)²: centre (a batch-norm apply with rstd 1), square, sum.
  Tensor centred = Tensor::empty(x.shape(), DType::f32, x.device());
  to_device(x, rstd, ones);
  cuda::batch_norm_apply(ctx, n, c, plane, x.data<float>(), mean, rstd, nullptr, nullptr, centred.data<float>());
  cuda::mul_forward(ctx, x.numel(), centred.data<float>(), centred.data<float>(), centred.data<float>());
  cuda::reduce_sum(ctx, full, reduced, centred.data<float>(), sums.data<float>(), 1.0);
  const std::vector<float> local_squares = to_host(x, sums.data<float>(), c);
  std::vector<double> squares(local_squares.begin(), local_squares.end());
  squares = distributed::sum_over_ranks(comm, squares, "synchronised batch norm's squares");
  std::vector<float> rstd_h(channels);
  for (std::size_t ch = 0; ch < channels; ++ch) rstd_h[ch] = static_cast<float>(1.0 / std::sqrt(squares[ch] / count + eps));
  to_device(x, rstd, rstd_h);
  if (running_mean) {
    std::vector<float> rm = to_host(x, running_mean, c), rv = to_host(x, running_var, c);
    for (std::size_t ch = 0; ch < channels; ++ch) {
      rm[ch] = static_cast<float>((1 - momentum) * rm[ch] + momentum * mean_h[ch]);
      rv[ch] = static_cast<float>((1 - momentum) * rv[ch] + momentum * squares[ch] / (count - 1));
    }
    to_device(x, running_mean, rm);
    to_device(x, running_var, rv);
  }
  return count;
}

// dx = a·dy + b + k·x̂ per channel, with a = r·γ, b = −r·γ·Σdy/M, k = −r·γ·Σ(dy·x̂)/M.
void synchronised_backward_cuda(distributed::Communicator& comm, CudaContext& ctx, double count, const Tensor& dy,
                                const Tensor& x, const Tensor& mean, const Tensor& rstd, const Tensor& gamma,
                                const Tensor& dx, const Tensor& dgamma, const Tensor& dbeta) {
  const std::int64_t n = x.dim(0), c = x.dim(1), plane = x.dim(2) * x.dim(3);
  const std::size_t channels = static_cast<std::size_t>(c);
  Tensor local_dgamma = Tensor::empty({c}, DType::f32, x.device()), local_dbeta = Tensor::empty_like(local_dgamma);
  cuda::batch_norm_backward(ctx, n, c, plane, true, dy.data<float>(), x.data<float>(), mean.data<float>(),
                            rstd.data<float>(), gamma.defined() ? gamma.data<float>() : nullptr, nullptr,
                            local_dgamma.data<float>(), local_dbeta.data<float>());
  if (dgamma.defined()) dgamma.copy_from(local_dgamma);
  if (dbeta.defined()) dbeta.copy_from(local_dbeta);
  if (!dx.defined()) return;
  const std::vector<float> sum_dy = to_host(x, local_dbeta.data<float>(), c);
  const std::vector<float> sum_dy_xhat = to_host(x, local_dgamma.data<float>(), c);
  std::vector<double> sums(2 * channels);
  for (std::size_t ch = 0; ch < channels; ++ch) {
    sums[ch] = sum_dy[ch];
    sums[channels + ch] = sum_dy_xhat[ch];
  }
  sums = distributed::sum_over_ranks(comm, sums, "synchronised batch norm's gradient sums");
  const std::vector<float> r = to_host(x, rstd.data<float>(), c);
  const std::vector<float> g = gamma.defined() ? to_host(x, gamma.data<float>(), c) : std::vector<float>(channels, 1.0f);
  std::vector<float> a(channels), b(channels), rk(channels), zeros(channels, 0.0f);
  for (std::size_t ch = 0; ch < channels; ++ch) {
    const double rg = static_cast<double>(r[ch]) * static_cast<double>(g[ch]);
    a[ch] = static_cast<float>(rg);
    b[ch] = static_cast<float>(-rg * sums[ch] / count);
    rk[ch] = static_cast<float>(r[ch] * (-rg * sums[channels + ch] / count));  // r·k: x̂·k = (x − μ)·r·k
  }
  Tensor coefficients = Tensor::empty({4, c}, DType::f32, x.device());
  float* a_d = coefficients.data<float>();
  float* b_d = a_d + c;
  float* rk_d = b_d + c;
  float* zeros_d = rk_d + c;
  to_device(x, a_d, a);
  to_device(x, b_d, b);
  to_device(x, rk_d, rk);
  to_device(x, zeros_d, zeros);
  cuda::batch_norm_apply(ctx, n, c, plane, dy.data<float>(), zeros_d, a_d, nullptr, b_d, dx.data<float>());
  Tensor xhat_k = Tensor::empty(x.shape(), DType::f32, x.device());
  cuda::batch_norm_apply(ctx, n, c, plane, x.data<float>(), mean.data<float>(), rk_d, nullptr, nullptr,
                         xhat_k.data<float>());
  cuda::add_forward(ctx, x.numel(), dx.data<float>(), xhat_k.data<float>(), dx.data<float>());
}

}  // namespace

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
  distributed::Communicator* sync = p.training ? p.sync : nullptr;
  double count = static_cast<double>(n * plane);  // the values each channel's statistics are over
  run.kernels(
      [&]<class T>() {
        if (p.training) {
          std::vector<T> var(static_cast<std::size_t>(c));
          if (sync)
            count = synchronised_statistics<T>(*sync, n, c, plane, x.data<T>(), p.eps, mean.data<T>(), rstd.data<T>(),
                                               var);
          else
            cpu::batch_norm_statistics<T>(n, c, plane, x.data<T>(), static_cast<T>(p.eps), mean.data<T>(),
                                          rstd.data<T>(), var.data());
          if (running_mean.defined()) {
            T* rm = running_mean.data<T>();
            T* rv = running_var.data<T>();
            const double unbias = count / (count - 1);
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
        if (sync)
          count = synchronised_statistics_cuda(*sync, ctx, x, p.eps, p.momentum, mean.data<float>(),
                                               rstd.data<float>(), data_or_null<float>(running_mean),
                                               data_or_null<float>(running_var));
        else if (p.training)
          cuda::batch_norm_statistics(ctx, n, c, plane, x.data<float>(), static_cast<float>(p.eps), p.momentum,
                                      mean.data<float>(), rstd.data<float>(), data_or_null<float>(running_mean),
                                      data_or_null<float>(running_var));
        else
          cuda::batch_norm_eval_statistics(ctx, c, running_mean.data<float>(), running_var.data<float>(), p.eps,
                                           mean.data<float>(), rstd.data<float>());
        cuda::batch_norm_apply(ctx, n, c, plane, x.data<float>(), mean.data<float>(), rstd.data<float>(),
                               data_or_null<float>(gamma), data_or_null<float>(beta), y.data<float>());
      });
  run.record({x, gamma, mean, rstd}, [n, c, plane, training = p.training, sync, count](
                                         const autograd::BackwardContext& ctx) {
    const Tensor& dy = ctx.grad();
    const Tensor &xs = ctx.saved(0), &g = ctx.saved(1), &mu = ctx.saved(2), &r = ctx.saved(3);
    Tensor dx = ctx.needs(0) ? Tensor::empty_like(dy) : Tensor();
    Tensor dgamma = ctx.needs(1) ? Tensor::empty({c}, dy.dtype(), dy.device()) : Tensor();
    Tensor dbeta = ctx.needs(2) ? Tensor::empty({c}, dy.dtype(), dy.device()) : Tensor();
    run_kernels(
        OpId::batch_norm, dy,
        [&]<class T>() {
          if (sync)
            synchronised_backward<T>(*sync, count, n, c, plane, dy.data<T>(), xs.data<T>(), mu.data<T>(),
                                     r.data<T>(), data_or_null<T>(g), data_or_null<T>(dx), data_or_null<T>(dgamma),
                                     data_or_null<T>(dbeta));
          else
            cpu::batch_norm_backward<T>(n, c, plane, training, dy.data<T>(), xs.data<T>(), mu.data<T>(), r.data<T>(),
                                        data_or_null<T>(g), data_or_null<T>(dx), data_or_null<T>(dgamma),
                                        data_or_null<T>(dbeta));
        },
        [&](auto& cuda_ctx) {
          if (sync) {
            synchronised_backward_cuda(*sync, cuda_ctx, count, dy, xs, mu, r, g, dx, dgamma, dbeta);
            return;
          }
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
  // The synchronised rule's own code (sums, then the input gradient from them), with one rank: its
  // float64 gradient check is the plain rule's math reached the synchronised way.
  const std::shared_ptr<distributed::Communicator> one_rank = distributed::make_single_communicator(Device::cpu());
  const Shape xs{3, 5, 4, 3};
  spec.cases.push_back(OpCase{
      fmt::format("x{} train synchronised (1 rank)", xs.str()),
      [xs](Rng& g, DType t, const Device& d) {
        return std::vector<Tensor>{random_tensor(xs, g, t, d), random_tensor({xs[1]}, g, t, d),
                                   random_tensor({xs[1]}, g, t, d),
                                   random_tensor({xs[1]}, g, t, d, Values::normal, false),
                                   random_tensor({xs[1]}, g, t, d, Values::positive, false)};
      },
      [one_rank](const std::vector<Tensor>& in) {
        return std::vector<Tensor>{batch_norm(in[0], in[1], in[2], in[3], in[4], {true, 0.1, 1e-5, one_rank.get()})};
      },
      8.0 * static_cast<double>(xs.numel()), 8.0 * static_cast<double>(xs.numel())});
  return spec;
}

}  // namespace pigment
