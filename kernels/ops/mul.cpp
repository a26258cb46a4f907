#include "kernels/ops/pointwise.h"
#include "kernels/ops/spec.h"

namespace pigment {

Tensor mul(const Tensor& a, const Tensor& b) {
  return detail::binary(
      OpId::mul, a, b, [](std::int64_t n, const auto* x, const auto* z, auto* y) { cpu::mul_forward(n, x, z, y); },
      [](auto& ctx, std::int64_t n, const float* x, const float* z, float* y) { cuda::mul_forward(ctx, n, x, z, y); },
      {a, b}, [](const autograd::BackwardContext& ctx) {
        const Tensor& dy = ctx.grad();
        return std::vector<Tensor>{ctx.needs(0) ? mul(dy, ctx.saved(1)) : Tensor(),
                                   ctx.needs(1) ? mul(dy, ctx.saved(0)) : Tensor()};
      });
}

OpSpec make_spec_mul() { return detail::binary_spec(OpId::mul, &mul); }

}  // namespace pigment
