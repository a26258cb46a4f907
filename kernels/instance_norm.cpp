#include "kernels/instance_norm.h"

#include "kernels/op_spec.h"

namespace pigment {

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
      no_cuda_kernel);
  if (autograd::needs_grad({&x, &gamma, &beta})) {
    const Tensor inputs[] = {x, gamma, beta};
    Tensor outputs[] = {y};
    autograd::record(
        OpId::instance_norm, inputs, outputs, {x, gamma, mean, rstd},
        [n, c, plane](const autograd::BackwardContext& ctx) {
          const Tensor& dy = ctx.grad();
          const Tensor &xs = ctx.saved(0), &g = ctx.saved(1), &mu = ctx.saved(2), &r = ctx.saved(3);
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
              no_cuda_kernel);
          return std::vector<Tensor>{dx, dgamma, dbeta};
        });
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
