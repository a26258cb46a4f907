#include "kernels/ops/loss.h"
#include "kernels/ops/spec.h"

namespace pigment {

Tensor kl_divergence_loss(const Tensor& logits, const Tensor& target) {
  OpRun run{OpId::kl_divergence_loss, {{logits, "logits"}, {target, "target"}}};
  const char* op = run.name();
  check_rank(op, logits, 2, "logits");
  PIGMENT_CHECK(target.shape() == logits.shape(), "{}: target {} must have the logits' shape {} ([N, bins])", op,
                target.shape().str(), logits.shape().str());
  PIGMENT_CHECK(logits.numel() > 0, "{}: the mean over no rows is undefined ({})", op, logits.shape().str());
  PIGMENT_CHECK(!(autograd::is_grad_enabled() && target.requires_grad()),
                "{}: the target distribution takes no gradient here; pass target.detach()", op);
  const std::int64_t rows = logits.dim(0), cols = logits.dim(1);
  Tensor out = run.output({});
  run.kernels([&]<class T>() { cpu::kl_logits_forward<T>(rows, cols, logits.data<T>(), target.data<T>(), out.data<T>()); },
              [&](auto& ctx) {
                cuda::kl_logits_forward(ctx, rows, cols, logits.data<float>(), target.data<float>(), out.data<float>());
              });
  run.record({logits, target}, [rows, cols](const autograd::BackwardContext& ctx) {
    const Tensor &z = ctx.saved(0), &t = ctx.saved(1), &dy = ctx.grad();
    Tensor dz = Tensor::empty_like(z);
    run_kernels(
        OpId::kl_divergence_loss, z,
        [&]<class T>() {
          cpu::kl_logits_backward<T>(rows, cols, z.data<T>(), t.data<T>(), dy.data<T>(), dz.data<T>());
        },
        [&](auto& cuda_ctx) {
          cuda::kl_logits_backward(cuda_ctx, rows, cols, z.data<float>(), t.data<float>(), dy.data<float>(),
                                   dz.data<float>());
        });
    return std::vector<Tensor>{dz, Tensor()};
  });
  return out;
}

OpSpec make_spec_kl_divergence_loss() {
  // Targets are distributions with empty bins, as an image's ab histogram has: about a third of
  // each row is 0 (the guard), the rest U(0, 1) normalised to sum 1. The logits are N(0, 2²).
  OpSpec spec{OpId::kl_divergence_loss};
  spec.cuda_tolerance = kDeviceMath;
  for (Shape s : {Shape{1, 1}, Shape{1, 2}, Shape{5, 7}, Shape{3, 261}, Shape{2, 1100}}) {
    spec.cases.push_back(OpCase{
        "z,t" + s.str(),
        [s](Rng& g, DType t, const Device& d) {
          std::vector<double> z = g.normal_vector(s.numel(), 0.0, 2.0), p(static_cast<std::size_t>(s.numel()));
          for (std::int64_t r = 0; r < s[0]; ++r) {
            double total = 0;
            for (std::int64_t j = 0; j < s[1]; ++j) {
              double& v = p[static_cast<std::size_t>(r * s[1] + j)];
              v = (j > 0 && g.uniform() < 1.0 / 3.0) ? 0.0 : g.uniform();  // bin 0 keeps every row non-empty
              total += v;
            }
            for (std::int64_t j = 0; j < s[1]; ++j) p[static_cast<std::size_t>(r * s[1] + j)] /= total;
          }
          return std::vector<Tensor>{Tensor::from_vector(s, z, d, t).set_requires_grad(true),
                                     Tensor::from_vector(s, p, d, t)};
        },
        [](const std::vector<Tensor>& in) { return std::vector<Tensor>{kl_divergence_loss(in[0], in[1])}; },
        6.0 * static_cast<double>(s.numel()), 8.0 * static_cast<double>(s.numel())});
  }
  return spec;
}

}  // namespace pigment
