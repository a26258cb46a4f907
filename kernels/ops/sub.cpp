#include "kernels/ops/pointwise.h"
#include "kernels/ops/spec.h"

namespace pigment {

Tensor sub(const Tensor& a, const Tensor& b) {
  return detail::binary(
      OpId::sub, a, b, [](std::int64_t n, const auto* x, const auto* z, auto* y) { cpu::sub_forward(n, x, z, y); },
      [](auto& ctx, std::int64_t n, const float* x, const float* z, float* y) { cuda::sub_forward(ctx, n, x, z, y); },
      {}, [](const autograd::BackwardContext& ctx) {
        const Tensor& dy = ctx.grad();
        return std::vector<Tensor>{ctx.needs(0) ? dy : Tensor(), ctx.needs(1) ? scale(dy, -1.0) : Tensor()};
      });
}

OpSpec make_spec_sub() { return detail::binary_spec(OpId::sub, &sub); }

}  // namespace pigment
