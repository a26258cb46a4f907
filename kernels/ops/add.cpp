#include "kernels/ops/pointwise.h"
#include "kernels/ops/spec.h"

namespace pigment {

Tensor add(const Tensor& a, const Tensor& b) {
  return detail::binary(
      OpId::add, a, b, [](std::int64_t n, const auto* x, const auto* z, auto* y) { cpu::add_forward(n, x, z, y); },
      [](auto& ctx, std::int64_t n, const float* x, const float* z, float* y) { cuda::add_forward(ctx, n, x, z, y); },
      {}, [](const autograd::BackwardContext& ctx) {
        const Tensor& dy = ctx.grad();
        return std::vector<Tensor>{ctx.needs(0) ? dy : Tensor(), ctx.needs(1) ? dy : Tensor()};
      });
}

OpSpec make_spec_add() { return detail::binary_spec(OpId::add, &add); }

}  // namespace pigment
