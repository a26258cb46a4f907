#include "kernels/ops/norm.h"

#include <cmath>

#include "engine/views.h"
#include "kernels/ops/pointwise.h"
#include "kernels/ops/spec.h"
#include "kernels/ops/reduce.h"

namespace pigment {

namespace {
// The same backward rule built from differentiable ops (docs/backward.md), used when the backward
// pass is itself recorded (create_graph: a WGAN-GP gradient penalty through an instance-normed D).
// The activation's derivative is piecewise constant, so dz = leaky_relu_backward(dy, z) with z
// taken as a constant.
std::vector<Tensor> differentiable_backward(const autograd::BackwardContext& ctx, const Tensor& x, const Tensor& gamma,
                                            const Tensor& beta, double eps, NormActivation activation) {
  const Shape& shape = x.shape();
  const std::vector<int> plane{2, 3};
  auto spread = [&](const Tensor& per_plane) { return expand(per_plane, shape); };
  Tensor dz = ctx.grad();
  if (!activation.is_none()) {
    Tensor z;
    {
      autograd::NoGradGuard no_grad;
      z = instance_norm(x.detach(), gamma.defined() ? gamma.detach() : Tensor(),
                        beta.defined() ? beta.detach() : Tensor(), eps);
    }
    dz = leaky_relu_backward(dz, z, activation.negative_slope);
  }
  const Tensor xc = sub(x, spread(mean(x, plane)));
  const Tensor r = spread(pow(scale(mean(mul(xc, xc), plane), 1.0, eps), -0.5));
  const Tensor xhat = mul(xc, r);
  const Tensor g = gamma.defined() ? mul(dz, expand(reshape(gamma, {1, shape[1], 1, 1}), shape)) : dz;
  std::vector<Tensor> grads(4);
  if (ctx.needs(0)) grads[0] = mul(r, sub(sub(g, spread(mean(g, plane))), mul(xhat, spread(mean(mul(g, xhat), plane)))));
  if (ctx.needs(1)) grads[1] = reshape(sum(mul(dz, xhat), {0, 2, 3}), {shape[1]});
  if (ctx.needs(2)) grads[2] = reshape(sum(dz, {0, 2, 3}), {shape[1]});
  if (ctx.needs(3)) grads[3] = ctx.grad();
  return grads;
}
}  // namespace

Tensor instance_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, double eps, NormActivation activation,
                     const Tensor& residual) {
  OpRun run{OpId::instance_norm,
            {{x, "input"},
             {gamma, "weight (γ)", OpRun::optional},
             {beta, "bias (β)", OpRun::optional},
             {residual, "residual", OpRun::optional}}};
  const char* op = run.name();
  check_rank(op, x, 4, "input");
  check_per_channel(op, x, gamma, "weight (γ)");
  check_per_channel(op, x, beta, "bias (β)");
  if (residual.defined()) {
    PIGMENT_CHECK(residual.shape() == x.shape(),
                  "{}: the residual added to the output must have the input's shape {}, got {}", op, x.shape().str(),
                  residual.shape().str());
  }
  PIGMENT_CHECK(std::isfinite(activation.negative_slope) && activation.negative_slope >= 0,
                "{}: the fused activation's negative slope must be finite and ≥ 0 (1: none, 0: ReLU), got {}", op,
                activation.negative_slope);
  const std::int64_t n = x.dim(0), c = x.dim(1), plane = x.dim(2) * x.dim(3);
  PIGMENT_CHECK(plane > 1,
                "{}: input {} has a single pixel per channel; instance statistics need at least 2 (the variance "
                "of one value is 0). Use a larger input or no norm in this layer",
                op, x.shape().str());
  const double slope = activation.negative_slope;
  Tensor y = run.output(x.shape());
  // The per-plane statistics are saved for the backward rule, not outputs.
  Tensor mean = Tensor::empty({n, c}, x.dtype(), x.device());
  Tensor rstd = Tensor::empty({n, c}, x.dtype(), x.device());
  run.kernels(
      [&]<class T>() {
        cpu::instance_norm_forward<T>(n, c, plane, x.data<T>(), data_or_null<T>(gamma), data_or_null<T>(beta),
                                      static_cast<T>(eps), static_cast<T>(slope), data_or_null<T>(residual),
                                      y.data<T>(), mean.data<T>(), rstd.data<T>());
      },
      [&](auto& ctx) {
        cuda::instance_norm_forward(ctx, n, c, plane, x.data<float>(), data_or_null<float>(gamma),
                                    data_or_null<float>(beta), static_cast<float>(eps), static_cast<float>(slope),
                                    data_or_null<float>(residual), y.data<float>(), mean.data<float>(),
                                    rstd.data<float>());
      });
  run.record(
      {x, gamma, beta, mean, rstd},
      [n, c, plane, eps, activation, slope](const autograd::BackwardContext& ctx) {
        const Tensor& dy = ctx.grad();
        const Tensor &xs = ctx.saved(0), &g = ctx.saved(1), &b = ctx.saved(2), &mu = ctx.saved(3), &r = ctx.saved(4);
        if (autograd::is_grad_enabled()) return differentiable_backward(ctx, xs, g, b, eps, activation);
        Tensor dx = ctx.needs(0) ? Tensor::empty_like(dy) : Tensor();
        Tensor dgamma = ctx.needs(1) ? Tensor::empty({c}, dy.dtype(), dy.device()) : Tensor();
        Tensor dbeta = ctx.needs(2) ? Tensor::empty({c}, dy.dtype(), dy.device()) : Tensor();
        run_kernels(
            OpId::instance_norm, dy,
            [&]<class T>() {
              cpu::instance_norm_backward<T>(n, c, plane, dy.data<T>(), xs.data<T>(), mu.data<T>(), r.data<T>(),
                                             data_or_null<T>(g), data_or_null<T>(b), static_cast<T>(slope),
                                             data_or_null<T>(dx), data_or_null<T>(dgamma), data_or_null<T>(dbeta));
            },
            [&](auto& cuda_ctx) {
              cuda::instance_norm_backward(cuda_ctx, n, c, plane, dy.data<float>(), xs.data<float>(),
                                           mu.data<float>(), r.data<float>(), data_or_null<float>(g),
                                           data_or_null<float>(b), static_cast<float>(slope), data_or_null<float>(dx),
                                           data_or_null<float>(dgamma), data_or_null<float>(dbeta));
            });
        // The residual passes the gradient through unchanged.
        return std::vector<Tensor>{dx, dgamma, dbeta, ctx.needs(3) ? dy : Tensor()};
      },
      autograd::DoubleBackward::supported);
  return y;
}

namespace {
// Inputs whose normalised values stay ≥ 0.1 away from 0, so that a fused activation's kink is
// never within a finite-difference step: each plane holds pairs ±u (|u| in [0.2, 1.5]) and, when
// its size is odd, one more value e; the mean is e/M, so |x − μ| ≥ 0.2 − 1.5/M.
Tensor kink_free_input(const Shape& shape, Rng& gen, DType dtype, const Device& device) {
  const std::int64_t plane = shape[2] * shape[3];
  std::vector<double> v;
  v.reserve(static_cast<std::size_t>(shape.numel()));
  for (std::int64_t p = 0; p < shape[0] * shape[1]; ++p) {
    const double offset = gen.normal();  // planes do not share a mean
    for (std::int64_t i = 0; i + 1 < plane; i += 2) {
      const double u = (gen.uniform() < 0.5 ? -1.0 : 1.0) * gen.uniform(0.2, 1.5);
      v.push_back(offset + u);
      v.push_back(offset - u);
    }
    if (plane % 2) v.push_back(offset + (gen.uniform() < 0.5 ? -1.0 : 1.0) * gen.uniform(0.2, 1.5));
  }
  // Shuffle within each plane so that the pairs are not neighbours.
  for (std::int64_t p = 0; p < shape[0] * shape[1]; ++p)
    for (std::int64_t i = plane - 1; i > 0; --i)
      std::swap(v[static_cast<std::size_t>(p * plane + i)],
                v[static_cast<std::size_t>(p * plane + static_cast<std::int64_t>(gen.uniform() * static_cast<double>(i + 1)) % (i + 1))]);
  return Tensor::from_vector(shape, v, device, dtype).set_requires_grad(true);
}
}  // namespace

OpSpec make_spec_instance_norm() {
  OpSpec spec{OpId::instance_norm};
  spec.cuda_tolerance = kFp32Sums;
  struct Case {
    Shape x;
    bool affine;
    double slope = 1.0;  // the fused activation's negative slope (1: none)
    bool residual = false;
  };
  const Case cases[] = {{{1, 1, 1, 2}, false},           {{3, 5, 7, 7}, false},
                        {{3, 5, 7, 7}, true},            {{2, 3, 2, 2}, true},
                        {{1, 6, 31, 31}, false},         {{3, 5, 7, 7}, false, 0.0},
                        {{2, 3, 5, 4}, true, 0.2},       {{2, 3, 2, 2}, false, 0.2},
                        {{3, 5, 7, 7}, true, 1.0, true}, {{1, 4, 31, 31}, true, 0.0, true}};
  for (const Case& c : cases) {
    const bool activation = c.slope != 1.0;
    spec.cases.push_back(OpCase{
        fmt::format("x{}{}{}{}", c.x.str(), c.affine ? " affine" : "",
                    activation ? fmt::format(" +act(s={})", c.slope) : "", c.residual ? " +residual" : ""),
        [c, activation](Rng& g, DType t, const Device& d) {
          // With an activation, γ > 0 and |β| ≤ 0.02 keep z = γ·x̂ + β off the kink as well.
          Tensor x = activation ? kink_free_input(c.x, g, t, d) : random_tensor(c.x, g, t, d);
          Tensor gamma, beta;
          if (c.affine) {
            gamma = random_tensor({c.x[1]}, g, t, d, activation ? Values::positive : Values::normal);
            if (activation) {
              std::vector<double> b(static_cast<std::size_t>(c.x[1]));
              for (double& v : b) v = g.uniform(-0.02, 0.02);
              beta = Tensor::from_vector({c.x[1]}, b, d, t).set_requires_grad(true);
            } else {
              beta = random_tensor({c.x[1]}, g, t, d);
            }
          }
          return std::vector<Tensor>{x, gamma, beta, c.residual ? random_tensor(c.x, g, t, d) : Tensor()};
        },
        [c](const std::vector<Tensor>& in) {
          return std::vector<Tensor>{instance_norm(in[0], in[1], in[2], 1e-5, {c.slope}, in[3])};
        },
        8.0 * static_cast<double>(c.x.numel()), (c.residual ? 12.0 : 8.0) * static_cast<double>(c.x.numel())});
    if (c.x[2] * c.x[3] == 2) {
      spec.cases.back().cuda_tolerance = kTwoValueNorm.value;
      spec.cases.back().cuda_tolerance_reason = kTwoValueNorm.reason;
    }
  }
  for (Shape s : {Shape{1, 256, 64, 64}, Shape{1, 64, 256, 256}})  // resnet_9blocks' norms
    spec.layer_cases.push_back(detail::tensor_case(
        fmt::format("resnet_9blocks x{}", s.str()), {s},
        [](const auto& in) { return std::vector<Tensor>{instance_norm(in[0])}; },
        8.0 * static_cast<double>(s.numel()), 8.0 * static_cast<double>(s.numel())));
  return spec;
}

}  // namespace pigment
