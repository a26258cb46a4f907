#include "kernels/ops/norm.h"
#include "kernels/ops/spec.h"

namespace pigment {

Tensor adain(const Tensor& x, const Tensor& gamma, const Tensor& beta, double eps) {
  OpRun run{OpId::adain, {{x, "input"}, {gamma, "scale (γ)"}, {beta, "shift (β)"}}};
  const char* op = run.name();
  check_rank(op, x, 4, "input");
  const std::int64_t n = x.dim(0), c = x.dim(1), plane = x.dim(2) * x.dim(3);
  for (const Tensor* p : {&gamma, &beta})
    PIGMENT_CHECK(p->shape() == (Shape{n, c}), "{}: γ and β must be [N, C] = [{}, {}] for input {}, got {}", op, n, c,
                  x.shape().str(), p->shape().str());
  PIGMENT_CHECK(plane > 1, "{}: input {} has a single pixel per channel; instance statistics need at least 2", op,
                x.shape().str());
  PIGMENT_CHECK(eps > 0, "{}: eps must be positive, got {}", op, eps);
  Tensor y = run.output(x.shape());
  Tensor mean = Tensor::empty({n, c}, x.dtype(), x.device());
  Tensor rstd = Tensor::empty({n, c}, x.dtype(), x.device());
  const std::int64_t per_plane = n * c;  // γ's period: one pair per plane
  run.kernels(
      [&]<class T>() {
        cpu::instance_norm_forward<T>(n, c, plane, x.data<T>(), gamma.data<T>(), beta.data<T>(), static_cast<T>(eps),
                                      T(1), nullptr, y.data<T>(), mean.data<T>(), rstd.data<T>(), per_plane);
      },
      [&](auto& ctx) {
        cuda::instance_norm_forward(ctx, n, c, plane, x.data<float>(), gamma.data<float>(), beta.data<float>(),
                                    static_cast<float>(eps), 1.0f, nullptr, y.data<float>(), mean.data<float>(),
                                    rstd.data<float>(), per_plane);
      });
  run.record({x, gamma, mean, rstd}, [n, c, plane, per_plane](const autograd::BackwardContext& ctx) {
    const Tensor& dy = ctx.grad();
    const Tensor &xs = ctx.saved(0), &g = ctx.saved(1), &mu = ctx.saved(2), &r = ctx.saved(3);
    Tensor dx = ctx.needs(0) ? Tensor::empty_like(dy) : Tensor();
    Tensor dgamma = ctx.needs(1) ? Tensor::empty({n, c}, dy.dtype(), dy.device()) : Tensor();
    Tensor dbeta = ctx.needs(2) ? Tensor::empty({n, c}, dy.dtype(), dy.device()) : Tensor();
    run_kernels(
        OpId::adain, dy,
        [&]<class T>() {
          cpu::instance_norm_backward<T>(n, c, plane, dy.data<T>(), xs.data<T>(), mu.data<T>(), r.data<T>(),
                                         g.data<T>(), nullptr, T(1), data_or_null<T>(dx), data_or_null<T>(dgamma),
                                         data_or_null<T>(dbeta), per_plane);
        },
        [&](auto& cuda_ctx) {
          cuda::instance_norm_backward(cuda_ctx, n, c, plane, dy.data<float>(), xs.data<float>(), mu.data<float>(),
                                       r.data<float>(), g.data<float>(), nullptr, 1.0f, data_or_null<float>(dx),
                                       data_or_null<float>(dgamma), data_or_null<float>(dbeta), per_plane);
        });
    return std::vector<Tensor>{dx, dgamma, dbeta};
  });
  return y;
}

OpSpec make_spec_adain() {
  // γ, β of every sample and channel; odd planes, a plane of 2 (its documented tolerance), batch 3,
  // and the memory colorizer's first AdaIN layer at 64².
  OpSpec spec{OpId::adain};
  spec.cuda_tolerance = kFp32Sums;
  for (Shape s : {Shape{1, 1, 1, 2}, Shape{3, 5, 7, 7}, Shape{2, 3, 31, 33}, Shape{2, 64, 32, 32}}) {
    const Shape p{s[0], s[1]};
    spec.cases.push_back(detail::tensor_case(
        "x" + s.str() + " γ,β" + p.str(), {s, p, p},
        [](const auto& in) { return std::vector<Tensor>{adain(in[0], in[1], in[2])}; },
        8.0 * static_cast<double>(s.numel()), 8.0 * static_cast<double>(s.numel())));
    if (s[2] * s[3] == 2) {
      spec.cases.back().cuda_tolerance = kTwoValueNorm.value;
      spec.cases.back().cuda_tolerance_reason = kTwoValueNorm.reason;
    }
  }
  return spec;
}

}  // namespace pigment
