#include "kernels/instance_norm.h"

#include "engine/views.h"
#include "kernels/arithmetic.h"
#include "kernels/op_spec.h"
#include "kernels/pow.h"
#include "kernels/sum.h"

namespace pigment {

namespace {
// The same backward rule built from differentiable ops (docs/backward.md), used when the backward
// pass is itself recorded (create_graph: a WGAN-GP gradient penalty through an instance-normed D).
std::vector<Tensor> differentiable_backward(const autograd::BackwardContext& ctx, const Tensor& x, const Tensor& gamma,
                                            double eps) {
  const Shape& shape = x.shape();
  const std::vector<int> plane{2, 3};
  auto spread = [&](const Tensor& per_plane) { return expand(per_plane, shape); };
  const Tensor& dy = ctx.grad();
  const Tensor xc = sub(x, spread(mean(x, plane)));
  const Tensor r = spread(pow(scale(mean(mul(xc, xc), plane), 1.0, eps), -0.5));
  const Tensor xhat = mul(xc, r);
  const Tensor g = gamma.defined() ? mul(dy, expand(reshape(gamma, {1, shape[1], 1, 1}), shape)) : dy;
  std::vector<Tensor> grads(3);
  if (ctx.needs(0)) grads[0] = mul(r, sub(sub(g, spread(mean(g, plane))), mul(xhat, spread(mean(mul(g, xhat), plane)))));
  if (ctx.needs(1)) grads[1] = reshape(sum(mul(dy, xhat), {0, 2, 3}), {shape[1]});
  if (ctx.needs(2)) grads[2] = reshape(sum(dy, {0, 2, 3}), {shape[1]});
  return grads;
}
}  // namespace

Tensor instance_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, double eps) {
  const char* op = op_cname(OpId::instance_norm);
  check_rank(op, x, 4, "input");
  check_per_channel(op, x, gamma, "weight (γ)");
  check_per_channel(op, x, beta, "bias (β)");
  const std::int64_t n = x.dim(0), c = x.dim(1), plane = x.dim(2) * x.dim(3);
  PIGMENT_CHECK(plane > 1,
                "{}: input {} has a single pixel per channel; instance statistics need at least 2 (the variance "
                "of one value is 0). Use a larger input or no norm in this layer",
                op, x.shape().str());
  Tensor y = Tensor::empty_like(x);
  Tensor mean = Tensor::empty({n, c}, x.dtype(), x.device());
  Tensor rstd = Tensor::empty({n, c}, x.dtype(), x.device());
  dispatch<OpId::instance_norm>(
      x,
      [&]<class T>() {
        cpu::instance_norm_forward<T>(n, c, plane, x.data<T>(), data_or_null<T>(gamma),
                                      data_or_null<T>(beta), static_cast<T>(eps), y.data<T>(),
                                      mean.data<T>(), rstd.data<T>());
      },
      [&](auto& ctx) {
        cuda::instance_norm_forward(ctx, n, c, plane, x.data<float>(), data_or_null<float>(gamma),
                                    data_or_null<float>(beta), static_cast<float>(eps), y.data<float>(),
                                    mean.data<float>(), rstd.data<float>());
      });
  if (autograd::needs_grad({&x, &gamma, &beta})) {
    const Tensor inputs[] = {x, gamma, beta};
    Tensor outputs[] = {y};
    autograd::record(
        OpId::instance_norm, inputs, outputs, {x, gamma, mean, rstd},
        [n, c, plane, eps](const autograd::BackwardContext& ctx) {
          const Tensor& dy = ctx.grad();
          const Tensor &xs = ctx.saved(0), &g = ctx.saved(1), &mu = ctx.saved(2), &r = ctx.saved(3);
          if (autograd::is_grad_enabled()) return differentiable_backward(ctx, xs, g, eps);
          Tensor dx = ctx.needs(0) ? Tensor::empty_like(dy) : Tensor();
          Tensor dgamma = ctx.needs(1) ? Tensor::empty({c}, dy.dtype(), dy.device()) : Tensor();
          Tensor dbeta = ctx.needs(2) ? Tensor::empty({c}, dy.dtype(), dy.device()) : Tensor();
          dispatch<OpId::instance_norm>(
              dy,
              [&]<class T>() {
                cpu::instance_norm_backward<T>(n, c, plane, dy.data<T>(), xs.data<T>(), mu.data<T>(), r.data<T>(),
                                               data_or_null<T>(g),
                                               data_or_null<T>(dx),
                                               data_or_null<T>(dgamma),
                                               data_or_null<T>(dbeta));
              },
              [&](auto& cuda_ctx) {
                cuda::instance_norm_backward(cuda_ctx, n, c, plane, dy.data<float>(), xs.data<float>(),
                                             mu.data<float>(), r.data<float>(), data_or_null<float>(g),
                                             data_or_null<float>(dx), data_or_null<float>(dgamma),
                                             data_or_null<float>(dbeta));
              });
          return std::vector<Tensor>{dx, dgamma, dbeta};
        },
        autograd::DoubleBackward::supported);
  }
  return y;
}

OpSpec make_spec_instance_norm() {
  OpSpec spec{OpId::instance_norm, {}};
  struct Case {
    Shape x;
    bool affine;
  };
  const Case cases[] = {{{1, 1, 1, 2}, false}, {{3, 5, 7, 7}, false}, {{3, 5, 7, 7}, true}, {{2, 3, 2, 2}, true},
                        {{1, 6, 31, 31}, false}};
  for (const Case& c : cases) {
    spec.cases.push_back(OpCase{
        fmt::format("x{}{}", c.x.str(), c.affine ? " affine" : ""),
        [c](Generator& g, DType t, const Device& d) {
          return std::vector<Tensor>{random_tensor(c.x, g, t, d),
                                     c.affine ? random_tensor({c.x[1]}, g, t, d) : Tensor(),
                                     c.affine ? random_tensor({c.x[1]}, g, t, d) : Tensor()};
        },
        [](const std::vector<Tensor>& in) { return std::vector<Tensor>{instance_norm(in[0], in[1], in[2])}; },
        8.0 * static_cast<double>(c.x.numel()), 8.0 * static_cast<double>(c.x.numel())});
  }
  return spec;
}

}  // namespace pigment
